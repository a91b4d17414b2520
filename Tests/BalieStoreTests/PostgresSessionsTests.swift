import BalieCore
import Foundation
import GRDB
import Testing
@testable import BalieStore

/// Assisted sessions and the insights read from them on PostgreSQL behave as on SQLite: each test runs the same body
/// against both stores (fresh databases, so ids match too), checks real values and that both stores gave the same.
@Suite struct PostgresSessionsTests {
    /// One store under test, with plain SQL for what other repositories would write (staff, customers, messages,
    /// tickets, help requests) and for reading rows back.
    private typealias Subject = StoreUnderTest

    /// Runs `body` on both stores; both must give the same.
    @discardableResult
    private func onBoth<T: Equatable>(_ body: (Subject) throws -> T) throws -> [T] {
        let results = try Subject.both().map { try body($0) }
        #expect(results.count == 2)
        #expect(results.first == results.last, "SQLite and PostgreSQL differ")
        return results
    }

    private let base = Date(timeIntervalSince1970: 1_800_000_000.25)

    private func newSession(_ store: any SessionRepository, staff: Int64, customer: Int64?, branch: String = "oost", at offset: Double = 0,
                            waiting: Int? = nil) throws -> Int64 {
        let session = try store.createSession(AssistedSession(
            customerID: customer, staffID: staff, kiosk: "kiosk-1", branch: branch, startedAt: base + offset, waitingSeconds: waiting,
            language: "nl"))
        return try #require(session.id)
    }

    private func task(_ id: String, _ group: TaskGroup = .digitalGovernment, at offset: Double = 10) -> SessionTask {
        SessionTask(taskID: id, names: ["nl": "Taak \(id)", "tr": "Görev \(id) — ş"], group: group, addedAt: base + offset)
    }

    private func contact(_ customer: Int64, at offset: Double, topic: String = "DigiD aanvragen") -> Contact {
        Contact(customerID: customer, channel: .kioskAssisted, at: base + offset, topic: topic, summary: "Taak: opgelost\nDuur: 5 min",
                outcome: "opgelost", sourceSystem: "balie")
    }

    /// Hands a session over and closes it, with a contact for an identified one.
    private func close(_ store: any SessionRepository, _ id: Int64, customer: Int64?, at offset: Double, effort: Int? = 5,
                       reliance: SelfReliance? = .yes, advice: PreferredChannel? = nil) throws {
        try store.handOver(sessionID: id, channelAdvice: advice)
        try store.closeSession(sessionID: id, effortScore: effort, selfReliance: reliance, at: base + offset,
                               contact: customer.map { contact($0, at: offset) }, followUps: [])
    }

    private struct ReadBack: Equatable {
        var full: AssistedSession?
        var brief: AssistedSession?
        var missing: AssistedSession?
        var steps: Int
        var stepsOfMissing: Int
        var earlierVisits: [[String?]]
    }

