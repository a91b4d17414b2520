import BalieCore
import BalieStore
import Foundation
import Testing

@Suite struct HistoryTests {
    let start = Date(timeIntervalSince1970: 1_790_000_000)

    func database() throws -> (AppDatabase, staffID: Int64, customer: Customer) {
        let db = try AppDatabase(inMemoryNamed: UUID().uuidString)
        try db.insertBranch(Branch(code: "centrum", name: "Bibliotheek Centrum"))
        try db.insertBranch(Branch(code: "stadskantoor", name: "Stadskantoor"))
        let staff = try db.insertStaff(Staff(username: "anna", fullName: "Anna de Boer", role: .staff, branches: ["centrum"],
                                             passwordHash: "$argon2id$x"))
        let customers = try db.insertCustomers([
            Customer(number: "100003", givenName: "Jan", familyName: "Bos", accessibilityNeeds: [.largeText], note: "Komt op dinsdag"),
            Customer(number: "100010", givenName: "Fatma", familyName: "Yılmaz"),
        ])
        return (db, staff.id!, customers[0])
    }

    func visit(customer: Int64?, staffID: Int64, daysLater: Double, actor: StepActor, outcome: TaskOutcome,
               branch: String = "centrum", kiosk: String = "kiosk-1") -> AssistedSession {
        let at = start.addingTimeInterval(daysLater * 86_400)
        return AssistedSession(
            customerID: customer, staffID: staffID, kiosk: kiosk, branch: branch, startedAt: at, finishedAt: at.addingTimeInterval(1_200),
            waitingSeconds: 180, phase: .closed, language: "nl",
            tasks: [SessionTask(taskID: "digid-app", names: ["nl": "DigiD-app op de telefoon zetten", "en": "Set up the DigiD app"],
                                group: .digitalGovernment, outcome: outcome, addedAt: at.addingTimeInterval(60)),
                    SessionTask(taskID: "pay-bill", names: ["nl": "Een rekening betalen"], group: .banking, outcome: .resolved,
                                addedAt: at.addingTimeInterval(600))],
            steps: [SessionStep(sessionTaskID: 0, description: "App gedownload", actor: actor,
                                reason: actor == .staffOnBehalf ? "Kleine letters" : nil, at: at.addingTimeInterval(120)),
                    SessionStep(sessionTaskID: 0, description: "Pincode gekozen", actor: actor, reason: nil, at: at.addingTimeInterval(300)),
                    SessionStep(sessionTaskID: 1, description: "Overboeking klaargezet", actor: .customerAlone, reason: nil,
                                at: at.addingTimeInterval(900))],
            notes: [SessionNote(text: "Dochter komt mee", at: at.addingTimeInterval(1_100))],
            effortScore: 6, selfReliance: actor == .customerAlone ? .yes : .notYet, channelAdvice: .app)
    }

    @Test func customersAreStoredWithEverything() throws {
        let (db, _, customer) = try database()
        #expect(customer.id != nil)
        let stored = try #require(try db.customer(number: "100003"))
        #expect(stored.id == customer.id && stored.accessibilityNeeds == [.largeText] && stored.note == "Komt op dinsdag")
        #expect(try db.customerCount() == 2)
        #expect(try db.searchCustomers(.name("yilmaz"), limit: 5).map(\.number) == ["100010"], "the name index is filled")
    }

