import BalieCore
import BalieStore
import Foundation
import Testing

@Suite struct RetentionTests {
    @Test func purgeAnonymisesExactlyWhatIsPastItsTime() throws {
        let db = try AppDatabase(inMemoryNamed: UUID().uuidString)
        let staff = try db.insertStaff(Staff(username: "anna", fullName: "Anna", role: .staff, branches: [], passwordHash: "$argon2id$x"))
        let customer = try db.insertCustomer(Customer(number: "1", givenName: "Jan", familyName: "Bos"))
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        var ids: [Int64] = []
        for ageDays in [400.0, 10.0] {
            let started = now.addingTimeInterval(-ageDays * 86_400)
            let session = try db.createSession(AssistedSession(customerID: customer.id, staffID: staff.id!, kiosk: "k", branch: "main", startedAt: started, language: "nl"))
            let task = try db.addTask(sessionID: session.id!, SessionTask(taskID: "t", names: ["nl": "T"], group: .other, addedAt: started))
            try db.addStep(sessionID: session.id!, SessionStep(sessionTaskID: task.id!, description: "Jan deed het", actor: .customerAlone, reason: nil, at: started))
            try db.finishTask(sessionID: session.id!, taskID: task.id!, outcome: .resolved, at: started)
            try db.handOver(sessionID: session.id!, channelAdvice: nil)
            let contact = Contact(customerID: customer.id!, channel: .kioskAssisted, at: started, topic: "T", summary: "", outcome: "", sourceSystem: "balie")
            try db.closeSession(sessionID: session.id!, effortScore: 6, selfReliance: .yes, at: started, contact: contact, followUps: [])
            ids.append(session.id!)
        }
        try db.appendAudit(AuditEvent(at: now.addingTimeInterval(-800 * 86_400), action: .customerViewed, actorID: nil, subject: "1", origin: "t"))
        try db.appendAudit(AuditEvent(at: now.addingTimeInterval(-1 * 86_400), action: .customerViewed, actorID: nil, subject: "1", origin: "t"))
        _ = try db.takeTicket(branch: "b", day: "2026-01-01", group: .other, priority: false, at: now.addingTimeInterval(-40 * 86_400))
        _ = try db.takeTicket(branch: "b", day: "2027-01-14", group: .other, priority: false, at: now.addingTimeInterval(-2 * 86_400))
        let dry = try db.purge(policy: RetentionPolicy(), now: now, dryRun: true)
        #expect(dry.sessionsAnonymised == 1 && dry.auditRowsDeleted == 1 && dry.ticketsDeleted == 1)
        #expect(try db.audit(subject: "1").count == 2, "a dry run changes nothing")
        let done = try db.purge(policy: RetentionPolicy(), now: now, dryRun: false)
        #expect(done == dry)
        #expect(try db.audit(subject: "1").count == 1)
        let old = try #require(try db.session(id: ids[0])), recent = try #require(try db.session(id: ids[1]))
        #expect(old.customerID == nil && old.steps.first?.description == "" && old.effortScore == 6, "past its time: statistics only")
        #expect(recent.customerID == customer.id && recent.steps.first?.description == "Jan deed het")
        #expect(try db.purge(policy: RetentionPolicy(), now: now, dryRun: true) == PurgeReport(sessionsAnonymised: 0, auditRowsDeleted: 0, ticketsDeleted: 0))
    }
}
