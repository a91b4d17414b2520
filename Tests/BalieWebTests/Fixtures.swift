import BalieCore
import BalieHTTP
import BalieStore
import Foundation
import Logging
import Testing
@testable import BalieWeb

/// The repository's root, for the real `www/` and `locales/`.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// Cheap Argon2id parameters so that tests sign in quickly; production uses `owaspMinimum`.
let testHasher = PasswordHasher(memoryKiB: 256, iterations: 1, lanes: 1)
let testPassword = "correct horse battery"

func makeTestApp(databasePath: String? = nil, configure: (inout WebConfiguration) -> Void = { _ in }) throws -> WebApp {
    var configuration = WebConfiguration()
    configuration.wwwDirectory = repositoryRoot + "/www"
    configuration.localesDirectory = repositoryRoot + "/locales"
    configuration.refusedPasswordsDirectory = repositoryRoot + "/data/refused-passwords"
    // The single-kiosk shortcut: the test browser (127.0.0.1) is the kiosk "test-kiosk" of branch "main".
    configuration.loopbackKiosk = KioskShortcut(kiosk: "test-kiosk", branch: "main")
    configuration.passwordHasher = testHasher
    configuration.taskCatalogPath = repositoryRoot + "/deploy/task-catalog.json"
    configure(&configuration)
    let database = try databasePath.map { try AppDatabase(path: $0) } ?? AppDatabase(inMemoryNamed: UUID().uuidString)
    if try database.branch(code: "main") == nil { try database.insertBranch(Branch(code: "main", name: "Centrum")) }
    if try database.kiosk(name: "test-kiosk", branchCode: "main") == nil {
        try database.insertKiosk(Kiosk(name: "test-kiosk", branchCode: "main", kind: .customer, createdAt: Date()))
    }
    return try WebApp(configuration: configuration, database: database, logger: Logger(label: "test"))
}

/// Adds an account with `testPassword`.
@discardableResult
func addStaff(_ app: WebApp, _ username: String, role: StaffRole, active: Bool = true) throws -> Staff {
    try app.database.insertStaff(Staff(username: username, fullName: "Test \(username)", role: role, branches: ["main"],
                                       isActive: active, passwordHash: testHasher.hash(testPassword)))
}

extension TestBrowser {
    /// Signs in through the form, as a person would.
    @discardableResult
    func signIn(_ username: String, password: String = testPassword) throws -> Response {
        let form = try get("/sign-in")
        return try post("/sign-in", form: [("csrf", form.csrfToken ?? ""), ("username", username), ("password", password)])
    }
}

/// One of everything a route names, for the tests that walk every route: an account of each role (`user-ROLE`, in
/// branch `main`) and `target`, a customer (100234) with an important unread message, an open session of `target`
/// with a task, a walk-in ticket, and a help request `target` made from that session.
struct EveryRouteFixture {
    let sessionID: Int64, ticketID: Int64, taskID: Int64, helpID: Int64, messageID: Int64

