import BalieCore
import Foundation
import GRDB
import Testing
@testable import BalieStore

/// The PostgreSQL store's remote help requests and a customer's rights of access and erasure behave as the
/// SQLite store's: every test runs the same body against both and compares what they answer. Customers, sessions
/// and their tasks are written with plain SQL that both read alike (their repositories are another area's).
@Suite struct PostgresHelpTests {
    typealias Store = HelpRequestRepository & PrivacyRepository & AuditRepository
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let visitor = String(repeating: "a", count: 64)

    private func stores() throws -> [any Store] {
        // One connection: no method may need a second while it holds one, and the erasure's VACUUM gives back the
        // connection it used with its statement timeout as before.
        [try AppDatabase(inMemoryNamed: UUID().uuidString), try TestPostgres.store(connections: 1)]
    }

    /// Statements without parameters, in either store.
    private func raw(_ statements: [String], in store: any Store) throws {
        switch store {
        case let sqlite as AppDatabase: try sqlite.writer.write { db in try statements.forEach { try db.execute(sql: $0) } }
        case let postgres as PostgresStore: try postgres.write { connection in try statements.forEach { try connection.execute($0) } }
        default: Issue.record("unknown store \(type(of: store))")
        }
    }

    /// The rows of a query as text ("NULL" for NULL), in either store: only for integers and text, which both write alike.
    private func select(_ sql: String, in store: any Store) throws -> [[String]] {
        switch store {
        case let sqlite as AppDatabase:
            return try sqlite.writer.read { db in
                try Row.fetchAll(db, sql: sql).map { row in
                    row.databaseValues.map { value in
                        switch value.storage {
                        case .null: "NULL"
                        case .int64(let number): String(number)
                        case .double(let number): String(number)
                        case .string(let text): text
                        case .blob(let data): data.base64EncodedString()
                        }
                    }
                }
            }
        case let postgres as PostgresStore:
            return try postgres.query(sql).map { row in row.values.map { $0 ?? "NULL" } }
        default:
            Issue.record("unknown store \(type(of: store))")
            return []
        }
    }

    /// Three members of staff, two customers (Zoë Yılmaz with a full record, Piet Jansen), her two sessions and
    /// his one, each with a task, steps and notes; contacts, consents, messages and follow-ups of both.
    private func seed(_ store: any Store) throws {
        try raw([
            "INSERT INTO branch (code, name) VALUES ('centrum', 'Centrum'), ('west', 'West')",
            """
            INSERT INTO staff (username, full_name, role, password_hash) VALUES
                ('desk', 'Dirk Desk', 'staff', '$argon2id$x'), ('helper', 'Hanna Helper', 'remote', '$argon2id$x'),
                ('other', 'Olga Other', 'remote', '$argon2id$x')
            """,
            """
            INSERT INTO customer (number, given_name, family_name, birth_date, postcode, phone, email, preferred_channel, language,
                                  accessibility_needs, form_of_address, note, search_name) VALUES
                ('C-1001', 'Zoë', 'Yılmaz', '1950-03-04', '1011AB', '0612345678', 'zoe@example.org', 'phone', 'nl', 'large-text', 'female',
                 'Zoë komt graag ''s ochtends', 'zoe yilmaz'),
                ('C-2002', 'Piet', 'Jansen', NULL, NULL, NULL, NULL, NULL, NULL, '', 'full-name', NULL, 'piet jansen')
            """,
            """
            INSERT INTO assisted_session (customer_id, staff_id, kiosk, started_at, finished_at, waiting_seconds, phase, language,
                                          effort_score, self_reliance, channel_advice, messages_read, branch) VALUES
                (1, 1, 'kiosk-1', 1800000000.25, 1800000900, 120, 'closed', 'nl', 2, 'yes', 'phone', 1, 'centrum'),
                (1, 1, 'kiosk-2', 1800100000, NULL, NULL, 'open', 'nl', NULL, NULL, NULL, 0, 'west'),
                (2, 1, 'kiosk-1', 1800200000, NULL, NULL, 'open', 'tr', NULL, NULL, NULL, 0, 'centrum')
            """,
            """
            INSERT INTO session_task (session_id, task_id, task_group, names, added_at, outcome, outcome_detail, partner, follow_up_who,
                                      follow_up_due, follow_up_channel, finished_at, earlier_visits) VALUES
                (1, 'digid', 'digital-government', '{"nl":"DigiD aanvragen"}', 1800000010.5, 'follow-up', 'Brief voor Zoë', 'gemeente',
                 'Yılmaz junior', 1800500000, 'phone', 1800000800, 2),
                (2, 'bank', 'banking', '{"nl":"Bankzaken"}', 1800100010, NULL, '', NULL, NULL, NULL, NULL, NULL, NULL),
                (3, 'bank', 'banking', '{"nl":"Bankzaken"}', 1800200010, NULL, 'Piet ging zelf verder', NULL, NULL, NULL, NULL, NULL, 0)
            """,
            """
            INSERT INTO session_step (session_id, session_task_id, description, actor, reason, at) VALUES
                (1, 1, 'DigiD geopend voor Zoë', 'customer-with-help', 'Yılmaz vroeg erom', 1800000020),
                (1, 1, 'Ingelogd', 'customer-alone', NULL, 1800000030.75),
                (3, 3, 'Piet logde in', 'customer-alone', NULL, 1800200020)
            """,
            """
            INSERT INTO session_note (session_id, text, at) VALUES
                (1, 'Zoë Yılmaz was zenuwachtig', 1800000040), (3, 'Piet had zijn pas mee', 1800200030)
            """,
            """
            INSERT INTO contact (customer_id, channel, at, topic, summary, outcome, source_system) VALUES
                (1, 'phone', 1800300000, 'Terugbellen', 'Zoë gebeld', 'ok', 'crm'),
                (1, 'kiosk-assisted', 1800000900, 'DigiD', 'Yılmaz geholpen', 'resolved', 'balie'),
                (2, 'branch', 1800200900, 'Bank', 'Piet geholpen', 'resolved', 'balie')
            """,
            """
            INSERT INTO consent (customer_id, purpose, given, at, recorded_by, method) VALUES
                (1, 'session-log', TRUE, 1800000050, 1, 'in-person'),
                (1, 'remote-viewing', FALSE, 1800000050, NULL, 'on-screen'),
                (1, 'follow-up', TRUE, 1800000001, 1, 'paper'),
                (2, 'session-log', TRUE, 1800200050, 1, 'in-person')
            """,
            """
            INSERT INTO message (customer_id, title, sent_at, important, read) VALUES
                (1, 'Belastingbrief', 1800000060, TRUE, FALSE), (1, 'Nieuwsbrief', 1700000000.125, FALSE, TRUE),
                (2, 'Pas verlopen', 1800200060, TRUE, TRUE)
            """,
            """
            INSERT INTO follow_up (customer_id, description, due, channel, done) VALUES
                (1, 'Zoë terugbellen', 1800500000, 'phone', FALSE), (1, 'Brief sturen', 1800400000, 'letter', TRUE),
                (2, 'Piet mailen', 1800600000, 'email', FALSE)
            """,
        ], in: store)
    }

