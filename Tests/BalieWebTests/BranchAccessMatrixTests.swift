import BalieCore
import BalieHTTP
import Foundation
import Testing
@testable import BalieWeb

/// Object-level access: every route of the router that takes an object id (pages and API), walked as staff
/// of the object's branch, staff of another branch, a remote colleague before and after the customer's
/// consent, a supervisor, an admin, API tokens of the same and of another branch, and nobody. Each answer is
/// the expected one, and a refused request changes no row (audit and throttling rows aside) while it is
/// itself audited. A new route with an id and no rule here fails the test.
@Suite struct BranchAccessMatrixTests {
    enum Visitor: String, CaseIterable {
        case sameBranchStaff, otherBranchStaff, remoteBeforeConsent, remoteAfterConsent, supervisor, admin
        case tokenSameBranch, tokenOtherBranch, nobody

        var username: String? {
            switch self {
            case .sameBranchStaff: "anna"
            case .otherBranchStaff: "piet"
            case .remoteBeforeConsent, .remoteAfterConsent: "yusuf"
            case .supervisor: "sanne"
            case .admin: "beheer"
            case .tokenSameBranch, .tokenOtherBranch, .nobody: nil
            }
        }
        var role: StaffRole? {
            switch self {
            case .sameBranchStaff, .otherBranchStaff: .staff
            case .remoteBeforeConsent, .remoteAfterConsent: .remote
            case .supervisor: .supervisor
            case .admin: .admin
            default: nil
            }
        }
        var isToken: Bool { self == .tokenSameBranch || self == .tokenOtherBranch }
    }

    enum Expect: Equatable { case allowed, notFound, forbidden, signIn, unauthorized }

    /// The objects of one fresh app, all in branch "main" (a second branch "west" exists).
    struct World {
        let app: WebApp
        let session: Int64, otherSession: Int64, task: Int64, message: Int64, ticket: Int64
        let helpOpen: Int64, helpAccepted: Int64, helpActive: Int64, kiosk: Int64
        let tokens: [Visitor: String]
        let stepText = "Samen het formulier geopend"
    }

    static func makeWorld() throws -> World {
        let app = try makeTestApp()
        let db = app.database
        try db.insertBranch(Branch(code: "west", name: "Stadskantoor West"))
        let password = try testHasher.hash(testPassword)
        func staff(_ username: String, _ role: StaffRole, _ branches: [String]) throws -> Int64 {
            try db.insertStaff(Staff(username: username, fullName: "Test \(username)", role: role, branches: branches, passwordHash: password)).id!
        }
        let owner = try staff("owner", .staff, ["main"])
        _ = try staff("anna", .staff, ["main"])
        _ = try staff("piet", .staff, ["west"])
        _ = try staff("sanne", .supervisor, ["main"])
        _ = try staff("beheer", .admin, ["main"])
        let yusuf = try staff("yusuf", .remote, ["main"])
        _ = try db.importCustomers([Customer(number: "100234", givenName: "Fatma", familyName: "Yılmaz")])
        let customerID = try #require(try db.customer(number: "100234")?.id)
        try db.recordConsent(Consent(customerID: customerID, purpose: .sessionLog, given: true, at: Date(), recordedBy: owner, method: .inPerson))
        try db.insertMessage(Message(customerID: customerID, title: "Aanslag", sentAt: Date(), isImportant: true, isRead: false))
        let message = try #require(try db.customerRecord(number: "100234", recentContacts: 0)?.unreadImportantMessages.first?.id)
        let session = try db.createSession(AssistedSession(customerID: customerID, staffID: owner, kiosk: "test-kiosk", branch: "main",
                                                           startedAt: Date(), language: "nl"))
        let other = try db.createSession(AssistedSession(customerID: nil, staffID: owner, kiosk: "test-kiosk", branch: "main",
                                                         startedAt: Date(), language: "nl"))
        let task = try db.addTask(sessionID: session.id!, SessionTask(taskID: "pay-bill", names: ["nl": "Rekening"], group: .banking, addedAt: Date()))
        try db.addStep(sessionID: session.id!, SessionStep(sessionTaskID: task.id!, description: "Samen het formulier geopend",
                                                          actor: .customerWithHelp, reason: nil, at: Date()))
        _ = try db.takeTicket(branch: "main", day: app.today(), group: .banking, priority: false, at: Date())
        let ticket = try #require(try db.callNext(branch: "main", day: app.today(), groups: TaskGroup.allCases, staffID: owner, desk: "1", at: Date()))
        func help(_ sessionID: Int64?, accepted: Bool, consent: Bool) throws -> Int64 {
            var request = try db.createHelpRequest(HelpRequest(
                kiosk: "test-kiosk", branch: "main", topic: "Rekening", sessionID: sessionID, requestedBy: owner,
                requesterKey: String(repeating: "a", count: 64), language: "nl", createdAt: Date()))
            if accepted {
                request = try HelpRules.accept(request, helperID: yusuf, at: Date())
                try db.updateHelpRequest(request, event: HelpEvent(helpRequestID: request.id!, at: Date(), kind: .accepted, actorID: yusuf))
            }
            if consent {
                request = try HelpRules.answer(request, yes: true, at: Date())
                try db.updateHelpRequest(request, event: HelpEvent(helpRequestID: request.id!, at: Date(), kind: .consentGiven, actorID: nil))
            }
            return request.id!
        }
        let helpOpen = try help(nil, accepted: false, consent: false)
        let helpAccepted = try help(other.id, accepted: true, consent: false)
        let helpActive = try help(session.id, accepted: true, consent: true)
        var tokens: [Visitor: String] = [:]
        for (visitor, branch) in [(Visitor.tokenSameBranch, "main"), (.tokenOtherBranch, "west")] {
            let token = SecureRandom.token()
            _ = try db.insertToken(ApiToken(name: visitor.rawValue, scopes: Set(ApiScope.allCases), branches: .only([branch]),
                                            tokenHash: SecretHash.of(token), createdAt: Date()))
            tokens[visitor] = token
        }
        let kiosk = try #require(try db.kiosk(name: "test-kiosk", branchCode: "main")?.id)
        return World(app: app, session: session.id!, otherSession: other.id!, task: task.id!, message: message, ticket: ticket.id!,
                     helpOpen: helpOpen, helpAccepted: helpAccepted, helpActive: helpActive, kiosk: kiosk, tokens: tokens)
    }

