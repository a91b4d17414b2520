import ArgumentParser
import BalieCore
import BalieHTTP
import BalieStore
import BalieWeb
import Foundation
import Logging

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the kiosk pages and the API until SIGTERM or SIGINT.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var retention: RetentionOptions
    @OptionGroup var refused: RefusedPasswordOptions
    @Option(help: "Address to listen on (env BALIE_HOST; default 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on; 0 picks a free one (env BALIE_PORT; default 8080).") var port: Int?
    @Flag(help: "Fill an empty database with demo data (env BALIE_DEMO).") var demo = false
    @Option(help: "Folder with static/ and templates/ (env BALIE_WWW; default ./www).") var www: String?
    @Option(help: "Folder with the translations (env BALIE_LOCALES; default ./locales).") var locales: String?
    @Option(help: "Worker threads (env BALIE_THREADS; default: one per core).") var threads: Int?
    @Option(help: "Largest request body in bytes, else 413 (env BALIE_MAX_BODY_BYTES; default 1048576).") var maxBodyBytes: Int?
    @Option(help: "Longest request target in bytes, else 414 (env BALIE_MAX_URL_LENGTH; default 8192).") var maxURLLength: Int?
    @Option(help: "Open connections in all (env BALIE_MAX_CONNECTIONS; default 1024).") var maxConnections: Int?
    @Option(help: "Open connections per client address (env BALIE_MAX_CONNECTIONS_PER_CLIENT; default 64).") var maxConnectionsPerClient: Int?
    @Option(help: "Seconds before an idle connection is closed (env BALIE_IDLE_TIMEOUT; default 30).") var idleTimeout: Int?
    @Option(help: "Seconds without input before a customer screen resets (env BALIE_IDLE_SECONDS; default 120).") var idleSeconds: Int?
    @Option(help: "Seconds of warning before that reset (env BALIE_IDLE_WARN_SECONDS; default 30).") var idleWarnSeconds: Int?
    @Option(help: "Seconds without a request before a staff session ends (env BALIE_SESSION_IDLE_TIMEOUT; default 900).") var sessionIdleTimeout: Int?
    @Option(help: "Seconds after sign-in when a staff session ends anyway (env BALIE_SESSION_ABSOLUTE_TIMEOUT; default 36000).") var sessionAbsoluteTimeout: Int?
    @Option(help: "The task catalogue file (env BALIE_TASK_CATALOG; default ./deploy/task-catalog.json).") var taskCatalog: String?
    @Option(help: "The organisation's name as customers know it (env BALIE_ORGANISATION; default Balie).") var organisation: String?
    @Option(help: "Hours after which an open session is shown to staff to finish (env BALIE_STALE_SESSION_HOURS; default 4).") var staleSessionHours: Int?
    @Option(help: "Single-kiosk shortcut: this box's branch code, created if missing (env BALIE_BRANCH; goes with --kiosk).") var branch: String?
    @Option(help: "Smallest group the insights show on its own (env BALIE_INSIGHTS_MIN_GROUP; default 5).") var insightsMinGroup: Int?
    @Option(help: "Waiting-room display streams open at once, below --max-connections (env BALIE_MAX_DISPLAY_STREAMS; default 3/4 of it).") var maxDisplayStreams: Int?
    @Option(help: "Single-kiosk shortcut: a browser on this machine is this kiosk, created if missing (env BALIE_KIOSK).") var kiosk: String?
    @Option(help: "The proxy in front, whose X-Forwarded-For names the client (env BALIE_TRUSTED_PROXY).") var trustedProxy: String?
    @Option(help: "The origin browsers use, e.g. https://balie.example.nl; forms from elsewhere are refused (env BALIE_PUBLIC_ORIGIN).") var publicOrigin: String?
    @Option(help: "Tickets, staff calls and help requests one kiosk may make per 10 minutes (env BALIE_ANONYMOUS_WRITES_PER_KIOSK; default 30).") var anonymousWritesPerKiosk: Int?
    @Option(help: "The same per client address, over all kiosks (env BALIE_ANONYMOUS_WRITES_PER_ADDRESS; default 60).") var anonymousWritesPerAddress: Int?
    @Option(help: "PEM certificate file for HTTPS (env BALIE_TLS_CERT).") var tlsCert: String?
    @Option(help: "PEM private key file for HTTPS (env BALIE_TLS_KEY).") var tlsKey: String?
    @Flag(help: "A TLS proxy stands in front: Secure cookies and HSTS (env BALIE_BEHIND_TLS_PROXY).") var behindTLSProxy = false
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (env BALIE_LOG_LEVEL; default info).") var logLevel: String?

    func run() throws {
        // First, before any thread exists (see TerminationSignal).
        let termination = TerminationSignal()
        let levelName = logLevel ?? Environment.value("LOG_LEVEL") ?? "info"
        guard let level = Logger.Level(rawValue: levelName) else { throw ValidationError("Unknown log level \(levelName).") }
        LoggingSystem.bootstrap { label in BufferedLogHandler(label: label, level: level) }
        let logger = Logger(label: "balie")

        var server = ServerConfiguration()
        server.host = host ?? Environment.value("HOST") ?? "127.0.0.1"
        let portNumber = try Environment.int("PORT", port, default: 8080)
        guard (0...65535).contains(portNumber) else { throw ValidationError("The port must be between 0 and 65535.") }
        server.port = UInt16(portNumber)
        server.threads = try Environment.int("THREADS", threads, default: server.threads)
        server.maxBodyBytes = try Environment.int("MAX_BODY_BYTES", maxBodyBytes, default: server.maxBodyBytes)
        server.maxURLLength = try Environment.int("MAX_URL_LENGTH", maxURLLength, default: server.maxURLLength)
        server.maxConnections = try Environment.int("MAX_CONNECTIONS", maxConnections, default: server.maxConnections)
        server.maxConnectionsPerClient = try Environment.int(
            "MAX_CONNECTIONS_PER_CLIENT", maxConnectionsPerClient, default: server.maxConnectionsPerClient)
        server.idleTimeoutSeconds = try Environment.int("IDLE_TIMEOUT", idleTimeout, default: server.idleTimeoutSeconds)
        for (name, value) in [("threads", server.threads), ("max-body-bytes", server.maxBodyBytes),
                              ("max-url-length", server.maxURLLength), ("max-connections", server.maxConnections),
                              ("max-connections-per-client", server.maxConnectionsPerClient),
                              ("idle-timeout", server.idleTimeoutSeconds)] where value < 1 {
            throw ValidationError("--\(name) must be at least 1.")
        }
        let certPath = tlsCert ?? Environment.value("TLS_CERT"), keyPath = tlsKey ?? Environment.value("TLS_KEY")
        if (certPath == nil) != (keyPath == nil) { throw ValidationError("--tls-cert and --tls-key go together.") }
        if let certPath, let keyPath {
            server.tlsCertificatePEM = try String(contentsOfFile: certPath, encoding: .utf8)
            server.tlsKeyPEM = try String(contentsOfFile: keyPath, encoding: .utf8)
        }

        var web = WebConfiguration()
        web.wwwDirectory = www ?? Environment.value("WWW") ?? "www"
        web.localesDirectory = locales ?? Environment.value("LOCALES") ?? "locales"
        web.refusedPasswordsDirectory = refused.directory
        let shortcutKiosk = kiosk ?? Environment.value("KIOSK"), shortcutBranch = branch ?? Environment.value("BRANCH")
        web.trustedProxy = trustedProxy ?? Environment.value("TRUSTED_PROXY")
        web.publicOrigin = (publicOrigin ?? Environment.value("PUBLIC_ORIGIN")).map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        if let origin = web.publicOrigin, !(origin.hasPrefix("http://") || origin.hasPrefix("https://")) || origin.dropFirst(8).contains("/") {
            throw ValidationError("--public-origin is a scheme and host, like https://balie.example.nl.")
        }
        web.anonymousWritesPerKiosk = try Environment.int("ANONYMOUS_WRITES_PER_KIOSK", anonymousWritesPerKiosk, default: web.anonymousWritesPerKiosk)
        web.anonymousWritesPerAddress = try Environment.int("ANONYMOUS_WRITES_PER_ADDRESS", anonymousWritesPerAddress, default: web.anonymousWritesPerAddress)
        guard web.anonymousWritesPerKiosk >= 1, web.anonymousWritesPerAddress >= 1 else {
            throw ValidationError("--anonymous-writes-per-kiosk and --anonymous-writes-per-address must be at least 1.")
        }
        web.idleSeconds = try Environment.int("IDLE_SECONDS", idleSeconds, default: web.idleSeconds)
        web.idleWarnSeconds = try Environment.int("IDLE_WARN_SECONDS", idleWarnSeconds, default: web.idleWarnSeconds)
        guard web.idleWarnSeconds >= 1, web.idleSeconds > web.idleWarnSeconds else {
            throw ValidationError("--idle-seconds must be longer than --idle-warn-seconds, and both at least 1.")
        }
        web.behindTLSProxy = Environment.flag("BEHIND_TLS_PROXY", behindTLSProxy)
        web.servesTLS = server.isTLS
        web.taskCatalogPath = taskCatalog ?? Environment.value("TASK_CATALOG") ?? web.taskCatalogPath
        web.organisationName = organisation ?? Environment.value("ORGANISATION") ?? web.organisationName
        let staleHours = try Environment.int("STALE_SESSION_HOURS", staleSessionHours, default: 4)
        guard staleHours >= 1 else { throw ValidationError("--stale-session-hours must be at least 1.") }
        web.staleSessionAfter = TimeInterval(staleHours * 3600)
        web.insightsMinimumGroup = try Environment.int("INSIGHTS_MIN_GROUP", insightsMinGroup, default: InsightReport.defaultMinimumGroup)
        guard web.insightsMinimumGroup >= 2 else { throw ValidationError("--insights-min-group must be at least 2.") }
        web.maxDisplayStreams = try Environment.int("MAX_DISPLAY_STREAMS", maxDisplayStreams, default: max(1, server.maxConnections * 3 / 4))
        guard web.maxDisplayStreams >= 1, web.maxDisplayStreams < server.maxConnections else {
            throw ValidationError("--max-display-streams must be at least 1 and below --max-connections (\(server.maxConnections)).")
        }
        let idle = try Environment.int("SESSION_IDLE_TIMEOUT", sessionIdleTimeout, default: Int(web.sessionPolicy.idleTimeout))
        let absolute = try Environment.int("SESSION_ABSOLUTE_TIMEOUT", sessionAbsoluteTimeout, default: Int(web.sessionPolicy.absoluteTimeout))
        guard idle >= 1, absolute >= idle else {
            throw ValidationError("--session-idle-timeout must be at least 1 and not longer than --session-absolute-timeout.")
        }
        web.sessionPolicy.idleTimeout = TimeInterval(idle)
        web.sessionPolicy.absoluteTimeout = TimeInterval(absolute)
        // The warning comes 2 minutes before the end, or at half the idle time when that is shorter.
        web.sessionPolicy.warningBefore = min(web.sessionPolicy.warningBefore, TimeInterval(idle) / 2)

        // One server per SQLite file; on PostgreSQL several instances share the database on purpose.
        let lock = database.postgresAddress == nil ? try ServeLock.acquire(database.path) : nil
        defer { lock?.release() }
        let isDemo = Environment.flag("DEMO", demo)
        // A connection per worker thread, and a few for streams and the daily jobs.
        let db = try database.openStore(connections: server.threads + 4)
        if isDemo {
            let catalog = try TaskCatalog.load(from: Data(contentsOf: URL(fileURLWithPath: web.taskCatalogPath)))
            if let sqlite = db as? AppDatabase {
                try DemoData.fill(sqlite, catalog: catalog)
            } else if let postgres = db as? PostgresStore {
                try DemoData.fill(postgres, catalog: catalog)
            }
        }
        if (shortcutKiosk == nil) != (shortcutBranch == nil) { throw ValidationError("--kiosk and --branch go together.") }
        if let shortcutKiosk, let shortcutBranch {
            web.loopbackKiosk = try SingleKiosk.ensure(db, kiosk: shortcutKiosk, branch: shortcutBranch)
        } else if isDemo {
            web.loopbackKiosk = KioskShortcut(kiosk: DemoData.demoKiosk.name, branch: DemoData.demoKiosk.branch)
        }
        if web.loopbackKiosk != nil && (web.trustedProxy != nil || web.behindTLSProxy) {
            logger.notice("single-kiosk shortcut off: behind a proxy every browser would look local; enrol the kiosk at /enrol")
        }
        let retentionPolicy = try retention.policy()
        let app = try WebApp(configuration: web, database: db, logger: logger)
        let http = Server(configuration: server, application: app, logger: logger)
        try http.start()
        let scheme = server.isTLS ? "https" : "http"
        let shownHost = server.host.contains(":") ? "[\(server.host)]" : server.host
        // Unbuffered, so that scripts and tests waiting for this line see it at once.
        FileHandle.standardOutput.write(Data("Balie listening on \(scheme)://\(shownHost):\(http.port)\n".utf8))
        // Retention runs once a day inside the server (and at start).
        let purger = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
        purger.schedule(deadline: .now() + .seconds(5), repeating: .seconds(86_400))
        purger.setEventHandler {
            do {
                // Sign-in sessions that can no longer be used, and failures too old to count for throttling.
                try db.deleteExpiredSessions(policy: web.sessionPolicy, now: Date())
                try db.deleteSignInFailures(before: Date().addingTimeInterval(-web.signInThrottle.window))
                let report = try db.purge(policy: retentionPolicy, now: Date(), dryRun: false)
                guard report != PurgeReport(sessionsAnonymised: 0, auditRowsDeleted: 0, ticketsDeleted: 0) else { return }
                try db.appendAudit(AuditEvent(at: Date(), action: .purged, actorID: nil, subject: nil, origin: "serve", detail: report.description))
                logger.notice("retention purge", metadata: ["result": .string(report.description)])
            } catch {
                logger.error("retention purge failed", metadata: ["error": .string(String(describing: type(of: error)))])
            }
        }
        purger.resume()
        let signal = termination.wait()
        purger.cancel()
        logger.notice("stopping", metadata: ["signal": .string(signal), "in_flight": .stringConvertible(http.requestsInFlight)])
        http.stop()
        logger.notice("stopped")
        BufferedLogHandler.Sink.standardError.flush()
    }
}

