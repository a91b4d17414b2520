import BalieCore
import Foundation
import GRDB
import Testing
@testable import BalieStore

/// `StoreCopy` (issue #19, moving boxes together): a branch box's SQLite history into a database that has history of
/// its own, PostgreSQL (`balie copy --to postgres://…`) or another SQLite file (`--to other.sqlite`), read back through
/// the target store's repository methods. Every test runs the same body for both targets.
@Suite struct StoreCopyTests {
    private let base = Date(timeIntervalSince1970: 1_800_000_000.25)
    private let hashA = String(repeating: "a", count: 64), hashB = String(repeating: "b", count: 64)
    private let hashC = String(repeating: "c", count: 64), hashD = String(repeating: "d", count: 64)
    private let day = "2027-01-15"

    /// Ids of the box, to find their rows in the target.
    private struct Box {
        let database: AppDatabase
        var anna: Int64 = 0, yusuf: Int64 = 0, session: Int64 = 0, task: Int64 = 0, help: Int64 = 0, ticket: Int64 = 0
    }

    private func staff(_ username: String, _ name: String, _ role: StaffRole, _ branches: [String]) -> Staff {
        Staff(username: username, fullName: name, role: role, branches: branches, passwordHash: "$argon2id$v=19$m=65536,t=3,p=1$x")
    }