    /// The kinds of object a route's id names, and who may reach them.
    enum Family: CaseIterable { case session, ticket, ticketPage, kioskHelp, acceptHelp, helperHelp, kioskAdmin, branchAdmin, staffAdmin, customer, display, apiCustomer, apiSession }

    static func family(_ route: String) -> Family? {
        let path = String(route.split(separator: " ")[1])
        guard path.contains(":"), path != "/kiosk/topics/:group" else { return nil }
        if path.hasPrefix("/api/v1/sessions/") { return .apiSession }
        if path.hasPrefix("/api/v1/customers/") { return .apiCustomer }
        if path.hasPrefix("/sessions/") { return .session }
        if path == "/queue/tickets/:id" { return .ticketPage }
        if path.hasPrefix("/queue/tickets/") { return .ticket }
        if path.hasPrefix("/help/") { return .kioskHelp }
        if path == "/remote/requests/:id/accept" { return .acceptHelp }
        if path.hasPrefix("/remote/requests/") { return .helperHelp }
        if path.hasPrefix("/admin/kiosks/") { return .kioskAdmin }
        if path.hasPrefix("/admin/branches/") { return .branchAdmin }
        if path.hasPrefix("/admin/staff/") { return .staffAdmin }
        if path.hasPrefix("/customers/") { return .customer }
        if path.hasPrefix("/branches/") { return .display }
        return nil
    }

    static func expected(_ family: Family, route: String, visitor: Visitor, app: WebApp) -> Expect {
        if family == .apiCustomer || family == .apiSession {
            guard visitor.isToken else { return .unauthorized }
            return family == .apiSession && visitor == .tokenOtherBranch ? .notFound : .allowed
        }
        if family == .display { return .allowed }
        // Pages: API tokens are no one to them.
        let role = visitor.role
        if let roles = app.allowedRoles(route) {
            guard let role else { return .signIn }
            guard roles.contains(role) else { return .forbidden }
        }
        switch family {
        case .session, .ticket, .kioskAdmin, .branchAdmin, .staffAdmin:
            return visitor == .otherBranchStaff ? .notFound : .allowed
        case .ticketPage:
            // The kiosk's own visitor (this test browser is the kiosk of "main") and staff of "main".
            return visitor == .otherBranchStaff || visitor == .remoteBeforeConsent || visitor == .remoteAfterConsent ? .notFound : .allowed
        case .customer:
            return .allowed  // the shared record: every branch's staff, each look audited
        case .kioskHelp:
            return .notFound  // only the browser visit that asked (none of these)
        case .acceptHelp:
            return .allowed
        case .helperHelp:
            return visitor == .remoteBeforeConsent || visitor == .remoteAfterConsent ? .allowed : .notFound
        case .display, .apiCustomer, .apiSession:
            return .allowed
        }
    }