    @Test func sessionsReadBackAsTheyWereWritten() throws {
        let (db, staffID, customer) = try database()
        let due = start.addingTimeInterval(5 * 86_400)
        let sessions = [
            visit(customer: customer.id, staffID: staffID, daysLater: 0, actor: .staffOnBehalf, outcome: .followUp(who: "Anna de Boer", due: due, channel: .phone)),
            visit(customer: customer.id, staffID: staffID, daysLater: 14, actor: .customerWithHelp,
                  outcome: .referred(partner: "digid-helpdesk", handover: "Vraag doorgegeven")),
            visit(customer: customer.id, staffID: staffID, daysLater: 30, actor: .customerAlone, outcome: .resolved),
            visit(customer: nil, staffID: staffID, daysLater: 31, actor: .customerWithHelp, outcome: .partly("Brief ontbrak"),
                  branch: "stadskantoor", kiosk: "kiosk-3"),
        ]
        let contact = Contact(customerID: customer.id!, channel: .kioskAssisted, at: start.addingTimeInterval(1_200),
                              topic: "DigiD-app op de telefoon zetten, Een rekening betalen", summary: "Duur: 20 min", outcome: "follow-up, resolved",
                              sourceSystem: "balie")
        let ids = try db.insertHistory(sessions, contacts: [contact, contact],
                                       followUps: [FollowUp(customerID: customer.id!, description: "DigiD-app — Anna de Boer", due: due, channel: .phone, isDone: true)],
                                       consents: [Consent(customerID: customer.id!, purpose: .sessionLog, given: true, at: start.addingTimeInterval(-86_400),
                                                          recordedBy: staffID, method: .inPerson)],
                                       staffCalls: [StaffCall(kiosk: "kiosk-3", branch: "stadskantoor", group: .banking, at: start)])
        #expect(ids.count == 4 && Set(ids).count == 4)

        let first = try #require(try db.session(id: ids[0]))
        #expect(first.customerID == customer.id && first.staffID == staffID && first.kiosk == "kiosk-1" && first.branch == "centrum")
        #expect(first.phase == .closed && first.startedAt == start && first.finishedAt == start.addingTimeInterval(1_200))
        #expect(first.waitingSeconds == 180 && first.effortScore == 6 && first.selfReliance == .notYet && first.channelAdvice == .app)
        #expect(first.tasks.map(\.taskID) == ["digid-app", "pay-bill"])
        #expect(first.tasks[0].names["en"] == "Set up the DigiD app" && first.tasks[0].group == .digitalGovernment)
        #expect(first.tasks[0].outcome == .followUp(who: "Anna de Boer", due: due, channel: .phone))
        #expect(first.tasks[1].outcome == .resolved)
        #expect(first.steps.map(\.description) == ["App gedownload", "Pincode gekozen", "Overboeking klaargezet"])
        #expect(first.steps(of: first.tasks[0]).map(\.actor) == [.staffOnBehalf, .staffOnBehalf])
        #expect(first.steps(of: first.tasks[1]).map(\.actor) == [.customerAlone])
        #expect(first.steps[0].reason == "Kleine letters" && first.steps[0].at == start.addingTimeInterval(120))
        #expect(first.notes.map(\.text) == ["Dochter komt mee"])

        let second = try #require(try db.session(id: ids[1]))
        #expect(second.tasks[0].outcome == .referred(partner: "digid-helpdesk", handover: "Vraag doorgegeven"))

        // Anonymous: what statistics need, no free text.
        let anonymous = try #require(try db.session(id: ids[3]))
        #expect(anonymous.customerID == nil && anonymous.branch == "stadskantoor" && anonymous.kiosk == "kiosk-3")
        #expect(anonymous.tasks[0].outcome == .partly(""))
        #expect(anonymous.steps.map(\.description) == ["", "", ""] && anonymous.steps.map(\.actor) == [.customerWithHelp, .customerWithHelp, .customerAlone])
        #expect(anonymous.notes.isEmpty)

        // Insights: branch scope, outcome kinds, partners, actors, and visits counted as addTask counts them.
        let window = (from: start.addingTimeInterval(-86_400), to: start.addingTimeInterval(40 * 86_400))
        let all = try db.insightSessions(from: window.from, to: window.to, branches: .all)
        #expect(all.count == 4)
        let centrum = try db.insightSessions(from: window.from, to: window.to, branches: .only(["centrum"]))
        #expect(centrum.count == 3)
        #expect(centrum.map { $0.tasks[0].earlierVisits } == [0, 1, 2])
        #expect(centrum.map { $0.tasks[0].outcome } == ["follow-up", "referred", "resolved"])
        #expect(centrum[1].tasks[0].partner == "digid-helpdesk")
        #expect(centrum.map { $0.tasks[0].actors } == [[.staffOnBehalf, .staffOnBehalf], [.customerWithHelp, .customerWithHelp],
                                                       [.customerAlone, .customerAlone]])
        #expect(centrum.map(\.selfReliance) == [.notYet, .notYet, .yes])
        let stadskantoor = try db.insightSessions(from: window.from, to: window.to, branches: .only(["stadskantoor"]))
        #expect(stadskantoor.count == 1 && stadskantoor[0].tasks.map(\.earlierVisits) == [nil, nil] && stadskantoor[0].tasks[0].outcome == "partly")

        // The 360° page's task history shows the growth.
        let history = try db.taskHistory(customerID: customer.id!).filter { $0.taskID == "digid-app" }
        #expect(history.map(\.actors) == [[.staffOnBehalf, .staffOnBehalf], [.customerWithHelp, .customerWithHelp], [.customerAlone, .customerAlone]])

        // The record: the duplicate contact is skipped; follow-up, consent and call are there.
        #expect(try db.contacts(customerID: customer.id!, offset: 0, limit: 10).map(\.topic) == [contact.topic])
        #expect(try db.hasConsent(customerID: customer.id!, purpose: .sessionLog))
        #expect(try db.recentStaffCalls(branch: "stadskantoor", limit: 5).map(\.kiosk) == ["kiosk-3"])
        let counts = try db.followUpCounts()
        #expect(counts.open == 0 && counts.done == 1)
    }

    @Test func earlierVisitsCountWhatWasStoredBefore() throws {
        let (db, staffID, customer) = try database()
        try db.insertHistory([visit(customer: customer.id, staffID: staffID, daysLater: 0, actor: .staffOnBehalf, outcome: .resolved)], contacts: [])
        // A session through the ordinary path counts the bulk one.
        let live = try db.createSession(AssistedSession(customerID: customer.id, staffID: staffID, kiosk: "kiosk-1", branch: "centrum",
                                                        startedAt: start.addingTimeInterval(86_400), language: "nl"))
        _ = try db.addTask(sessionID: live.id!, SessionTask(taskID: "digid-app", names: ["nl": "DigiD-app"], group: .digitalGovernment,
                                                            addedAt: start.addingTimeInterval(86_400)))
        // And a later bulk one counts both.
        let ids = try db.insertHistory([visit(customer: customer.id, staffID: staffID, daysLater: 2, actor: .customerAlone, outcome: .resolved)],
                                       contacts: [])
        let sessions = try db.insightSessions(from: start.addingTimeInterval(2 * 86_400 - 1), to: start.addingTimeInterval(3 * 86_400), branches: .all)
        #expect(sessions.count == 1 && sessions[0].tasks.map(\.earlierVisits) == [2, 1])
        #expect(try db.session(id: ids[0])?.tasks.count == 2)
    }

    @Test func aCheckpointLeavesEverythingInTheFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("history-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("balie.sqlite").path
        do {
            let db = try AppDatabase(path: path)
            try db.insertBranch(Branch(code: "centrum", name: "Bibliotheek Centrum"))
            let staff = try db.insertStaff(Staff(username: "anna", fullName: "Anna", role: .staff, branches: ["centrum"], passwordHash: "$argon2id$x"))
            try db.insertHistory([visit(customer: nil, staffID: staff.id!, daysLater: 0, actor: .customerAlone, outcome: .resolved)], contacts: [])
            try db.checkpoint()
            let wal = try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int
            #expect(wal == 0, "the log is empty: the file alone is the database")
        }
        // A copy of the file alone has the history.
        let copy = folder.appendingPathComponent("copy.sqlite").path
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        let reopened = try AppDatabase(path: copy)
        #expect(try reopened.insightSessions(from: start.addingTimeInterval(-1), to: start.addingTimeInterval(86_400), branches: .all).count == 1)
    }

    @Test func aStepMustNameOneOfItsSessionsTasks() throws {
        let (db, staffID, customer) = try database()
        var session = visit(customer: customer.id, staffID: staffID, daysLater: 0, actor: .customerAlone, outcome: .resolved)
        session.steps[0].sessionTaskID = 2
        #expect(throws: AppDatabase.HistoryProblem.self) { try db.insertHistory([session], contacts: []) }
        #expect(try db.insightSessions(from: start.addingTimeInterval(-1), to: start.addingTimeInterval(86_400), branches: .all).isEmpty,
                "nothing of a refused history is stored")
    }
}