    private func audit(_ action: AuditEvent.Action, subject: String?, at offset: TimeInterval, reason: String? = nil) -> AuditEvent {
        AuditEvent(at: start.addingTimeInterval(offset), action: action, actorID: 2, actorRole: .remote, subject: subject, origin: "10.0.0.2",
                   detail: "remote", reason: reason, branch: "centrum")
    }

    private func request(kiosk: String = "kiosk-1", branch: String = "centrum", session: Int64?, by: Int64? = 1, key: String? = nil,
                         at offset: TimeInterval) -> HelpRequest {
        HelpRequest(kiosk: kiosk, branch: branch, topic: "DigiD aanvragen", sessionID: session, requestedBy: by, requesterKey: key,
                    language: "nl", createdAt: start.addingTimeInterval(offset))
    }

    // MARK: - Help requests

    @Test func aRequestRoundTripsThroughAcceptAnswerAndEndWithItsLog() throws {
        var outcomes: [[HelpRequest]] = [], logs: [[HelpEvent]] = []
        for store in try stores() {
            try seed(store)
            let created = try store.createHelpRequest(request(session: 1, at: 0.5))
            #expect(created.id == 1 && created.status == .open)
            #expect(try store.helpRequest(id: 1) == created)
            #expect(try store.helpRequest(id: 99) == nil)
            let fromVisitor = try store.createHelpRequest(request(kiosk: "kiosk-3", session: nil, by: nil, key: visitor, at: 1))
            #expect(try store.helpRequest(id: 2) == fromVisitor && fromVisitor.requesterKey == visitor && fromVisitor.requestedBy == nil)
            #expect(try store.helpEvents(requestID: 1) == [HelpEvent(id: 1, helpRequestID: 1, at: start.addingTimeInterval(0.5), kind: .requested, actorID: 1)])
            #expect(try store.helpEvents(requestID: 2) == [HelpEvent(id: 2, helpRequestID: 2, at: start.addingTimeInterval(1), kind: .requested, actorID: nil)])
            #expect(try store.helpEvents(requestID: 99) == [])

            let accepted = try HelpRules.accept(created, helperID: 2, at: start.addingTimeInterval(10.25))
            try store.updateHelpRequest(accepted, event: HelpEvent(helpRequestID: 1, at: accepted.acceptedAt!, kind: .accepted, actorID: 2))
            #expect(try store.helpRequest(id: 1) == accepted)

            // The customer's "yes" is stored with its consent and audit row.
            let active = try HelpRules.answer(accepted, yes: true, at: start.addingTimeInterval(20))
            let consent = Consent(customerID: 1, purpose: .remoteViewing, given: true, at: start.addingTimeInterval(20), recordedBy: nil, method: .onScreen)
            try store.updateHelpRequest(active, event: HelpEvent(helpRequestID: 1, at: start.addingTimeInterval(20), kind: .consentGiven, actorID: nil),
                                        audit: audit(.helpAccepted, subject: "C-1001", at: 20), consent: consent)
            #expect(try store.helpRequest(id: 1) == active)
            #expect(try select("SELECT id, customer_id, purpose, CAST(given AS INTEGER), recorded_by, method FROM consent ORDER BY id DESC LIMIT 1",
                               in: store) == [["5", "1", "remote-viewing", "1", "NULL", "on-screen"]])
            #expect(try store.audit(subject: "C-1001").map(\.action) == [.helpAccepted])