    func path(_ route: String, _ world: World, _ visitor: Visitor) -> String {
        let pattern = String(route.split(separator: " ")[1])
        let family = Self.family(route)
        let id: Int64 = switch family {
        case .ticket, .ticketPage: world.ticket
        case .kioskHelp: world.helpActive
        case .acceptHelp: world.helpOpen
        case .helperHelp: visitor == .remoteBeforeConsent ? world.helpAccepted : world.helpActive
        case .kioskAdmin: world.kiosk
        default: world.session
        }
        return pattern.replacingOccurrences(of: ":id", with: String(id)).replacingOccurrences(of: ":task", with: String(world.task))
            .replacingOccurrences(of: ":message", with: String(world.message)).replacingOccurrences(of: ":number", with: "100234")
            .replacingOccurrences(of: ":username", with: "owner").replacingOccurrences(of: ":code", with: "main")
    }

    static let ignoredTables: Set<String> = ["audit_event", "sign_in_failure", "staff_session", "kiosk"]

    @Test(arguments: Visitor.allCases)
    func everyObjectRouteAsEveryone(_ visitor: Visitor) throws {
        let world = try Self.makeWorld()
        let app = world.app
        let routes = app.routeList.filter { Self.family($0) != nil }
        // Every route whose path names an object has a rule here.
        let unruled = app.routeList.filter { $0.contains(":") && !$0.contains(":group") && Self.family($0) == nil }
        #expect(unruled.isEmpty, "routes with an id and no access rule in this test: \(unruled)")
        #expect(routes.count >= 40)
        var checked = 0
        for route in routes {
            let browser = TestBrowser(app)
            if let username = visitor.username { #expect(try browser.signIn(username).status == .seeOther) }
            if let token = world.tokens[visitor] { browser.extraHeaders = [("Authorization", "Bearer \(token)")] }
            let csrf = try browser.get(visitor.username == nil ? "/" : "/staff").csrfToken ?? ""
            let family = Self.family(route)!
            let expect = Self.expected(family, route: route, visitor: visitor, app: app)
            let before = expect == .allowed ? [:] : try app.sqlite.contentSnapshot(excluding: Self.ignoredTables)
            let refusalsBefore = try refusalCount(app)
            let target = path(route, world, visitor)
            let response = route.hasPrefix("GET ")
                ? try browser.get(target)
                : try browser.post(target, form: [("csrf", csrf), ("lang", "en"), ("return", "/"), ("purpose", "session-log"),
                                                  ("given", "true"), ("how", "in-person"), ("text", "Even kijken"), ("group", "other"),
                                                  ("hours", "mon=09:00-17:00"), ("closures", ""), ("answer", "yes")])
            let label = "\(route) as \(visitor.rawValue) → \(response.status.code)"
            switch expect {
            case .allowed:
                #expect(response.status.code < 500 && ![401, 403, 404].contains(response.status.code), "\(label)")
                #expect(!(response.headers["Location"] ?? "").hasPrefix("/sign-in"), "\(label)")
            case .notFound: #expect(response.status == .notFound, "\(label)")
            case .forbidden: #expect(response.status == .forbidden, "\(label)")
            case .signIn: #expect(response.status == .found && (response.headers["Location"] ?? "").hasPrefix("/sign-in"), "\(label)")
            case .unauthorized: #expect(response.status == .unauthorized, "\(label)")
            }
            if expect != .allowed {
                #expect(try app.sqlite.contentSnapshot(excluding: Self.ignoredTables) == before, "\(label) changed stored data")
            }
            if expect == .notFound || expect == .forbidden {
                // Refused looks are in the audit trail: pages as access-refused, the API as the token's own request row.
                if family == .apiSession || family == .apiCustomer {
                    #expect(try app.database.recentAudit(limit: 1).first?.detail?.hasSuffix(" 404") == true, "\(label) not audited")
                } else {
                    #expect(try refusalCount(app) == refusalsBefore + 1, "\(label) not audited")
                }
            }
            checked += 1
        }
        #expect(checked == routes.count)
    }

    /// What the remote colleague sees of the session: nothing before the customer's yes, the steps after.
    @Test func remoteColleagueSeesTheSessionOnlyAfterConsent() throws {
        let world = try Self.makeWorld()
        let browser = TestBrowser(world.app)
        try browser.signIn("yusuf")
        let before = try browser.get("/remote/requests/\(world.helpAccepted)")
        #expect(before.status == .ok && !before.text.contains(world.stepText))
        let after = try browser.get("/remote/requests/\(world.helpActive)")
        #expect(after.status == .ok && after.text.contains(world.stepText))
        #expect(try browser.get("/sessions/\(world.session)").status == .forbidden)
    }

    private func refusalCount(_ app: WebApp) throws -> Int {
        try app.database.recentAudit(limit: 10_000).filter { $0.action == .accessRefused }.count
    }
}
