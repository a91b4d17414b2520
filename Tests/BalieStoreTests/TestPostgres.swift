import BalieCore
import Foundation
@testable import BalieStore

/// A real PostgreSQL server for the tests, in a temporary folder on a free port (never a system service):
/// started on first use, stopped and removed when the test process exits. `make test` installs Debian's
/// postgresql package; initdb refuses to run as root, so as root the server runs as the `postgres` user.
final class TestPostgres: @unchecked Sendable {
    let folder: URL
    let port: Int
    private let bin: String
    private let runAs: String?
    private static let lock = NSLock()
    nonisolated(unsafe) private static var started: [TestPostgres] = []
    nonisolated(unsafe) private static var databaseCounter = 0

    /// The one server most tests share (each test makes a database of its own on it).
    static let shared: Result<TestPostgres, Error> = Result { try TestPostgres() }

    static func server() throws -> TestPostgres { try shared.get() }

    init() throws {
        guard let bin = Self.binDirectory() else {
            throw TestPostgresProblem("PostgreSQL's server programs are missing: apt-get install postgresql (make test does)")
        }
        self.bin = bin
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("balie-pg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        port = try Self.freePort()
        runAs = geteuid() == 0 ? "postgres" : nil
        if runAs != nil { try Self.run("/bin/chown", ["postgres:postgres", folder.path]) }
        let data = folder.appendingPathComponent("data").path
        try runTool("initdb", ["-D", data, "-U", "balie", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"])
        try start()
        Self.lock.lock()
        if Self.started.isEmpty { atexit { TestPostgres.stopAll() } }
        Self.started.append(self)
        Self.lock.unlock()
    }

    /// A libpq address for a database on this server.
    func address(database: String = "postgres") -> String { "postgres://balie@127.0.0.1:\(port)/\(database)?sslmode=disable" }

    /// A new, empty database of its own for one test.
    func newDatabase() throws -> String {
        Self.lock.lock()
        Self.databaseCounter += 1
        let name = "balie_test_\(Self.databaseCounter)"
        Self.lock.unlock()
        let connection = try PostgresConnection(address: address(), statementTimeoutMilliseconds: 30_000)
        try connection.execute("CREATE DATABASE \(name)")
        return address(database: name)
    }

    func stop() {
        let data = folder.appendingPathComponent("data").path
        try? runTool("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"])
    }

    func start() throws {
        let data = folder.appendingPathComponent("data").path
        try runTool("pg_ctl", ["-D", data, "-l", folder.appendingPathComponent("server.log").path, "-w", "-t", "60", "-o",
                               "-p \(port) -k \(folder.path) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", "start"])
    }

    static func stopAll() {
        lock.lock()
        let servers = started
        started = []
        lock.unlock()
        for server in servers {
            server.stop()
            try? FileManager.default.removeItem(at: server.folder)
        }
    }

    private func runTool(_ name: String, _ arguments: [String]) throws {
        let tool = bin + "/" + name
        if let user = runAs { try Self.run("/usr/sbin/runuser", ["-u", user, "--", tool] + arguments) } else { try Self.run(tool, arguments) }
    }

    /// posix_spawn and waitpid, not Foundation's Process: its waitUntilExit can miss the exit of a child
    /// whose own child (the server pg_ctl starts) lives on, and then never returns.
    private static func run(_ path: String, _ arguments: [String]) throws {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("balie-pg-tool-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard spawned == 0 else { throw TestPostgresProblem("could not start \(path): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exited = (status & 0x7f) == 0, code = (status >> 8) & 0xff
        guard exited && code == 0 else {
            let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            throw TestPostgresProblem("\(path) \(arguments.joined(separator: " ")) failed (status \(status)): \(text)")
        }
    }

    /// Debian puts the server's programs in /usr/lib/postgresql/VERSION/bin; the newest wins.
    private static func binDirectory() -> String? {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted(by: >)
        return versions.map { "\(root)/\($0)/bin" }.first { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") }
    }

    private static func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw TestPostgresProblem("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

struct TestPostgresProblem: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension TestPostgres {
    /// A PostgreSQL store on a new, migrated database of the shared test server.
    static func store(connections: Int = 4) throws -> PostgresStore {
        try PostgresStore(address: try server().newDatabase(), connections: connections)
    }
}

/// One store under a test that runs the same body on both stores and compares what they answer; each test
/// file adds, in a fileprivate extension, the plain-SQL set-up it needs.
enum StoreUnderTest {
    case sqlite(AppDatabase)
    case postgres(PostgresStore)

    /// A fresh in-memory SQLite store and a fresh, migrated PostgreSQL database.
    static func both() throws -> [StoreUnderTest] {
        [.sqlite(try AppDatabase(inMemoryNamed: UUID().uuidString)), .postgres(try TestPostgres.store())]
    }

    /// The whole store; each test file narrows it to the repositories it tests (`store`), so that calls
    /// resolve as they do for the application.
    var recordStore: any RecordStore {
        switch self {
        case .sqlite(let database): database
        case .postgres(let store): store
        }
    }

    var name: String {
        switch self {
        case .sqlite: "sqlite"
        case .postgres: "postgres"
        }
    }
}