    @Test func sessionsReadBackWithTheirTasksStepsAndNotes() throws {
        let results = try onBoth { subject in
            let store = subject.store
            let staff = try subject.addStaff()
            let customer = try subject.addCustomer("C-1", "Jan", "de Vries")
            let id = try newSession(store, staff: staff, customer: customer, waiting: 125)
            let digid = try store.addTask(sessionID: id, task("digid"))
            let bank = try store.addTask(sessionID: id, task("bank-app", .banking, at: 15))
            #expect(digid.id != nil && bank.id != nil && digid.id != bank.id)
            #expect(digid.names == ["nl": "Taak digid", "tr": "Görev digid — ş"])
            try store.addStep(sessionID: id, SessionStep(sessionTaskID: digid.id!, description: "Ingelogd", actor: .customerAlone, reason: nil,
                                                         at: base + 20))
            try store.addStep(sessionID: id, SessionStep(sessionTaskID: bank.id!, description: "App geïnstalleerd", actor: .staffOnBehalf,
                                                         reason: "Geen eigen telefoon", at: base + 30))
            try store.addStep(sessionID: id, SessionStep(sessionTaskID: digid.id!, description: "Code ontvangen", actor: .customerWithHelp,
                                                         reason: nil, at: base + 25))
            try store.addNote(sessionID: id, SessionNote(text: "Wil het volgende keer zelf proberen", at: base + 40))
            try store.addNote(sessionID: id, SessionNote(text: "Bril vergeten", at: base + 35))

            let full = try #require(try store.session(id: id))
            #expect(full.customerID == customer && full.staffID == staff && full.kiosk == "kiosk-1" && full.branch == "oost")
            #expect(full.startedAt == base && full.finishedAt == nil && full.waitingSeconds == 125 && full.phase == .open && full.language == "nl")
            #expect(full.tasks.map(\.taskID) == ["digid", "bank-app"])
            #expect(full.tasks.map(\.group) == [.digitalGovernment, .banking])
            #expect(full.tasks.map(\.outcome) == [nil, nil])
            #expect(full.tasks[1].addedAt == base + 15)
            // In the order they were added, not by time.
            #expect(full.steps.map(\.description) == ["Ingelogd", "App geïnstalleerd", "Code ontvangen"])
            #expect(full.steps.map(\.actor) == [.customerAlone, .staffOnBehalf, .customerWithHelp])
            #expect(full.steps.map(\.reason) == [nil, "Geen eigen telefoon", nil])
            #expect(full.steps(of: full.tasks[0]).count == 2)
            #expect(full.notes.map(\.text) == ["Wil het volgende keer zelf proberen", "Bril vergeten"])
            #expect(full.notes.map(\.at) == [base + 40, base + 35])
            #expect(full.effortScore == nil && full.selfReliance == nil && full.channelAdvice == nil)

            let brief = try store.session(id: id, details: false)
            #expect(brief?.tasks == full.tasks)
            #expect(brief?.steps == [] && brief?.notes == [])

            // How often the customer came for the same task before: 1 in a second session, none for an anonymous one.
            let second = try newSession(store, staff: staff, customer: customer, at: 3600)
            try store.addTask(sessionID: second, task("digid", at: 3610))
            try store.addTask(sessionID: second, task("paspoort", at: 3620))
            let anonymous = try newSession(store, staff: staff, customer: nil, at: 7200)
            try store.addTask(sessionID: anonymous, task("digid", at: 7210))
            let earlier = try subject.run("SELECT session_id, task_id, earlier_visits FROM session_task ORDER BY id")
            #expect(earlier.map { $0[2] } == ["0", "0", "1", "0", nil], "\(subject.name)")

            return ReadBack(full: full, brief: brief, missing: try store.session(id: 999), steps: try store.stepCount(sessionID: id),
                            stepsOfMissing: try store.stepCount(sessionID: 999), earlierVisits: earlier)
        }
        for result in results {
            #expect(result.missing == nil)
            #expect(result.steps == 3 && result.stepsOfMissing == 0)
        }
    }

    @Test func aTaskKeepsItsFirstOutcome() throws {
        let due = base + 7 * 86_400 + 0.5
        try onBoth { subject -> [[String?]] in
            let store = subject.store
            let staff = try subject.addStaff()
            let id = try newSession(store, staff: staff, customer: nil)
            let other = try newSession(store, staff: staff, customer: nil, at: 5)
            let outcomes: [TaskOutcome] = [
                .resolved, .partly("Formulier half ingevuld"), .referred(partner: "Schuldhulp West", handover: "Brief meegegeven"),
                .followUp(who: "Piet", due: due, channel: .email), .notPossible(reason: "Storing bij DigiD"),
            ]
            var tasks: [SessionTask] = []
            for (index, _) in outcomes.enumerated() { tasks.append(try store.addTask(sessionID: id, task("taak-\(index)", at: Double(index)))) }
            for (task, outcome) in zip(tasks, outcomes) {
                try store.finishTask(sessionID: id, taskID: task.id!, outcome: outcome, at: base + 100)
            }
            // Finished already: the first outcome stays. Another session's id changes nothing either.
            try store.finishTask(sessionID: id, taskID: tasks[0].id!, outcome: .notPossible(reason: "later"), at: base + 200)
            let open = try store.addTask(sessionID: id, task("open", at: 50))
            try store.finishTask(sessionID: other, taskID: open.id!, outcome: .resolved, at: base + 200)

            let stored = try #require(try store.session(id: id))
            #expect(stored.tasks.map(\.outcome) == outcomes + [nil], "\(subject.name)")
            let rows = try subject.run("""
                SELECT outcome, outcome_detail, partner, follow_up_who, follow_up_due, follow_up_channel, finished_at FROM session_task ORDER BY id
                """)
            #expect(rows[0] == ["resolved", "", nil, nil, nil, nil, "1800000100.25"])
            #expect(rows[3] == ["follow-up", "", nil, "Piet", "1800604800.75", "email", "1800000100.25"])
            #expect(rows[5] == [nil, "", nil, nil, nil, nil, nil])
            return rows
        }
    }