            // A refusal without audit row or consent stores only the request and its line.
            let refused = try HelpRules.answer(try HelpRules.accept(fromVisitor, helperID: 3, at: start.addingTimeInterval(30)), yes: false,
                                               at: start.addingTimeInterval(31))
            try store.updateHelpRequest(refused, event: HelpEvent(helpRequestID: 2, at: start.addingTimeInterval(31), kind: .consentRefused, actorID: nil),
                                        audit: nil, consent: nil)
            #expect(try select("SELECT count(*) FROM consent", in: store) == [["5"]])

            let ended = try HelpRules.end(active, by: .helper, at: start.addingTimeInterval(99.125))
            try store.updateHelpRequest(ended, event: HelpEvent(helpRequestID: 1, at: start.addingTimeInterval(99.125), kind: .ended, actorID: 2,
                                                                text: "Klaar"))
            let read = try #require(try store.helpRequest(id: 1))
            #expect(read == ended && read.status == .ended && read.endedBy == .helper && read.endedAt == start.addingTimeInterval(99.125))
            #expect(read.acceptedAt == start.addingTimeInterval(10.25) && read.answeredAt == start.addingTimeInterval(20) && read.helperID == 2)
            let log = try store.helpEvents(requestID: 1)
            #expect(log.map(\.kind) == [.requested, .accepted, .consentGiven, .ended])
            #expect(log.map(\.id) == [1, 3, 4, 6] && log.last?.text == "Klaar" && log.last?.actorID == 2)
            outcomes.append([try #require(try store.helpRequest(id: 1)), try #require(try store.helpRequest(id: 2))])
            logs.append(log + (try store.helpEvents(requestID: 2)))
        }
        #expect(outcomes.count == 2 && outcomes[0] == outcomes[1])
        #expect(logs.count == 2 && logs[0] == logs[1])
    }