    /// A box with a bit of everything, made by the SQLite store's own methods.
    private func makeBox() throws -> Box {
        let db = try AppDatabase(inMemoryNamed: UUID().uuidString)
        var box = Box(database: db)
        try db.insertBranch(Branch(code: "oost", name: "Oost"))
        let kiosk = try db.insertKiosk(Kiosk(name: "kiosk-1", branchCode: "oost", kind: .customer, createdAt: base))
        try db.addKioskCredential(kioskID: try #require(kiosk.id), credentialHash: hashA, at: base)
        box.anna = try #require(try db.insertStaff(staff("anna", "Anna Jansen", .staff, ["oost"])).id)
        box.yusuf = try #require(try db.insertStaff(staff("yusuf", "Yusuf (box)", .remote, ["oost"])).id)
        _ = try db.insertToken(ApiToken(name: "crm", scopes: [.contactsWrite], tokenHash: hashB, createdAt: base))
        _ = try db.importCustomers([Customer(number: "100001", givenName: "Jan", familyName: "de Vries (box)"),
                                    Customer(number: "100002", givenName: "Fatma-Nur", familyName: "Yılmaz", postcode: "1234AB")])
        let jan = try #require(try db.customer(number: "100001")?.id), fatma = try #require(try db.customer(number: "100002")?.id)
        _ = try db.importContacts([
            (customerNumber: "100001", contact: Contact(customerID: 0, channel: .phone, at: base, topic: "Toeslag", summary: "Gebeld",
                                                         outcome: "uitgelegd", sourceSystem: "crm")),
            (customerNumber: "100002", contact: Contact(customerID: 0, channel: .letter, at: base, topic: "Brief", summary: "Verstuurd",
                                                         outcome: "", sourceSystem: "crm")),
        ])
        try db.recordConsent(Consent(customerID: jan, purpose: .sessionLog, given: true, at: base, recordedBy: box.anna, method: .inPerson))
        try db.recordConsent(Consent(customerID: fatma, purpose: .followUp, given: false, at: base, recordedBy: nil, method: .paper))
        try db.insertMessage(Message(customerID: jan, title: "Uw aanslag", sentAt: base, isImportant: true, isRead: false))
        try db.insertFollowUp(FollowUp(customerID: jan, description: "Terugbellen", due: base + 86_400, channel: .phone))

        let ticket = try db.takeTicket(branch: "oost", day: day, group: .digitalGovernment, priority: true, at: base + 50)
        box.ticket = try #require(ticket.id)
        _ = try db.callNext(branch: "oost", day: day, groups: [.digitalGovernment], staffID: box.anna, desk: "balie 2", at: base + 60)
        let session = try db.createSession(AssistedSession(customerID: jan, staffID: box.anna, kiosk: "kiosk-1", branch: "oost",
                                                           startedAt: base + 100, waitingSeconds: 50, language: "nl"))
        box.session = try #require(session.id)
        #expect(try db.updateTicket(id: box.ticket, status: .serving, group: nil, sessionID: box.session, at: base + 100))
        let task = try db.addTask(sessionID: box.session, SessionTask(taskID: "digid-aanvragen", names: ["nl": "DigiD aanvragen", "tr": "DigiD — ş"],
                                                                       group: .digitalGovernment, addedAt: base + 110))
        box.task = try #require(task.id)
        try db.addStep(sessionID: box.session, SessionStep(sessionTaskID: box.task, description: "Zelf ingelogd", actor: .customerAlone,
                                                           reason: nil, at: base + 120))
        try db.addStep(sessionID: box.session, SessionStep(sessionTaskID: box.task, description: "Code ingevuld", actor: .staffOnBehalf,
                                                           reason: "Bril vergeten", at: base + 130))
        try db.addNote(sessionID: box.session, SessionNote(text: "Volgende keer bril mee", at: base + 140))
        let help = try db.createHelpRequest(HelpRequest(kiosk: "kiosk-1", branch: "oost", topic: "DigiD", sessionID: box.session,
                                                        requestedBy: box.anna, requesterKey: nil, language: "nl", createdAt: base + 150))
        box.help = try #require(help.id)
        var accepted = help
        accepted.status = .accepted
        accepted.helperID = box.yusuf
        accepted.acceptedAt = base + 160
        try db.updateHelpRequest(accepted, event: HelpEvent(helpRequestID: box.help, at: base + 160, kind: .accepted, actorID: box.yusuf))
        try db.finishTask(sessionID: box.session, taskID: box.task, outcome: .resolved, at: base + 170)
        try db.handOver(sessionID: box.session, channelAdvice: .app)
        try db.closeSession(sessionID: box.session, effortScore: 2, selfReliance: .withALittleHelp, at: base + 200,
                            contact: Contact(customerID: jan, channel: .kioskAssisted, at: base + 200, topic: "DigiD aanvragen",
                                             summary: "Opgelost", outcome: "opgelost", sourceSystem: "balie"), followUps: [])
        _ = try db.record(StaffCall(kiosk: "kiosk-1", branch: "oost", group: .banking, at: base + 210))
        try db.appendAudit([
            AuditEvent(at: base + 105, action: .customerViewed, actorID: box.anna, actorRole: .staff, subject: "100001", origin: "kiosk-1",
                       branch: "oost"),
            AuditEvent(at: base + 165, action: .helpAccepted, actorID: box.yusuf, actorRole: .remote, subject: "100001", origin: "10.0.0.9",
                       branch: "oost"),
            AuditEvent(at: base + 220, action: .signOut, actorID: nil, subject: "gone", origin: "cli"),
        ])
        return box
    }

    /// An empty target of that kind.
    private func emptyTarget(_ kind: String) throws -> StoreUnderTest {
        kind == "sqlite" ? .sqlite(try AppDatabase(inMemoryNamed: UUID().uuidString)) : .postgres(try TestPostgres.store())
    }

    private func copy(_ box: AppDatabase, to target: StoreUnderTest, now: Date = Date(),
                      progress: (StoreCopy.Progress) -> Void = { _ in }) throws -> StoreCopy.Summary {
        switch target {
        case .sqlite(let database): try StoreCopy.copy(from: box, to: database, now: now, progress: progress)
        case .postgres(let store): try StoreCopy.copy(from: box, to: store, now: now, progress: progress)
        }
    }

    /// The first column of the first row of a query (written with `?` placeholders), as text.
    private func scalar(_ target: StoreUnderTest, _ sql: String, _ arguments: [String] = []) throws -> String? {
        switch target {
        case .sqlite(let database):
            return try database.writer.read { db in
                try Row.fetchOne(db, sql: sql, arguments: StatementArguments(arguments)).flatMap { row in
                    row.databaseValues.first.flatMap { value in String.fromDatabaseValue(value) ?? Int64.fromDatabaseValue(value).map { String($0) } }
                }
            }
        case .postgres(let store):
            var numbered = "", index = 0
            for character in sql {
                if character == "?" { index += 1; numbered += "$\(index)" } else { numbered.append(character) }
            }
            return try store.query(numbered, arguments).first?.values.first ?? nil
        }
    }

    /// A target with history of its own: another branch with staff and a session (so the box's ids are taken), customer
    /// 100001 with another contact, and yusuf's account.
    private func makeTarget(_ kind: String) throws -> StoreUnderTest {
        let under = try emptyTarget(kind)
        let target = under.recordStore
        try target.insertBranch(Branch(code: "west", name: "West"))
        let piet = try #require(try target.insertStaff(staff("piet", "Piet Smit", .staff, ["west"])).id)
        try target.insertStaff(staff("yusuf", "Yusuf Demir", .remote, ["west"]))
        _ = try target.importCustomers([Customer(number: "100003", givenName: "Kees", familyName: "Bos"),
                                        Customer(number: "100001", givenName: "Jan", familyName: "de Vries")])
        _ = try target.importContacts([(customerNumber: "100001", contact: Contact(
            customerID: 0, channel: .email, at: base - 1000, topic: "Paspoort", summary: "Gemaild", outcome: "afspraak", sourceSystem: "crm"))])
        let other = try target.createSession(AssistedSession(customerID: nil, staffID: piet, kiosk: "west-1", branch: "west",
                                                             startedAt: base - 500, language: "nl"))
        try target.addTask(sessionID: try #require(other.id), SessionTask(taskID: "bankieren", names: ["nl": "Bankieren"], group: .banking,
                                                                          addedAt: base - 400))
        try target.appendAudit(AuditEvent(at: base - 300, action: .signIn, actorID: piet, subject: "piet", origin: "10.0.0.1"))
        return under
    }