    init(_ app: WebApp) throws {
        for role in StaffRole.allCases { try addStaff(app, "user-\(role.rawValue)", role: role) }
        try addStaff(app, "target", role: .staff)
        _ = try app.database.importCustomers([Customer(number: "100234", givenName: "Fatma", familyName: "Yılmaz")])
        let customerID = try #require(try app.database.customer(number: "100234")?.id)
        try app.database.insertMessage(Message(customerID: customerID, title: "Aanslag", sentAt: Date(), isImportant: true, isRead: false))
        messageID = try #require(try app.database.customerRecord(number: "100234", recentContacts: 0)?.unreadImportantMessages.first?.id)
        let staffID = try #require(try app.database.staff(username: "target")?.id)
        let session = try app.database.createSession(AssistedSession(customerID: customerID, staffID: staffID, kiosk: "test-kiosk", branch: "main", startedAt: Date(), language: "nl"))
        sessionID = try #require(session.id)
        ticketID = try #require(try app.database.takeTicket(branch: "main", day: app.today(), group: .banking, priority: false, at: Date()).id)
        taskID = try #require(try app.database.addTask(sessionID: sessionID, SessionTask(taskID: "pay-bill", names: ["nl": "Rekening"], group: .banking, addedAt: Date())).id)
        helpID = try #require(try app.database.createHelpRequest(HelpRequest(kiosk: "k", branch: "main", topic: "Rekening", sessionID: sessionID,
                                                                             requestedBy: staffID, requesterKey: nil, language: "nl", createdAt: Date())).id)
    }

    static func isHelpRoute(_ route: String) -> Bool { route.contains("/help/") || route.contains("/remote/requests/") }

    /// The path of a route ("GET /sessions/:id") with its parameters filled in with these objects.
    /// `id`, when given, stands for `:id` instead.
    func path(_ route: String, id: Int64? = nil) -> String {
        let pattern = String(route.split(separator: " ", maxSplits: 1)[1])
        let id = id ?? (route.contains("/queue/") ? ticketID : Self.isHelpRoute(route) ? helpID : sessionID)
        return pattern.replacingOccurrences(of: ":group", with: "banking")
            .replacingOccurrences(of: ":username", with: "target")
            .replacingOccurrences(of: ":number", with: "100234").replacingOccurrences(of: ":code", with: "main")
            .replacingOccurrences(of: ":id", with: String(id))
            .replacingOccurrences(of: ":task", with: String(taskID))
            .replacingOccurrences(of: ":message", with: String(messageID))
    }
}

/// A tiny browser: keeps cookies between requests, like the kiosk's.
final class TestBrowser {
    let app: WebApp
    var cookies: [String: String] = [:]
    /// Sent with every request (an API token's Authorization, an Origin).
    var extraHeaders: [(String, String)] = []
    /// The peer address the server sees (a proxy, when one is in front).
    var peerAddress = "127.0.0.1"

    init(_ app: WebApp) { self.app = app }

    @discardableResult
    func get(_ target: String) throws -> Response {
        try send("GET", target)
    }

    @discardableResult
    func post(_ target: String, form: [(String, String)]) throws -> Response {
        let body = form.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
        return try send("POST", target, body: Array(body.utf8), contentType: "application/x-www-form-urlencoded")
    }

    func send(_ method: String, _ target: String, body: [UInt8] = [], contentType: String? = nil) throws -> Response {
        let parts = target.split(separator: "?", maxSplits: 1)
        let query: [(String, String?)] = parts.count > 1
            ? parts[1].split(separator: "&").map { pair in
                let kv = pair.split(separator: "=", maxSplits: 1)
                return (String(kv[0]), kv.count > 1 ? String(kv[1]) : nil)
            } : []
        var headers = HTTPHeaders()
        if !cookies.isEmpty { headers.append("Cookie", cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")) }
        if let contentType { headers.append("Content-Type", contentType) }
        for (name, value) in extraHeaders { headers.append(name, value) }
        let request = try Request(method: method, rawPath: String(parts[0]), rawQuery: query, headers: headers, body: body,
                                  clientAddress: peerAddress, isSecure: false, requestID: "test")
        let response = app.respond(to: request)
        for header in response.headers.values("Set-Cookie") {
            let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            let name = String(pair[0]), value = pair.count > 1 ? String(pair[1]) : ""
            if header.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        return response
    }

    private func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }
}

extension Response {
    var text: String { String(decoding: bodyBytes, as: UTF8.self) }

    /// The value of the hidden CSRF field in a page.
    var csrfToken: String? {
        guard let range = text.range(of: #"name="csrf" value=""#) else { return nil }
        return String(text[range.upperBound...].prefix { $0 != "\"" })
    }
}

extension WebApp {
    /// The SQLite store these tests run on, for the set-up calls that only it offers (filling a database).
    var sqlite: AppDatabase { database as! AppDatabase }
}
