import BalieCore
import Foundation
import Testing

@Suite struct SessionRulesTests {
    let catalog = try! TaskCatalog(
        partners: [.init(id: "belastingdienst", name: "Belastingdienst"), .init(id: "bank", name: "Bank")],
        tasks: [.init(id: "tax-return", group: .digitalGovernment, names: ["nl": "Belastingaangifte"], partners: ["belastingdienst"]),
                .init(id: "pay-bill", group: .banking, names: ["nl": "Rekening betalen"], partners: ["bank"])])
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func session(phase: AssistedSession.Phase = .open, outcome: TaskOutcome? = nil) -> AssistedSession {
        AssistedSession(id: 1, customerID: 7, staffID: 2, kiosk: "k", branch: "main", startedAt: now, phase: phase, language: "nl",
                        tasks: [SessionTask(id: 10, taskID: "tax-return", names: ["nl": "Belastingaangifte"], group: .digitalGovernment,
                                            outcome: outcome, addedAt: now)])
    }

    @Test func noOutcomeBeforeATask() {
        var empty = session()
        empty.tasks = []
        #expect(throws: SessionRules.Refusal.unknownTask) {
            try SessionRules.checkOutcome(empty, taskID: 10, outcome: .resolved, catalog: catalog, now: now)
        }
        #expect(throws: SessionRules.Refusal.noTasks) { try SessionRules.checkHandover(empty) }
    }

    @Test func aSessionTakesAtMostMaxStepsCountedEitherWay() throws {
        try SessionRules.checkStep(session(), taskID: 10, actor: .customerAlone, reason: nil, stepCount: SessionRules.maxStepsPerSession - 1)
        #expect(throws: SessionRules.Refusal.tooManySteps) {
            try SessionRules.checkStep(session(), taskID: 10, actor: .customerAlone, reason: nil, stepCount: SessionRules.maxStepsPerSession)
        }
        var full = session()
        full.steps = (0..<SessionRules.maxStepsPerSession).map { SessionStep(sessionTaskID: 10, description: "\($0)", actor: .customerAlone, reason: nil, at: now) }
        #expect(throws: SessionRules.Refusal.tooManySteps) { try SessionRules.checkStep(full, taskID: 10, actor: .customerAlone, reason: nil) }
    }

    @Test func staffOnBehalfNeedsAReason() {
        #expect(throws: SessionRules.Refusal.reasonRequiredForStaffOnBehalf) {
            try SessionRules.checkStep(session(), taskID: 10, actor: .staffOnBehalf, reason: "  ")
        }
        #expect(throws: Never.self) { try SessionRules.checkStep(session(), taskID: 10, actor: .staffOnBehalf, reason: "hand tremor") }
        #expect(throws: Never.self) { try SessionRules.checkStep(session(), taskID: 10, actor: .customerAlone, reason: nil) }
    }

    @Test func aFinishedTaskTakesNoMoreStepsOrOutcomes() {
        let done = session(outcome: .resolved)
        #expect(throws: SessionRules.Refusal.taskAlreadyFinished) { try SessionRules.checkStep(done, taskID: 10, actor: .customerAlone, reason: nil) }
        #expect(throws: SessionRules.Refusal.taskAlreadyFinished) {
            try SessionRules.checkOutcome(done, taskID: 10, outcome: .resolved, catalog: catalog, now: now)
        }
    }

    @Test func referralOnlyToThisTasksPartners() {
        #expect(throws: SessionRules.Refusal.partnerNotForThisTask) {
            try SessionRules.checkOutcome(session(), taskID: 10, outcome: .referred(partner: "bank", handover: "papers"), catalog: catalog, now: now)
        }
        #expect(throws: SessionRules.Refusal.textMissing) {
            try SessionRules.checkOutcome(session(), taskID: 10, outcome: .referred(partner: "belastingdienst", handover: ""), catalog: catalog, now: now)
        }
        #expect(throws: Never.self) {
            try SessionRules.checkOutcome(session(), taskID: 10, outcome: .referred(partner: "belastingdienst", handover: "Aanslag 2026"),
                                          catalog: catalog, now: now)
        }
    }

    @Test func followUpNotInThePast() {
        #expect(throws: SessionRules.Refusal.followUpInThePast) {
            try SessionRules.checkOutcome(session(), taskID: 10, outcome: .followUp(who: "Anna", due: now - 3 * 86_400, channel: .phone),
                                          catalog: catalog, now: now)
        }
    }

    @Test func handoverNeedsEveryTaskFinished() {
        #expect(throws: SessionRules.Refusal.tasksWithoutOutcome) { try SessionRules.checkHandover(session()) }
        #expect(throws: Never.self) { try SessionRules.checkHandover(session(outcome: .resolved)) }
    }

    @Test func noEffortScoreFromStaffForTheCustomer() {
        #expect(throws: SessionRules.Refusal.feedbackNotFromCustomer) { try SessionRules.checkFeedback(session(), effortScore: 6) }
        #expect(throws: SessionRules.Refusal.feedbackNotFromCustomer) {
            try SessionRules.checkFeedback(session(phase: .closed, outcome: .resolved), effortScore: 6)
        }
        #expect(throws: SessionRules.Refusal.effortScoreOutOfRange) {
            try SessionRules.checkFeedback(session(phase: .customerFeedback, outcome: .resolved), effortScore: 8)
        }
        #expect(throws: Never.self) { try SessionRules.checkFeedback(session(phase: .customerFeedback, outcome: .resolved), effortScore: nil) }
    }

    @Test func noLoggingIntoTheRecordWithoutConsent() {
        #expect(SessionRules.customerForLogging(customerID: 7, consentGiven: false) == nil)
        #expect(SessionRules.customerForLogging(customerID: 7, consentGiven: true) == 7)
    }

    @Test func closedSessionsTakeNothingNew() {
        let closed = session(phase: .closed, outcome: .resolved)
        #expect(throws: SessionRules.Refusal.sessionNotOpen) { try SessionRules.checkNote(closed) }
        #expect(throws: SessionRules.Refusal.sessionNotOpen) { _ = try SessionRules.checkAddTask(closed, catalog: catalog, taskID: "pay-bill") }
    }

    @Test func catalogueIsChecked() {
        #expect(throws: TaskCatalog.Invalid.self) {
            try TaskCatalog(partners: [], tasks: [.init(id: "x", group: .other, names: ["nl": "X"], partners: ["nobody"])])
        }
        #expect(throws: TaskCatalog.Invalid.self) {
            try TaskCatalog(partners: [], tasks: [.init(id: "x", group: .other, names: ["en": "X"], partners: [])])
        }
    }

    @Test func shippedCatalogueLoads() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("deploy/task-catalog.json")
        let shipped = try TaskCatalog.load(from: Data(contentsOf: path))
        #expect(shipped.tasks.count >= 15)
        for group in TaskGroup.allCases { #expect(!shipped.tasks(in: group).isEmpty) }
        for task in shipped.tasks {
            #expect(Set(task.names.keys) == ["nl", "en", "tr", "ar", "pl", "uk"], "\(task.id)")
        }
    }
}