    /// The target row a box row became.
    private func target(_ store: StoreUnderTest, _ table: String, _ sourceID: Int64) throws -> Int64 {
        let text = try scalar(store, "SELECT target_id FROM copied_row WHERE table_name = ? AND source_id = ?", [table, String(sourceID)])
        return try #require(text.flatMap { Int64($0) })
    }

    /// Rows per table of the target, to prove that nothing changed.
    private func rowCounts(_ store: StoreUnderTest) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        // Each store's name search index besides the tables: PostgreSQL's word table, SQLite's full-text index.
        let index = if case .postgres = store { "customer_name_word" } else { "customer_name" }
        for table in StoreCopy.copiedTables + ["copied_row", index] {
            counts[table] = try scalar(store, "SELECT count(*) FROM \(table)").flatMap { Int($0) }
        }
        return counts
    }

    @Test(arguments: ["sqlite", "postgres"]) func copiesEveryRowWithItsReferencesAndMergesWhatTheTargetHas(kind: String) throws {
        let box = try makeBox()
        let under = try makeTarget(kind)
        let target = under.recordStore
        var reports: [StoreCopy.Progress] = []
        let summary = try copy(box.database, to: under, now: base + 1000) { reports.append($0) }

        #expect(summary.source == (try StoreCopy.source(of: box.database)))
        #expect(summary.source.hasPrefix("box:") && summary.source.count == 68)
        #expect(summary.count("branch") == StoreCopy.TableCount(table: "branch", label: "branches", copied: 1))
        #expect(summary.count("staff")?.copied == 1 && summary.count("staff")?.merged == 1)
        #expect(summary.count("customer")?.copied == 1 && summary.count("customer")?.merged == 1)
        #expect(summary.count("contact")?.copied == 3)
        #expect(summary.count("session_step")?.copied == 2)
        #expect(summary.count("help_event")?.copied == 2)
        #expect(summary.count("audit_event")?.copied == 3)
        #expect(summary.count("staff_branch")?.copied == 2)
        #expect(summary.merged == 2 && summary.earlier == 0)
        #expect(summary.tables.map(\.table) == StoreCopy.copiedTables)
        // Progress: every table from 0 to its total, the last report finished.
        let finished = reports.filter(\.finished)
        #expect(finished.map(\.table) == StoreCopy.copiedTables)
        #expect(finished.first { $0.table == "customer" } == StoreCopy.Progress(table: "customer", label: "customers", done: 2, total: 2, finished: true))
        #expect(reports.first == StoreCopy.Progress(table: "branch", label: "branches", done: 0, total: 1, finished: false))

        // Branch, kiosk and its credential, API token.
        #expect(try target.allBranches().map(\.code).sorted() == ["oost", "west"])
        let kiosk = try #require(try target.kiosk(name: "kiosk-1", branchCode: "oost"))
        #expect(try target.kiosk(credentialHash: hashA)?.id == kiosk.id)
        #expect(try target.token(hash: hashB)?.name == "crm")
        #expect(try target.token(hash: hashB)?.scopes == [.contactsWrite])

        // Staff: anna is new with the box's branch; yusuf keeps the target's row, and gets the box's branch too.
        let anna = try #require(try target.staff(username: "anna"))
        let yusuf = try #require(try target.staff(username: "yusuf"))
        #expect(anna.fullName == "Anna Jansen" && anna.branches == ["oost"])
        #expect(yusuf.fullName == "Yusuf Demir" && Set(yusuf.branches) == ["oost", "west"])
        #expect(try target.allStaff().count == 3)
        #expect(try self.target(under, "staff", box.yusuf) == yusuf.id)

        // The merged customer: one row (the target's), the contacts of both.
        #expect(try target.customerCount() == 3)
        let jan = try #require(try target.customerRecord(number: "100001", recentContacts: 10))
        #expect(jan.customer.familyName == "de Vries")
        #expect(jan.contactCount == 3)
        #expect(Set(jan.recentContacts.map(\.topic)) == ["Paspoort", "Toeslag", "DigiD aanvragen"])
        #expect(jan.consents[.sessionLog]?.consent.given == true)
        #expect(jan.consents[.sessionLog]?.recordedByName == "Anna Jansen")
        #expect(jan.unreadImportantMessages.map(\.title) == ["Uw aanslag"])
        #expect(jan.openFollowUps.map(\.description) == ["Terugbellen"])
        let fatma = try #require(try target.customerRecord(number: "100002", recentContacts: 10))
        #expect(fatma.customer.postcode == (try box.database.customer(number: "100002")?.postcode) && fatma.contactCount == 1)
        #expect(fatma.consents[.followUp]?.consent.given == false)
        // The customer's search name, found by folded prefixes in either store.
        #expect(try box.database.writer.read { try String.fetchOne($0, sql: "SELECT search_name FROM customer WHERE number = '100002'") }
                == "fatma-nur yilmaz")
        // In SQLite the box's own search_name stays; in PostgreSQL it is rewritten as that store writes it.
        #expect(try scalar(under, "SELECT search_name FROM customer WHERE number = '100002'")
                == (kind == "sqlite" ? "fatma-nur yilmaz" : "fatma nur yilmaz"))
        #expect(try target.searchCustomers(.name("yilm nu"), limit: 5).map(\.number) == ["100002"])

        // The session with its task, steps and note, attached to the target's customer and the new anna.
        let sessionID = try self.target(under, "assisted_session", box.session)
        #expect(sessionID != box.session)
        let session = try #require(try target.session(id: sessionID, details: true))
        #expect(session.customerID == jan.customer.id && session.staffID == anna.id)
        #expect(session.branch == "oost" && session.kiosk == "kiosk-1" && session.phase == .closed && session.waitingSeconds == 50)
        #expect(session.effortScore == 2 && session.selfReliance == .withALittleHelp && session.channelAdvice == .app)
        #expect(session.startedAt == base + 100)
        let taskID = try self.target(under, "session_task", box.task)
        #expect(session.tasks.map(\.id) == [taskID])
        #expect(session.tasks.first?.names == ["nl": "DigiD aanvragen", "tr": "DigiD — ş"])
        #expect(session.tasks.first?.outcome == .resolved)
        #expect(session.steps.map(\.sessionTaskID) == [taskID, taskID])
        #expect(session.steps.map(\.actor) == [.customerAlone, .staffOnBehalf])
        #expect(session.steps.last?.reason == "Bril vergeten")
        #expect(session.notes.map(\.text) == ["Volgende keer bril mee"])
        let history = try target.taskHistory(customerID: try #require(jan.customer.id))
        #expect(history == [TaskHistoryEntry(taskID: "digid-aanvragen", taskNames: ["nl": "DigiD aanvragen", "tr": "DigiD — ş"],
                                             date: base + 100, actors: [.customerAlone, .staffOnBehalf], selfReliance: .withALittleHelp)])

        // The ticket points at the session and at who called it; booleans arrived as booleans.
        let ticket = try #require(try target.ticket(id: try self.target(under, "queue_ticket", box.ticket)))
        #expect(ticket.sessionID == sessionID && ticket.calledBy == anna.id && ticket.priority && ticket.desk == "balie 2")
        var expected = try #require(try box.database.ticket(id: box.ticket))
        (expected.id, expected.sessionID, expected.calledBy) = (ticket.id, sessionID, anna.id)
        #expect(ticket == expected)

        // The help request and its log.
        let helpID = try self.target(under, "help_request", box.help)
        let help = try #require(try target.helpRequest(id: helpID))
        #expect(help.sessionID == sessionID && help.requestedBy == anna.id && help.helperID == yusuf.id && help.status == .accepted)
        let events = try target.helpEvents(requestID: helpID)
        #expect(events.map(\.kind) == [.requested, .accepted])
        #expect(events.map(\.actorID) == [anna.id, yusuf.id])
        #expect(events.allSatisfy { $0.helpRequestID == helpID })

        #expect(try target.recentStaffCalls(branch: "oost", limit: 5).map(\.group) == [.banking])

        // The audit trail: the box's rows with their actors, and one row for the copy.
        let entries = try target.auditEntries(AuditQuery(customerNumber: "100001"), branches: .all, limit: 10)
        #expect(entries.map(\.event.action) == [.helpAccepted, .customerViewed])
        #expect(entries.map(\.staffUsername) == ["yusuf", "anna"])
        #expect(entries.map(\.staffName) == ["Yusuf Demir", "Anna Jansen"])
        let recent = try target.recentAudit(limit: 10)
        #expect(recent.count == 5)
        let copyRow = try #require(recent.first { $0.action == .copied })
        #expect(copyRow.origin == "cli" && copyRow.at == base + 1000)
        #expect(copyRow.detail?.contains("rows copied") == true)
    }

    @Test(arguments: ["sqlite", "postgres"]) func aSecondCopyAddsNothingAndAThirdOnlyWhatIsNew(kind: String) throws {
        let box = try makeBox()
        let under = try makeTarget(kind)
        let target = under.recordStore
        let first = try copy(box.database, to: under)
        let after = try rowCounts(under)
        let second = try copy(box.database, to: under)
        #expect(second.copied == 0 && second.merged == 0)
        #expect(second.earlier == first.copied + first.merged)
        #expect(second.count("customer") == StoreCopy.TableCount(table: "customer", label: "customers", earlier: 2))
        #expect(try rowCounts(under) == after)
        #expect(try target.recentAudit(limit: 50).filter { $0.action == .copied }.count == 1)

        // The box went on working: only its new rows come over, attached to what came before.
        try box.database.addNote(sessionID: box.session, SessionNote(text: "Nagebeld", at: base + 5000))
        let third = try copy(box.database, to: under)
        #expect(third.copied == 1 && third.count("session_note")?.copied == 1)
        let session = try #require(try target.session(id: try self.target(under, "assisted_session", box.session), details: true))
        #expect(session.notes.map(\.text) == ["Volgende keer bril mee", "Nagebeld"])
        #expect(try target.recentAudit(limit: 50).filter { $0.action == .copied }.count == 2)
    }

    @Test(arguments: ["sqlite", "postgres"]) func aCopyThatFailsMidwayLeavesTheTargetAsItWas(kind: String) throws {
        let box = try makeBox()
        let under = try makeTarget(kind)
        let target = under.recordStore
        // The target's own ticket 1 of that day at oost: the box's ticket cannot come in (queue tickets come after
        // branches, staff, customers and sessions, so those were written and must go again).
        _ = try target.takeTicket(branch: "oost", day: day, group: .banking, priority: false, at: base)
        let before = try rowCounts(under)
        let audit = try target.recentAudit(limit: 50)
        #expect(throws: StoreCopy.Problem.self) { try copy(box.database, to: under) }
        do {
            _ = try copy(box.database, to: under)
        } catch {
            #expect("\(error)".contains("queue tickets"))
            #expect("\(error)".contains(kind == "sqlite" ? "UNIQUE constraint failed: queue_ticket" : "already exists"))
        }
        #expect(try rowCounts(under) == before)
        #expect(try target.recentAudit(limit: 50) == audit)
        #expect(try target.staff(username: "anna") == nil)
        #expect(try target.customer(number: "100002") == nil)
        #expect(before["copied_row"] == 0)
    }

    @Test(arguments: ["sqlite", "postgres"]) func anEmptyBoxCopiesNothingAndWritesNoAuditRow(kind: String) throws {
        let box = try AppDatabase(inMemoryNamed: UUID().uuidString)
        let under = try emptyTarget(kind)
        let target = under.recordStore
        let summary = try copy(box, to: under)
        #expect(summary.copied == 0 && summary.merged == 0 && summary.earlier == 0)
        #expect(summary.tables.count == StoreCopy.copiedTables.count)
        #expect(try target.recentAudit(limit: 5).isEmpty)
    }

    @Test(arguments: ["sqlite", "postgres"]) func aTokenWhoseNameIsTakenIsRenamed(kind: String) throws {
        let box = try AppDatabase(inMemoryNamed: UUID().uuidString)
        _ = try box.insertToken(ApiToken(name: "crm", scopes: [.contactsRead], tokenHash: hashC, createdAt: base))
        let under = try emptyTarget(kind)
        let target = under.recordStore
        _ = try target.insertToken(ApiToken(name: "crm", scopes: [.customersRead], tokenHash: hashD, createdAt: base))
        let summary = try copy(box, to: under)
        #expect(summary.count("api_token")?.copied == 1)
        #expect(try target.token(hash: hashC)?.name == "crm-2")
        #expect(try target.token(hash: hashD)?.name == "crm")
    }

    @Test func aBoxIsNotCopiedIntoItself() throws {
        let box = try makeBox()
        let before = try rowCounts(.sqlite(box.database))
        #expect(throws: StoreCopy.Problem.self) { try StoreCopy.copy(from: box.database, to: box.database) }
        #expect(try rowCounts(.sqlite(box.database)) == before)
    }
}