    private struct Closing: Equatable {
        var whileOpen: AssistedSession.Phase?
        var handedOver: AssistedSession?
        var closed: AssistedSession?
        var tickets: [[String?]]
        var contacts: [[String?]]
        var followUps: [[String?]]
        var counts: [Int]
    }

    @Test func closingAnIdentifiedSessionWritesTheRecordAndFinishesTheTicket() throws {
        let results = try onBoth { subject in
            let store = subject.store
            let staff = try subject.addStaff()
            let customer = try subject.addCustomer("C-1", "Fatma", "Yılmaz")
            #expect(try store.sessionCounts().started == 0)
            let id = try newSession(store, staff: staff, customer: customer)
            let digid = try store.addTask(sessionID: id, task("digid"))
            try store.finishTask(sessionID: id, taskID: digid.id!, outcome: .resolved, at: base + 50)
            try subject.run("""
                INSERT INTO queue_ticket (branch, day, number, task_group, priority, status, created_at, session_id)
                VALUES ('oost', '2027-01-15', 1, 'banking', false, 'serving', ?, ?)
                """, ["1799999000.5", String(id)])
            let followUp = FollowUp(customerID: customer, description: "DigiD — Piet belt terug", due: base + 86_400, channel: .phone)

            // Not handed over yet: closing changes nothing.
            try store.closeSession(sessionID: id, effortScore: 6, selfReliance: .yes, at: base + 60, contact: contact(customer, at: 60),
                                   followUps: [followUp])
            let whileOpen = try store.session(id: id)?.phase
            #expect(whileOpen == .open)
            #expect(try subject.run("SELECT count(*) FROM contact") == [["0"]])

            try store.handOver(sessionID: id, channelAdvice: .app)
            try store.handOver(sessionID: id, channelAdvice: .email)  // handed over already: the first advice stays
            let handedOver = try store.session(id: id)
            #expect(handedOver?.phase == .customerFeedback && handedOver?.channelAdvice == .app)

            try store.closeSession(sessionID: id, effortScore: 6, selfReliance: .withALittleHelp, at: base + 70,
                                   contact: contact(customer, at: 70), followUps: [followUp])
            // Closed already: a second close writes nothing.
            try store.closeSession(sessionID: id, effortScore: 1, selfReliance: .notYet, at: base + 80, contact: contact(customer, at: 80),
                                   followUps: [followUp])
            let closed = try #require(try store.session(id: id))
            #expect(closed.phase == .closed && closed.finishedAt == base + 70 && closed.effortScore == 6 && closed.selfReliance == .withALittleHelp)
            #expect(closed.customerID == customer && closed.tasks.map(\.outcome) == [.resolved])

            // A contact already in the record (same customer, channel, time and topic) is not written twice; one whose
            // topic is too long for the record is left out as SQLite's INSERT OR IGNORE does; the session closes all the same.
            for (offset, topic) in [(0.0, "DigiD aanvragen"), (200.0, String(repeating: "x", count: 201))] {
                let next = try newSession(store, staff: staff, customer: customer, at: 100 + offset)
                try store.handOver(sessionID: next, channelAdvice: nil)
                try store.closeSession(sessionID: next, effortScore: nil, selfReliance: nil, at: base + 70,
                                       contact: contact(customer, at: 70 + offset, topic: topic), followUps: [followUp])
                #expect(try store.session(id: next)?.phase == .closed)
            }

            let tickets = try subject.run("SELECT session_id, status, finished_at FROM queue_ticket ORDER BY id")
            #expect(tickets == [[String(id), "done", "1800000070.25"]], "\(subject.name)")
            let contacts = try subject.run("SELECT customer_id, channel, at, topic, summary, outcome, source_system FROM contact ORDER BY id")
            #expect(contacts == [[String(customer), "kiosk-assisted", "1800000070.25", "DigiD aanvragen", "Taak: opgelost\nDuur: 5 min",
                                  "opgelost", "balie"]], "\(subject.name)")
            let followUps = try subject.run(
                "SELECT customer_id, description, due, channel, CASE WHEN done THEN 1 ELSE 0 END FROM follow_up ORDER BY id")
            #expect(followUps.count == 3)
            #expect(followUps.first == [String(customer), "DigiD — Piet belt terug", "1800086400.25", "phone", "0"])
            let counts = try store.sessionCounts()
            #expect(counts.started == 3 && counts.finished == 3)
            return Closing(whileOpen: whileOpen, handedOver: handedOver, closed: closed, tickets: tickets, contacts: contacts,
                           followUps: followUps, counts: [counts.started, counts.finished])
        }
        #expect(results.allSatisfy { $0.closed?.channelAdvice == .app })
    }

    private struct Anonymised: Equatable {
        var session: AssistedSession?
        var untouched: AssistedSession?
        var rows: [[String?]]
        var helpTexts: [[String?]]
    }

    @Test func closingAnAnonymousSessionWipesTheFreeText() throws {
        try onBoth { subject in
            let store = subject.store
            let staff = try subject.addStaff()
            let customer = try subject.addCustomer("C-1", "Jan", "de Vries")
            var ids: [Int64] = []
            for offset in [0.0, 1000] {
                let id = try newSession(store, staff: staff, customer: customer, at: offset)
                let first = try store.addTask(sessionID: id, task("digid", at: offset + 1))
                let second = try store.addTask(sessionID: id, task("bank", .banking, at: offset + 2))
                try store.finishTask(sessionID: id, taskID: first.id!, outcome: .partly("Half ingevuld met BSN 123"), at: base + offset + 5)
                try store.finishTask(sessionID: id, taskID: second.id!, outcome: .followUp(who: "Piet", due: base + 86_400, channel: .letter),
                                     at: base + offset + 6)
                try store.addStep(sessionID: id, SessionStep(sessionTaskID: first.id!, description: "Wachtwoord is Zomer2027",
                                                             actor: .staffOnBehalf, reason: "Beperkt zicht", at: base + offset + 3))
                try store.addNote(sessionID: id, SessionNote(text: "Adres: Dorpsstraat 1", at: base + offset + 4))
                let help = try subject.insertID("""
                    INSERT INTO help_request (kiosk, branch, topic, session_id, language, status, created_at) VALUES ('kiosk-1', 'oost', 'DigiD', ?, 'nl', 'ended', ?)
                    """, [String(id), "1800000001.5"])
                try subject.run("INSERT INTO help_event (help_request_id, at, kind, text) VALUES (?, ?, 'message', ?)",
                                [String(help), "1800000002.5", "Klik op Volgende"])
                ids.append(id)
            }
            // Consent withdrawn: no contact, so the first session is kept for statistics only.
            try store.handOver(sessionID: ids[0], channelAdvice: .letter)
            try store.closeSession(sessionID: ids[0], effortScore: 4, selfReliance: .notYet, at: base + 60, contact: nil,
                                   followUps: [FollowUp(customerID: customer, description: "never", due: base, channel: .phone)])

            let session = try #require(try store.session(id: ids[0]))
            #expect(session.customerID == nil && session.phase == .closed && session.effortScore == 4 && session.selfReliance == .notYet)
            #expect(session.tasks.map(\.outcome) == [.partly(""), .followUp(who: "", due: base + 86_400, channel: .letter)])
            #expect(session.steps.map(\.description) == [""] && session.steps.map(\.reason) == [nil] && session.steps.map(\.actor) == [.staffOnBehalf])
            #expect(session.notes == [])
            let untouched = try #require(try store.session(id: ids[1]))
            #expect(untouched.customerID == customer && untouched.notes.map(\.text) == ["Adres: Dorpsstraat 1"])
            #expect(untouched.steps.map(\.description) == ["Wachtwoord is Zomer2027"])
            let helpTexts = try subject.run("SELECT r.session_id, e.text FROM help_event e JOIN help_request r ON r.id = e.help_request_id ORDER BY e.id")
            #expect(helpTexts == [[String(ids[0]), ""], [String(ids[1]), "Klik op Volgende"]], "\(subject.name)")
            let rows = try subject.run("""
                SELECT (SELECT count(*) FROM contact), (SELECT count(*) FROM follow_up), (SELECT count(*) FROM session_note),
                       (SELECT count(*) FROM session_task WHERE outcome_detail = '' AND follow_up_who IS NULL)
                """)
            #expect(rows == [["0", "0", "1", "2"]], "\(subject.name)")
            return Anonymised(session: session, untouched: untouched, rows: rows, helpTexts: helpTexts)
        }
    }

    private struct Reading: Equatable {
        var answers: [Bool]
        var messages: [[String?]]
        var contacts: [[String?]]
        var sessions: [[String?]]
    }

    @Test func readingAMessageTogetherCountsOnce() throws {
        let results = try onBoth { subject in
            let store = subject.store
            let staff = try subject.addStaff()
            let jan = try subject.addCustomer("C-1", "Jan", "de Vries")
            let els = try subject.addCustomer("C-2", "Els", "Bakker")
            let session = try newSession(store, staff: staff, customer: jan)
            let unread = try subject.addMessage(customer: jan, title: "Uw aanslag 2027")
            let read = try subject.addMessage(customer: jan, title: "Al gelezen", read: true)
            let another = try subject.addMessage(customer: jan, title: "Herinnering")
            let reading = { (offset: Double) in
                Contact(customerID: jan, channel: .kioskAssisted, at: self.base + offset, topic: "Bericht samen gelezen", summary: "Uw aanslag 2027",
                        outcome: "gelezen", sourceSystem: "balie")
            }
            var answers: [Bool] = []
            answers.append(try store.readTogether(messageID: unread, customerID: jan, contact: reading(10), sessionID: session))
            answers.append(try store.readTogether(messageID: unread, customerID: jan, contact: reading(11), sessionID: session))  // read now
            answers.append(try store.readTogether(messageID: read, customerID: jan, contact: reading(12), sessionID: session))
            answers.append(try store.readTogether(messageID: another, customerID: els, contact: reading(13), sessionID: session))  // not Els's
            answers.append(try store.readTogether(messageID: 999, customerID: jan, contact: reading(14), sessionID: session))
            answers.append(try store.readTogether(messageID: another, customerID: jan, contact: reading(15), sessionID: nil))
            #expect(answers == [true, false, false, false, false, true], "\(subject.name)")
            let messages = try subject.run("SELECT id, CASE WHEN read THEN 1 ELSE 0 END FROM message ORDER BY id")
            #expect(messages == [[String(unread), "1"], [String(read), "1"], [String(another), "1"]])
            let contacts = try subject.run("SELECT customer_id, at, topic FROM contact ORDER BY id")
            #expect(contacts == [[String(jan), "1800000010.25", "Bericht samen gelezen"], [String(jan), "1800000015.25", "Bericht samen gelezen"]])
            let sessions = try subject.run("SELECT id, messages_read FROM assisted_session")
            #expect(sessions == [[String(session), "1"]], "\(subject.name)")
            return Reading(answers: answers, messages: messages, contacts: contacts, sessions: sessions)
        }
        #expect(results.count == 2)
    }

    @Test func openSessionsOfTheBranchesInScopeOldestFirst() throws {
        try onBoth { subject -> [[OpenSessionSummary]] in
            let store = subject.store
            let anna = try subject.addStaff("anna"), piet = try subject.addStaff("piet")
            let jan = try subject.addCustomer("C-1", "Jan", "de Vries")
            let atOost = try newSession(store, staff: anna, customer: jan, branch: "oost", at: 20)
            let atWest = try newSession(store, staff: piet, customer: nil, branch: "west", at: 10)
            let closed = try newSession(store, staff: anna, customer: jan, branch: "oost", at: 5)
            try close(store, closed, customer: jan, at: 30)
            let feedback = try newSession(store, staff: anna, customer: nil, branch: "oost", at: 30)
            try store.handOver(sessionID: feedback, channelAdvice: nil)
            let sameTime = try newSession(store, staff: piet, customer: nil, branch: "noord", at: 20)

            let all = try store.openSessions(branches: .all)
            #expect(all.map(\.id) == [atWest, atOost, sameTime, feedback], "\(subject.name)")
            #expect(all.map(\.customerName) == [nil, "Jan de Vries", nil, nil])
            #expect(all.map(\.staffID) == [piet, anna, piet, anna] && all.map(\.branch) == ["west", "oost", "noord", "oost"])
            #expect(all.first?.startedAt == base + 10)
            let oost = try store.openSessions(branches: .only(["oost"]))
            #expect(oost.map(\.id) == [atOost, feedback])
            let two = try store.openSessions(branches: .only(["oost", "west"]))
            #expect(two.map(\.id) == [atWest, atOost, feedback])
            #expect(try store.openSessions(branches: .only([])) == [])
            #expect(try store.openSessions(branches: .only(["zuid"])) == [])
            return [all, oost, two]
        }
    }

    @Test func taskHistoryOfClosedSessionsByTaskThenDate() throws {
        try onBoth { subject -> [TaskHistoryEntry] in
            let store = subject.store
            let staff = try subject.addStaff()
            let jan = try subject.addCustomer("C-1", "Jan", "de Vries")
            let els = try subject.addCustomer("C-2", "Els", "Bakker")
            func session(_ customer: Int64, at offset: Double, tasks: [(String, [StepActor])], closing reliance: SelfReliance?) throws {
                let id = try newSession(store, staff: staff, customer: customer, at: offset)
                for (taskID, actors) in tasks {
                    let added = try store.addTask(sessionID: id, task(taskID, at: offset + 1))
                    for (index, actor) in actors.enumerated() {
                        try store.addStep(sessionID: id, SessionStep(sessionTaskID: added.id!, description: "stap \(index)", actor: actor,
                                                                     reason: actor == .staffOnBehalf ? "reden" : nil, at: base + offset + 2))
                    }
                }
                if let reliance { try close(store, id, customer: customer, at: offset + 50, reliance: reliance) }
            }
            try session(jan, at: 86_400, tasks: [("digid", [.customerAlone])], closing: .yes)
            try session(jan, at: 0, tasks: [("digid", [.staffOnBehalf, .customerWithHelp, .customerAlone]), ("Zorgtoeslag", [.staffOnBehalf]),
                                            ("aanvraag", [])], closing: .notYet)
            try session(jan, at: 2 * 86_400, tasks: [("digid", [.customerAlone])], closing: nil)  // still open
            try session(els, at: 0, tasks: [("digid", [.customerWithHelp])], closing: .withALittleHelp)

            let history = try store.taskHistory(customerID: jan)
            // Task ids in byte order (upper case first), then by date.
            #expect(history.map(\.taskID) == ["Zorgtoeslag", "aanvraag", "digid", "digid"], "\(subject.name)")
            #expect(history.map(\.date) == [base, base, base, base + 86_400])
            #expect(history.map(\.actors) == [[.staffOnBehalf], [], [.staffOnBehalf, .customerWithHelp, .customerAlone], [.customerAlone]])
            #expect(history.map(\.selfReliance) == [.notYet, .notYet, .notYet, .yes])
            #expect(history.first?.taskNames == ["nl": "Taak Zorgtoeslag", "tr": "Görev Zorgtoeslag — ş"])
            #expect(try store.taskHistory(customerID: els).map(\.actors) == [[.customerWithHelp]])
            #expect(try store.taskHistory(customerID: 999) == [])
            return history
        }
    }

    private struct Listing: Equatable {
        var lists: [[AssistedSession]]
    }

    @Test func sessionListFiltersAndPagesNewestFirst() throws {
        try onBoth { subject in
            let store = subject.store
            let staff = try subject.addStaff()
            let jan = try subject.addCustomer("C-1", "Jan", "de Vries")
            // Ids 1…6: oost at 0, west at 100, oost at 200 (closed), noord at 300, oost at 400, west at 500.
            var ids: [Int64] = []
            for (index, branch) in ["oost", "west", "oost", "noord", "oost", "west"].enumerated() {
                let id = try newSession(store, staff: staff, customer: index.isMultiple(of: 2) ? jan : nil, branch: branch, at: Double(index) * 100)
                let added = try store.addTask(sessionID: id, task(index.isMultiple(of: 3) ? "digid" : "bank", at: Double(index) * 100 + 1))
                try store.addStep(sessionID: id, SessionStep(sessionTaskID: added.id!, description: "stap", actor: .customerAlone, reason: nil,
                                                             at: base + Double(index) * 100 + 2))
                try store.addNote(sessionID: id, SessionNote(text: "notitie \(index)", at: base + Double(index) * 100 + 3))
                ids.append(id)
            }
            try close(store, ids[2], customer: jan, at: 250)
            func list(from: Double? = nil, to: Double? = nil, branch: String? = nil, branches: BranchScope = .all, taskID: String? = nil,
                      before: Int64? = nil, limit: Int = 50) throws -> [AssistedSession] {
                try store.sessionList(from: from.map { base + $0 }, to: to.map { base + $0 }, branch: branch, branches: branches, taskID: taskID,
                                      beforeID: before, limit: limit)
            }
            let all = try list()
            #expect(all.map(\.id) == ids.reversed(), "\(subject.name)")
            #expect(all.allSatisfy { $0.tasks.count == 1 && $0.steps.count == 1 && $0.notes.count == 1 })
            #expect(all.last?.notes.map(\.text) == ["notitie 0"] && all.last?.customerID == jan)
            #expect(all[3].phase == .closed && all[3].finishedAt == base + 250)
            let ranged = try list(from: 100, to: 400)  // from is inclusive, to is not
            #expect(ranged.map(\.id) == [ids[3], ids[2], ids[1]])
            let west = try list(branch: "west")
            #expect(west.map(\.id) == [ids[5], ids[1]])
            let scoped = try list(branches: .only(["oost", "noord"]))
            #expect(scoped.map(\.id) == [ids[4], ids[3], ids[2], ids[0]])
            #expect(try list(branch: "west", branches: .only(["oost"])) == [])
            #expect(try list(branches: .only([])) == [])
            let digid = try list(taskID: "digid")
            #expect(digid.map(\.id) == [ids[3], ids[0]])
            // The cursor: pages of two, each continuing before the last id of the one before.
            let first = try list(limit: 2)
            let second = try list(before: first.last?.id, limit: 2)
            let third = try list(before: second.last?.id, limit: 2)
            let fourth = try list(before: third.last?.id, limit: 2)
            #expect((first + second + third).map(\.id) == ids.reversed() && fourth == [])
            #expect(try list(limit: 0) == [])
            #expect(try list(limit: -1).count == 6)  // no limit, as SQLite reads a negative one
            let combined = try list(from: 0, to: 600, branch: "oost", branches: .only(["oost"]), taskID: "bank", before: ids[5], limit: 5)
            #expect(combined.map(\.id) == [ids[4], ids[2]])
            return Listing(lists: [all, ranged, west, scoped, digid, first, second, third, combined])
        }
    }

    @Test func sessionCountsCountStartedAndFinished() throws {
        let results = try onBoth { subject -> [Int] in
            let store = subject.store
            let empty = try store.sessionCounts()
            #expect(empty.started == 0 && empty.finished == 0)
            let staff = try subject.addStaff()
            let jan = try subject.addCustomer("C-1", "Jan", "de Vries")
            let identified = try newSession(store, staff: staff, customer: jan)
            let anonymous = try newSession(store, staff: staff, customer: nil, at: 10)
            let feedback = try newSession(store, staff: staff, customer: nil, at: 20)
            _ = try newSession(store, staff: staff, customer: nil, at: 30)
            try close(store, identified, customer: jan, at: 40)
            try close(store, anonymous, customer: nil, at: 50)
            try store.handOver(sessionID: feedback, channelAdvice: nil)
            let counts = try store.sessionCounts()
            return [counts.started, counts.finished]
        }
        #expect(results.allSatisfy { $0 == [4, 2] })
    }

    @Test func insightsReadFinishedSessionsInTheRangeAndScope() throws {
        try onBoth { subject -> [[InsightSession]] in
            let store = subject.store
            let staff = try subject.addStaff()
            let jan = try subject.addCustomer("C-1", "Jan", "de Vries")
            // An earlier visit for DigiD, outside the range.
            let before = try newSession(store, staff: staff, customer: jan, at: -86_400)
            try store.addTask(sessionID: before, task("digid", at: -86_399))
            try close(store, before, customer: jan, at: -86_300)

            let inRange = try newSession(store, staff: staff, customer: jan, at: 100, waiting: 300)
            let digid = try store.addTask(sessionID: inRange, task("digid", at: 101))
            let bank = try store.addTask(sessionID: inRange, task("bank", .banking, at: 102))
            try store.addStep(sessionID: inRange, SessionStep(sessionTaskID: bank.id!, description: "a", actor: .staffOnBehalf, reason: "r", at: base + 103))
            try store.addStep(sessionID: inRange, SessionStep(sessionTaskID: digid.id!, description: "b", actor: .customerWithHelp, reason: nil, at: base + 104))
            try store.addStep(sessionID: inRange, SessionStep(sessionTaskID: digid.id!, description: "c", actor: .customerAlone, reason: nil, at: base + 105))
            try store.finishTask(sessionID: inRange, taskID: digid.id!, outcome: .resolved, at: base + 106)
            try store.finishTask(sessionID: inRange, taskID: bank.id!, outcome: .referred(partner: "Bank West", handover: "map"), at: base + 107)
            let message = try subject.addMessage(customer: jan, title: "Uw aanslag")
            #expect(try store.readTogether(messageID: message, customerID: jan, contact: contact(jan, at: 108, topic: "Bericht samen gelezen"),
                                           sessionID: inRange))
            try close(store, inRange, customer: jan, at: 700, effort: 6, reliance: .withALittleHelp, advice: .app)

            let atFrom = try newSession(store, staff: staff, customer: nil, branch: "west", at: 0)  // from is inclusive
            try store.addTask(sessionID: atFrom, task("paspoort", .other, at: 1))
            try close(store, atFrom, customer: nil, at: 60, effort: nil, reliance: nil)
            let atTo = try newSession(store, staff: staff, customer: nil, at: 1000)  // to is not
            try close(store, atTo, customer: nil, at: 1060)
            _ = try newSession(store, staff: staff, customer: nil, at: 50)  // still open

            let sessions = try store.insightSessions(from: base, to: base + 1000, branches: .all)
            #expect(sessions.map(\.startedAt) == [base, base + 100], "\(subject.name)")
            let west = try #require(sessions.first), oost = try #require(sessions.last)
            #expect(west.tasks.map(\.taskID) == ["paspoort"] && west.tasks.first?.earlierVisits == nil && west.effortScore == nil)
            #expect(west.finishedAt == base + 60 && west.messagesRead == 0 && west.waitingSeconds == nil)
            #expect(oost.finishedAt == base + 700 && oost.waitingSeconds == 300 && oost.effortScore == 6 && oost.selfReliance == .withALittleHelp)
            #expect(oost.channelAdvice == .app && oost.messagesRead == 1)
            #expect(oost.tasks == [
                InsightSession.Task(taskID: "digid", group: .digitalGovernment, names: ["nl": "Taak digid", "tr": "Görev digid — ş"],
                                    outcome: "resolved", partner: nil, earlierVisits: 1, actors: [.customerWithHelp, .customerAlone]),
                InsightSession.Task(taskID: "bank", group: .banking, names: ["nl": "Taak bank", "tr": "Görev bank — ş"], outcome: "referred",
                                    partner: "Bank West", earlierVisits: 0, actors: [.staffOnBehalf]),
            ])
            let oostOnly = try store.insightSessions(from: base, to: base + 1000, branches: .only(["oost"]))
            #expect(oostOnly == [oost])
            #expect(try store.insightSessions(from: base, to: base + 1000, branches: .only([])) == [])
            let wider = try store.insightSessions(from: base - 86_400, to: base + 1001, branches: .all)
            #expect(wider.count == 4)
            return [sessions, oostOnly, wider]
        }
    }
}