/// The single-kiosk shortcut of `--kiosk`/`--branch`: the branch and kiosk are made if missing.
enum SingleKiosk {
    static func ensure(_ db: any BranchRepository, kiosk name: String, branch code: String) throws -> KioskShortcut {
        let branchCode: String, kioskName: String
        do { branchCode = try BranchRules.code(code) } catch { throw ValidationError("--branch must be 2 to 32 lower-case letters, digits or dashes.") }
        do { kioskName = try KioskRules.name(name) } catch { throw ValidationError("--kiosk must be 1 to 64 characters, without / or control characters.") }
        // Instances of a central deployment that start together may both find them missing: the one that loses the
        // insert finds the other's row, which is as good.
        if try db.branch(code: branchCode) == nil {
            do {
                try db.insertBranch(Branch(code: branchCode, name: branchCode))
            } catch BranchRules.Problem.codeTaken {
                guard try db.branch(code: branchCode) != nil else { throw BranchRules.Problem.codeTaken }
            }
        }
        if try db.kiosk(name: kioskName, branchCode: branchCode) == nil {
            do {
                try db.insertKiosk(Kiosk(name: kioskName, branchCode: branchCode, kind: .customer, createdAt: Date()))
            } catch KioskRules.Problem.nameTaken {
                guard try db.kiosk(name: kioskName, branchCode: branchCode) != nil else { throw KioskRules.Problem.nameTaken }
            }
        }
        return KioskShortcut(kiosk: kioskName, branch: branchCode)
    }
}