    @Test func aFailedWriteLeavesNeitherTheChangeNorItsLogNorItsAuditRow() throws {
        for store in try stores() {
            try seed(store)
            let created = try store.createHelpRequest(request(session: 1, at: 0))
            let accepted = try HelpRules.accept(created, helperID: 2, at: start.addingTimeInterval(5))
            let active = try HelpRules.answer(accepted, yes: true, at: start.addingTimeInterval(6))
            // A consent for a customer that does not exist breaks the foreign key: the whole update goes.
            let stray = Consent(customerID: 999, purpose: .remoteViewing, given: true, at: start, recordedBy: nil, method: .onScreen)
            #expect(throws: (any Error).self) {
                try store.updateHelpRequest(active, event: HelpEvent(helpRequestID: 1, at: start, kind: .consentGiven, actorID: nil),
                                            audit: audit(.helpAccepted, subject: "C-1001", at: 6), consent: stray)
            }
            #expect(try store.helpRequest(id: 1) == created)
            #expect(try store.helpEvents(requestID: 1).map(\.kind) == [.requested])
            #expect(try store.audit(subject: "C-1001").isEmpty)
            // So does an audit row of a member of staff that does not exist.
            var ghost = audit(.helpAccepted, subject: "C-1001", at: 6)
            ghost.actorID = 999
            #expect(throws: (any Error).self) {
                try store.updateHelpRequest(accepted, event: HelpEvent(helpRequestID: 1, at: start, kind: .accepted, actorID: 2),
                                            audit: ghost, consent: nil)
            }
            #expect(try store.helpRequest(id: 1) == created)
            // A step of a task that does not exist, a note of a session that does not exist, a log line of a request
            // that does not exist: nothing is logged or audited.
            let step = SessionStep(sessionTaskID: 999, description: "Klik op verder", actor: .customerWithHelp, reason: nil, at: start)
            #expect(throws: (any Error).self) {
                try store.addHelperStep(sessionID: 1, step, event: HelpEvent(helpRequestID: 1, at: start, kind: .step, actorID: 2, text: "Klik op verder"),
                                        audit: audit(.remoteStepAdded, subject: "C-1001", at: 7))
            }
            #expect(throws: (any Error).self) {
                try store.addHelperNote(sessionID: 999, SessionNote(text: "Notitie", at: start),
                                        event: HelpEvent(helpRequestID: 1, at: start, kind: .note, actorID: 2), audit: audit(.remoteNoteAdded, subject: "C-1001", at: 8))
            }
            #expect(throws: (any Error).self) {
                try store.logHelpEvent(HelpEvent(helpRequestID: 999, at: start, kind: .viewed, actorID: 2), audit: audit(.remoteViewed, subject: "C-1001", at: 9))
            }
            #expect(try store.helpEvents(requestID: 1).map(\.kind) == [.requested])
            #expect(try store.audit(subject: "C-1001").isEmpty)
            #expect(try select("SELECT count(*) FROM session_step", in: store) == [["3"]])
            #expect(try select("SELECT count(*) FROM session_note", in: store) == [["2"]])
            #expect(try select("SELECT count(*) FROM help_event", in: store) == [["1"]])
        }
    }

    @Test func theHelperAddsStepsNotesAndLogLinesWithTheirAuditRows() throws {
        var outcomes: [[[String]]] = []
        for store in try stores() {
            try seed(store)
            _ = try store.createHelpRequest(request(session: 1, at: 0))
            try store.logHelpEvent(HelpEvent(helpRequestID: 1, at: start.addingTimeInterval(1), kind: .viewed, actorID: 2),
                                   audit: audit(.remoteViewed, subject: "C-1001", at: 1))
            try store.logHelpEvent(HelpEvent(helpRequestID: 1, at: start.addingTimeInterval(2), kind: .message, actorID: 2, text: "Klik op de blauwe knop"),
                                   audit: audit(.remoteMessageSent, subject: "C-1001", at: 2))
            let step = SessionStep(sessionTaskID: 1, description: "Formulier ingevuld", actor: .staffOnBehalf, reason: "op afstand",
                                   at: start.addingTimeInterval(3))
            try store.addHelperStep(sessionID: 1, step, event: HelpEvent(helpRequestID: 1, at: start.addingTimeInterval(3), kind: .step, actorID: 2,
                                                                         text: "Formulier ingevuld"),
                                    audit: audit(.remoteStepAdded, subject: "C-1001", at: 3))
            try store.addHelperNote(sessionID: 1, SessionNote(text: "Volgende keer pas meenemen", at: start.addingTimeInterval(4)),
                                    event: HelpEvent(helpRequestID: 1, at: start.addingTimeInterval(4), kind: .note, actorID: 2),
                                    audit: audit(.remoteNoteAdded, subject: "C-1001", at: 4))
            let log = try store.helpEvents(requestID: 1)
            #expect(log.map(\.kind) == [.requested, .viewed, .message, .step, .note])
            #expect(log.map(\.text) == ["", "", "Klik op de blauwe knop", "Formulier ingevuld", ""])
            #expect(log.map(\.at) == (0...4).map { start.addingTimeInterval(TimeInterval($0)) })
            let audited = try store.audit(subject: "C-1001")
            #expect(audited.map(\.action) == [.remoteViewed, .remoteMessageSent, .remoteStepAdded, .remoteNoteAdded])
            #expect(audited.allSatisfy { $0.actorID == 2 && $0.actorRole == .remote && $0.branch == "centrum" && $0.detail == "remote" })
            let steps = try select("SELECT id, session_id, session_task_id, description, actor, reason FROM session_step WHERE session_id = 1 ORDER BY id",
                                   in: store)
            #expect(steps.last == ["4", "1", "1", "Formulier ingevuld", "staff-on-behalf", "op afstand"] && steps.count == 3)
            let notes = try select("SELECT id, session_id, text FROM session_note ORDER BY id", in: store)
            #expect(notes.last == ["3", "1", "Volgende keer pas meenemen"])
            outcomes.append(steps + notes)
        }
        #expect(outcomes.count == 2 && outcomes[0] == outcomes[1])
    }

    @Test func listsFilterByStateBranchKioskSessionHelperCustomerAndVisitorInTheSameOrder() throws {
        var outcomes: [[[Int64]]] = []
        for store in try stores() {
            try seed(store)
            let a = try store.createHelpRequest(request(session: 1, at: 10))                                          // 1
            _ = try store.createHelpRequest(request(kiosk: "kiosk-2", branch: "west", session: 2, at: 5))           // 2
            let c = try store.createHelpRequest(request(session: 1, at: 5))                                          // 3
            _ = try store.createHelpRequest(request(kiosk: "kiosk-3", session: nil, by: nil, key: visitor, at: 1))   // 4
            let e = try store.createHelpRequest(request(kiosk: "kiosk-2", branch: "west", session: 3, at: 2))         // 5
            _ = try store.createHelpRequest(request(session: nil, at: 5))                                            // 6
            try store.updateHelpRequest(try HelpRules.accept(a, helperID: 2, at: start.addingTimeInterval(20)),
                                        event: HelpEvent(helpRequestID: 1, at: start, kind: .accepted, actorID: 2))
            // Accepted without a time: SQLite sorts the NULL first, and so must PostgreSQL.
            var acceptedWithoutTime = c
            acceptedWithoutTime.status = .accepted
            acceptedWithoutTime.helperID = 2
            try store.updateHelpRequest(acceptedWithoutTime, event: HelpEvent(helpRequestID: 3, at: start, kind: .accepted, actorID: 2))
            try store.updateHelpRequest(try HelpRules.end(e, by: .kiosk, at: start.addingTimeInterval(3)),
                                        event: HelpEvent(helpRequestID: 5, at: start, kind: .cancelled, actorID: nil))

            func ids(_ requests: [HelpRequest]) -> [Int64] { requests.map { $0.id ?? -1 } }
            var answers: [[Int64]] = []
            func check(_ found: [HelpRequest], _ expected: [Int64], _ comment: Comment) {
                #expect(ids(found) == expected, comment)
                answers.append(ids(found))
            }
            check(try store.openHelpRequests(branches: .all), [4, 2, 6], "oldest first, ties by id")
            check(try store.openHelpRequests(branches: .only(["centrum"])), [4, 6], "one branch")
            check(try store.openHelpRequests(branches: .only(["west", "centrum"])), [4, 2, 6], "two branches")
            check(try store.openHelpRequests(branches: .only([])), [], "no branch")
            check(try store.liveHelpRequests(helperID: 2), [3, 1], "accepted without a time first, then by accepted_at")
            check(try store.liveHelpRequests(helperID: 3), [], "nobody else's")
            check(try store.liveHelpRequests(customerID: 1), [1, 2, 3], "live requests of all her sessions, by id")
            check(try store.liveHelpRequests(customerID: 2), [], "his one request ended")
            check(try store.liveHelpRequests(customerID: 99), [], "no such customer")
            check(try store.liveHelpRequests(requesterKey: visitor), [4], "the visit that asked")
            check(try store.liveHelpRequests(requesterKey: String(repeating: "b", count: 64)), [], "another visit")
            #expect(try store.liveHelpRequest(sessionID: 1)?.id == 3, "the newest live request of the session")
            #expect(try store.liveHelpRequest(sessionID: 3) == nil, "ended")
            #expect(try store.liveHelpRequest(sessionID: 99) == nil, "no such session")
            #expect(try store.openHelpRequestCount(kiosk: nil, branch: nil) == 3)
            #expect(try store.openHelpRequestCount(kiosk: "kiosk-1", branch: nil) == 1)
            #expect(try store.openHelpRequestCount(kiosk: nil, branch: "centrum") == 2)
            #expect(try store.openHelpRequestCount(kiosk: "kiosk-2", branch: "west") == 1)
            #expect(try store.openHelpRequestCount(kiosk: "kiosk-1", branch: "west") == 0)
            check(try store.helpRequestList(status: nil, branches: .all, beforeID: nil, limit: 100), [6, 5, 4, 3, 2, 1], "newest first")
            check(try store.helpRequestList(status: nil, branches: .all, beforeID: nil, limit: 2), [6, 5], "a page")
            check(try store.helpRequestList(status: nil, branches: .all, beforeID: 5, limit: 2), [4, 3], "the next page")
            check(try store.helpRequestList(status: nil, branches: .all, beforeID: 1, limit: 2), [], "past the end")
            check(try store.helpRequestList(status: .open, branches: .all, beforeID: nil, limit: 100), [6, 4, 2], "one state")
            check(try store.helpRequestList(status: .accepted, branches: .only(["centrum"]), beforeID: 3, limit: 100), [1], "state, branch and page")
            check(try store.helpRequestList(status: nil, branches: .only(["west"]), beforeID: nil, limit: 100), [5, 2], "one branch")
            check(try store.helpRequestList(status: .cancelled, branches: .only(["west"]), beforeID: nil, limit: 100), [5], "cancelled before accepted")
            check(try store.helpRequestList(status: nil, branches: .only([]), beforeID: nil, limit: 100), [], "no branch")
            check(try store.helpRequestList(status: nil, branches: .all, beforeID: nil, limit: 0), [], "limit 0")
            check(try store.helpRequestList(status: nil, branches: .all, beforeID: nil, limit: -1), [6, 5, 4, 3, 2, 1], "a negative limit is none")
            try store.updateHelpRequest(try HelpRules.end(try #require(try store.helpRequest(id: 3)), by: .customer, at: start.addingTimeInterval(30)),
                                        event: HelpEvent(helpRequestID: 3, at: start, kind: .ended, actorID: nil))
            #expect(try store.liveHelpRequest(sessionID: 1)?.id == 1, "once the newest ended, the older live one")
            check(try store.liveHelpRequests(helperID: 2), [1], "the ended one is no longer live")
            outcomes.append(answers)
        }
        #expect(outcomes.count == 2 && outcomes[0] == outcomes[1])
    }

    // MARK: - Access and erasure

    /// Help requests with messages and audit rows about both customers, on top of the seed.
    private func seedHelpAndAudit(_ store: any Store) throws {
        try seed(store)
        _ = try store.createHelpRequest(request(session: 1, at: 0))
        try store.logHelpEvent(HelpEvent(helpRequestID: 1, at: start.addingTimeInterval(1), kind: .message, actorID: 2, text: "Hallo Zoë, klik op verder"),
                               audit: audit(.remoteMessageSent, subject: "C-1001", at: 1, reason: "Zoë vroeg om hulp"))
        _ = try store.createHelpRequest(request(session: 3, at: 2))
        try store.logHelpEvent(HelpEvent(helpRequestID: 2, at: start.addingTimeInterval(3), kind: .message, actorID: 2, text: "Hallo Piet"),
                               audit: audit(.remoteMessageSent, subject: "C-2002", at: 3, reason: "Piet vroeg om hulp"))
        try store.appendAudit([audit(.customerViewed, subject: "C-1001", at: 4.5), audit(.customerViewed, subject: nil, at: 5)])
    }

    @Test func theExportIsTheSameDocumentInBothStores() throws {
        var documents: [Data] = []
        for store in try stores() {
            try seedHelpAndAudit(store)
            #expect(try store.exportCustomer(number: "C-9999") == nil)
            #expect(try store.exportCustomerJSON(number: "C-9999") == nil)
            let export = try #require(try store.exportCustomer(number: "C-1001"))
            #expect(Set(export.keys) == ["customer", "contacts", "consents", "messages", "follow_ups", "sessions", "audit"])
            let record = try #require(export.record("customer"))
            #expect(record.integer("id") == 1 && record.text("given_name") == "Zoë" && record.text("family_name") == "Yılmaz")
            #expect(record["search_name"] == nil, "the search key is not part of the record")
            #expect(record.keys.count == 13 && record.text("note") == "Zoë komt graag 's ochtends")
            let contacts = export.rows("contacts")
            #expect(contacts.map { $0.integer("id") } == [2, 1], "by time")
            #expect(contacts.first?["at"] == .real(1_800_000_900) && contacts.first?.text("summary") == "Yılmaz geholpen")
            let consents = export.rows("consents")
            #expect(consents.map { $0.integer("id") } == [3, 1, 2], "by time, then id")
            #expect(consents.map { $0.integer("given") } == [1, 1, 0], "flags as 0 and 1")
            #expect(consents.last?["recorded_by"] == .null)
            let messages = export.rows("messages")
            #expect(messages.map { $0.text("title") } == ["Nieuwsbrief", "Belastingbrief"])
            #expect(messages.map { $0.integer("important") } == [0, 1] && messages.map { $0.integer("read") } == [1, 0])
            #expect(messages.first?["sent_at"] == .real(1_700_000_000.125))
            let followUps = export.rows("follow_ups")
            #expect(followUps.map { $0.text("description") } == ["Brief sturen", "Zoë terugbellen"] && followUps.map { $0.integer("done") } == [1, 0])
            let sessions = export.rows("sessions")
            #expect(sessions.map { $0.integer("id") } == [1, 2], "her sessions only")
            #expect(sessions[0]["started_at"] == .real(1_800_000_000.25) && sessions[0].integer("waiting_seconds") == 120)
            #expect(sessions[1]["finished_at"] == .null && sessions[0].integer("messages_read") == 1)
            #expect(sessions[0].rows("tasks").first?["added_at"] == .real(1_800_000_010.5))
            #expect(sessions[0].rows("steps").map { $0.text("description") } == ["DigiD geopend voor Zoë", "Ingelogd"])
            #expect(sessions[0].rows("notes").map { $0.text("text") } == ["Zoë Yılmaz was zenuwachtig"])
            #expect(sessions[1].rows("steps").isEmpty && sessions[1]["steps"] != nil)
            let audited = export.rows("audit")
            #expect(audited.map { $0.text("action") } == ["remote-message-sent", "customer-viewed"])
            #expect(audited.first?.text("reason") == "Zoë vroeg om hulp" && audited.last?["reason"] == .null)
            documents.append(try #require(try store.exportCustomerJSON(number: "C-1001")))
        }
        #expect(documents.count == 2)
        #expect(documents[0] == documents[1], "\(String(decoding: documents[0], as: UTF8.self))\n---\n\(String(decoding: documents[1], as: UTF8.self))")
        // The document is the JSON of the export: sorted keys, slashes as they are.
        let text = String(decoding: documents[1], as: UTF8.self)
        #expect(text.contains("\"names\" : \"{\\\"nl\\\":\\\"DigiD aanvragen\\\"}\""))
        #expect(text.contains("\"given\" : 0") && text.contains("\"started_at\" : 1800000000.25"))
    }

    /// Every text column of every table, with the rows that hold `needle`: "table.column" for each.
    private func traces(of needle: String, in store: any Store) throws -> [String] {
        var columns: [(String, String)] = []
        switch store {
        case let sqlite as AppDatabase:
            try sqlite.writer.read { db in
                for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") {
                    for column in try Row.fetchAll(db, sql: "SELECT name, type FROM pragma_table_info(?)", arguments: [table])
                    where (column["type"] as String).uppercased() == "TEXT" {
                        columns.append((table, column["name"]))
                    }
                }
            }
        case let postgres as PostgresStore:
            columns = try postgres.query("""
                SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns
                WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'character') ORDER BY 1, 2
                """).map { ($0.string("t"), $0.string("c")) }
        default:
            Issue.record("unknown store \(type(of: store))")
        }
        #expect(columns.count > 40, "the scan reaches every table")
        var found: [String] = []
        for (table, column) in columns {
            let count: Int
            switch store {
            case let sqlite as AppDatabase:
                count = try sqlite.writer.read { db in
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM \"\(table)\" WHERE instr(\"\(column)\", ?) > 0", arguments: [needle]) ?? 0
                }
            case let postgres as PostgresStore:
                count = try postgres.query("SELECT count(*) AS n FROM \"\(table)\" WHERE strpos(\"\(column)\", $1) > 0", [needle]).first?.int("n") ?? 0
            default:
                count = 0
            }
            if count > 0 { found.append("\(table).\(column)") }
        }
        return found
    }

    @Test func erasureLeavesNoTraceOfThePersonAndKeepsAnonymousStatistics() throws {
        var erasures: [Erasure] = [], remaining: [[[String]]] = []
        for store in try stores() {
            try seedHelpAndAudit(store)
            if let postgres = store as? PostgresStore {
                // The live events of both requests, as HelpChannels shares them across instances (SQLite keeps them in memory).
                try postgres.publishLiveEvent(channel: "help:1", name: "message", data: #"{"text":"Hallo Zoë, klik op verder"}"#)
                try postgres.publishLiveEvent(channel: "help:2", name: "message", data: #"{"text":"Hallo Piet"}"#)
            }
            let needles = ["Zoë", "Yılmaz", "zoe yilmaz", "yilmaz", "zoe@example.org", "0612345678", "1011AB", "C-1001"]
            for needle in needles { #expect(try !traces(of: needle, in: store).isEmpty, "\(needle) is there before") }
            let piet = try #require(try store.exportCustomerJSON(number: "C-2002"))

            let erased = AuditEvent(at: start.addingTimeInterval(100), action: .customerErased, actorID: 1, actorRole: .staff, subject: "C-1001",
                                    origin: "cli", detail: nil, reason: nil)
            let erasure = try #require(try store.eraseCustomer(number: "C-1001", audit: erased))
            #expect(erasure == Erasure(contacts: 2, sessionsAnonymised: 2, auditRowsPseudonymised: 2))
            erasures.append(erasure)
            for needle in needles { #expect(try traces(of: needle, in: store) == [], "no trace of \(needle)") }
            #expect(try store.exportCustomer(number: "C-1001") == nil)
            #expect(try store.eraseCustomer(number: "C-1001", audit: erased) == nil, "erased once")
            #expect(try store.audit(subject: "C-1001").isEmpty)

            // The audit rows keep who did what under one pseudonym, the erasure's own row among them.
            let pseudonymised = try select("""
                SELECT subject, action, actor_id, origin, detail, reason FROM audit_event WHERE subject LIKE 'erased-%' ORDER BY id
                """, in: store)
            #expect(pseudonymised.map { $0[1] } == ["remote-message-sent", "customer-viewed", "customer-erased"])
            #expect(Set(pseudonymised.map { $0[0] }).count == 1 && pseudonymised[0][0].count == "erased-".count + 12)
            #expect(pseudonymised.map { $0[5] } == ["NULL", "NULL", "NULL"], "reasons cleared")
            #expect(pseudonymised.map { $0[2] } == ["2", "2", "1"] && pseudonymised[0][4] == "remote")

            // Her sessions stay as statistics without free text; his are untouched.
            let kept = try select("""
                SELECT s.id, s.customer_id, s.waiting_seconds, s.messages_read,
                       (SELECT count(*) FROM session_task t WHERE t.session_id = s.id AND t.outcome_detail = '' AND t.follow_up_who IS NULL),
                       (SELECT count(*) FROM session_step p WHERE p.session_id = s.id AND p.description = '' AND p.reason IS NULL),
                       (SELECT count(*) FROM session_step p WHERE p.session_id = s.id),
                       (SELECT count(*) FROM session_note n WHERE n.session_id = s.id)
                FROM assisted_session s ORDER BY s.id
                """, in: store)
            #expect(kept == [["1", "NULL", "120", "1", "1", "2", "2", "0"], ["2", "NULL", "NULL", "0", "1", "0", "0", "0"],
                             ["3", "2", "NULL", "0", "0", "0", "1", "1"]])
            #expect(try store.helpEvents(requestID: 1).map(\.text) == ["", ""], "the colleague's message to her screen is gone")
            #expect(try store.helpEvents(requestID: 2).map(\.text) == ["", "Hallo Piet"])
            #expect(try store.helpRequest(id: 1)?.sessionID == 1, "the request stays with the anonymous session")
            #expect(try select("SELECT count(*) FROM contact", in: store) == [["1"]])
            #expect(try select("SELECT count(*) FROM consent", in: store) == [["1"]])
            #expect(try select("SELECT count(*) FROM message", in: store) == [["1"]])
            #expect(try select("SELECT count(*) FROM follow_up", in: store) == [["1"]])
            #expect(try store.exportCustomerJSON(number: "C-2002") == piet, "the other customer's record is as it was")
            #expect(try store.audit(subject: "C-2002").first?.reason == "Piet vroeg om hulp")
            remaining.append(kept)

            if let postgres = store as? PostgresStore {
                #expect(try postgres.query("SELECT count(*) AS n FROM customer_name_word WHERE customer_id = 1").first?.int("n") == 0)
                #expect(try postgres.liveEvents(channel: "help:1", after: 0, limit: 10).isEmpty, "the message to her screen is gone from the live events")
                #expect(try postgres.liveEvents(channel: "help:2", after: 0, limit: 10).map(\.data) == [#"{"text":"Hallo Piet"}"#])
                // The tables were vacuumed after the commit: the dead row versions that held her values are gone, counted
                // in the pages themselves (pgstattuple; the statistics' n_dead_tup can lag: a backend flushes its counts
                // up to a second late, after the VACUUM's own report).
                _ = try postgres.query("CREATE EXTENSION IF NOT EXISTS pgstattuple")
                let vacuumed = try postgres.query("""
                    SELECT relname::text AS t, (pgstattuple(relid)).dead_tuple_count AS dead, last_vacuum IS NOT NULL AS done
                    FROM pg_stat_user_tables
                    WHERE relname IN ('customer', 'contact', 'session_step', 'session_note', 'help_event', 'audit_event') ORDER BY 1
                    """)
                #expect(vacuumed.count == 6 && vacuumed.allSatisfy { $0.bool("done") == true && $0.int("dead") == 0 },
                        "\(vacuumed.map { "\($0.string("t")) \($0.string("dead")) \($0.string("done"))" })")
                #expect(try postgres.query("SHOW statement_timeout").first?["statement_timeout"] == "10s", "the timeout is back after VACUUM")
                // Outside erasure the audit trail still refuses every change.
                #expect(throws: PostgresError.self) {
                    try postgres.write { try $0.execute("UPDATE audit_event SET reason = NULL WHERE subject = 'C-2002'") }
                }
            }
        }
        #expect(erasures.count == 2 && erasures[0] == erasures[1])
        #expect(remaining.count == 2 && remaining[0] == remaining[1])
    }

    @Test func erasingSomeoneWhoIsNotThereChangesNothing() throws {
        for store in try stores() {
            try seedHelpAndAudit(store)
            let before = try select("SELECT count(*) FROM audit_event", in: store)
            let event = AuditEvent(at: start, action: .customerErased, actorID: 1, subject: "C-9999", origin: "cli")
            #expect(try store.eraseCustomer(number: "C-9999", audit: event) == nil)
            #expect(try select("SELECT count(*) FROM audit_event", in: store) == before && before == [["4"]])
            #expect(try store.exportCustomer(number: "C-1001") != nil)
        }
    }
}
