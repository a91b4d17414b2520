import BalieCore
import BalieStore
import Foundation
import Testing

/// The audit viewer's query: every filter alone and together, newest first, pages by id, and who acted.
@Suite struct AuditTrailTests {
    let db: AppDatabase
    let anna: Staff, sanne: Staff
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    init() throws {
        db = try AppDatabase(inMemoryNamed: UUID().uuidString)
        anna = try db.insertStaff(Staff(username: "anna", fullName: "Anna de Boer", role: .staff, branches: [], passwordHash: "$argon2id$x"))
        sanne = try db.insertStaff(Staff(username: "sanne", fullName: "Sanne Visser", role: .supervisor, branches: [], passwordHash: "$argon2id$x"))
        // One row a day: anna looks at 100 and 200 in turns, sanne exports 100, the command line purges.
        for day in 0..<10 {
            let at = start.addingTimeInterval(Double(day) * 86_400)
            try db.appendAudit(AuditEvent(at: at, action: .customerViewed, actorID: anna.id, actorRole: .staff,
                                          subject: day.isMultiple(of: 2) ? "100" : "200", origin: "kiosk/1"))
        }
        try db.appendAudit(AuditEvent(at: start.addingTimeInterval(3.5 * 86_400), action: .customerExported, actorID: sanne.id,
                                      actorRole: .supervisor, subject: "100", origin: "kiosk/2", detail: "page", reason: "Verzoek"))
        try db.appendAudit(AuditEvent(at: start.addingTimeInterval(20 * 86_400), action: .purged, actorID: nil, subject: nil, origin: "cli"))
    }

    @Test func withoutFiltersEveryRowNewestFirstWithWhoActed() throws {
        let entries = try db.auditEntries(AuditQuery(), branches: .all, limit: 100)
        #expect(entries.count == 12)
        #expect(entries.map { $0.event.id! } == entries.map { $0.event.id! }.sorted(by: >))
        #expect(entries.first?.event.action == .purged && entries.first?.staffUsername == nil)
        let export = try #require(entries.first { $0.event.action == .customerExported })
        #expect(export.staffUsername == "sanne" && export.staffName == "Sanne Visser" && export.event.actorRole == .supervisor)
        #expect(export.event.reason == "Verzoek" && export.event.detail == "page" && export.event.origin == "kiosk/2")
    }

    @Test func filtersByCustomerStaffAndPeriodAloneAndTogether() throws {
        #expect(try db.auditEntries(AuditQuery(customerNumber: "100"), branches: .all, limit: 100).count == 6)
        #expect(try db.auditEntries(AuditQuery(customerNumber: "200"), branches: .all, limit: 100).allSatisfy { $0.event.subject == "200" })
        #expect(try db.auditEntries(AuditQuery(staffUsername: "anna"), branches: .all, limit: 100).count == 10)
        #expect(try db.auditEntries(AuditQuery(staffUsername: "nobody"), branches: .all, limit: 100).isEmpty)
        let both = try db.auditEntries(AuditQuery(customerNumber: "100", staffUsername: "sanne"), branches: .all, limit: 100)
        #expect(both.map(\.event.action) == [.customerExported])
        // Days 2, 3 and 4 (until is not included), plus the export at day 3.5.
        let period = AuditQuery(from: start.addingTimeInterval(2 * 86_400), until: start.addingTimeInterval(5 * 86_400))
        #expect(try db.auditEntries(period, branches: .all, limit: 100).count == 4)
        var everything = period
        everything.customerNumber = "100"
        everything.staffUsername = "anna"
        #expect(try db.auditEntries(everything, branches: .all, limit: 100).map { $0.event.at } == [start.addingTimeInterval(4 * 86_400), start.addingTimeInterval(2 * 86_400)])
    }

    @Test func pagesFollowOneAnotherWithoutGapsOrRepeats() throws {
        var seen: [Int64] = []
        var query = AuditQuery(staffUsername: "anna")
        while true {
            let page = try db.auditEntries(query, branches: .all, limit: 3)
            seen += page.map { $0.event.id! }
            guard page.count == 3 else { break }
            query.beforeID = page.last?.event.id
        }
        #expect(seen == (try db.auditEntries(AuditQuery(staffUsername: "anna"), branches: .all, limit: 100)).map { $0.event.id! })
        #expect(Set(seen).count == 10)
    }

    @Test func theDetailOfLookingNeverHoldsTheCustomerNumber() {
        let query = AuditQuery(customerNumber: "777001", staffUsername: "anna", from: start, until: start.addingTimeInterval(86_400), beforeID: 9)
        #expect(!query.auditDetail.contains("777001"))
        #expect(query.auditDetail.contains("staff=anna") && query.auditDetail.contains("before=9"))
        #expect(AuditQuery().auditDetail == "all")
    }

    @Test func aBranchScopeShowsOnlyThatBranchsRows() throws {
        try db.appendAudit(AuditEvent(at: start, action: .sessionViewed, actorID: anna.id, subject: "100", origin: "kiosk-1", branch: "noord"))
        try db.appendAudit(AuditEvent(at: start, action: .sessionViewed, actorID: anna.id, subject: "100", origin: "kiosk-3", branch: "zuid"))
        let noord = try db.auditEntries(AuditQuery(), branches: .only(["noord"]), limit: 100)
        #expect(noord.map(\.event.branch) == ["noord"])
        #expect(try db.auditEntries(AuditQuery(), branches: .only(["noord", "zuid"]), limit: 100).count == 2)
        #expect(try db.auditEntries(AuditQuery(), branches: .only([]), limit: 100).isEmpty)
        // Rows without a branch (the command line, sign-ins) only for those who see every branch.
        #expect(try db.auditEntries(AuditQuery(), branches: .all, limit: 100).count == 14)
    }

    @Test func theViewerMigrationIsKnown() {
        #expect(AppDatabase.knownMigrations.contains("v8-audit-viewer"))
        #expect(AuditEvent.Action(rawValue: "audit-viewed") == .auditViewed)
    }
}