fileprivate extension StoreUnderTest {
    var store: any SessionRepository & InsightRepository { recordStore }

    /// One statement with `?` placeholders (none inside literals), values as text (SQLite's STRICT columns take them
    /// losslessly); the rows as text, SQLite's whole REALs written as PostgreSQL writes them ("12", not "12.0").
    @discardableResult
    func run(_ sql: String, _ values: [String?] = []) throws -> [[String?]] {
        switch self {
        case .sqlite(let database):
            return try database.writer.write { db in
                try Row.fetchAll(db, sql: sql, arguments: StatementArguments(values.map { $0 as (any DatabaseValueConvertible)? })).map { row in
                    row.databaseValues.map { value -> String? in
                        switch value.storage {
                        case .null: nil
                        case .int64(let integer): String(integer)
                        case .double(let double): double == double.rounded() && abs(double) < 1e15 ? String(Int64(double)) : String(double)
                        case .string(let text): text
                        case .blob(let data): data.base64EncodedString()
                        }
                    }
                }
            }
        case .postgres(let store):
            var numbered = "", count = 0
            for character in sql {
                if character == "?" { count += 1; numbered += "$\(count)" } else { numbered.append(character) }
            }
            return try store.write { try $0.execute(numbered, values).rows }
        }
    }

    func insertID(_ sql: String, _ values: [String?] = []) throws -> Int64 {
        guard let id = try run(sql + " RETURNING id", values).first?.first.flatMap({ $0 }).flatMap({ Int64($0) }) else {
            throw TestPostgresProblem("no id from \(sql)")
        }
        return id
    }

    func addStaff(_ username: String = "anna") throws -> Int64 {
        try insertID("INSERT INTO staff (username, full_name, role, password_hash) VALUES (?, 'Anna Jansen', 'staff', ?)",
                     [username, "$argon2id$x"])
    }

    func addCustomer(_ number: String, _ given: String, _ family: String) throws -> Int64 {
        try insertID("INSERT INTO customer (number, given_name, family_name) VALUES (?, ?, ?)", [number, given, family])
    }

    func addMessage(customer: Int64, title: String, read: Bool = false) throws -> Int64 {
        try insertID("INSERT INTO message (customer_id, title, sent_at, important, read) VALUES (?, ?, ?, false, \(read))",
                     [String(customer), title, "1799990000.5"])
    }
}
