import BalieCore
import Foundation
import Testing
@testable import BalieStore

/// The retention purge on both stores (the same body, the same report), and on PostgreSQL once across
/// instances: of several instances purging at the same moment, one does the work.
@Suite struct PostgresRetentionTests {
    typealias PurgingStore = AuditRepository & QueueRepository & RetentionRepository
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let policy = RetentionPolicy()

    private func fill(_ store: any PurgingStore) throws {
        let (_, auditCutoff, ticketCutoff) = policy.cutoffs(now: now)
        for at in [auditCutoff.addingTimeInterval(-10), auditCutoff.addingTimeInterval(-5), auditCutoff.addingTimeInterval(5)] {
            try store.appendAudit(AuditEvent(at: at, action: .customerViewed, actorID: nil, subject: "100001", origin: "kiosk-1/127.0.0.1"))
        }
        _ = try store.takeTicket(branch: "centrum", day: "2026-01-01", group: .banking, priority: false, at: ticketCutoff.addingTimeInterval(-60))
        _ = try store.takeTicket(branch: "centrum", day: "2026-01-02", group: .banking, priority: false, at: ticketCutoff.addingTimeInterval(60))
    }

    @Test func bothStoresPurgeTheSameRows() throws {
        let stores: [any PurgingStore] = [try AppDatabase(inMemoryNamed: UUID().uuidString), try TestPostgres.store()]
        var reports: [PurgeReport] = []
        for store in stores {
            try fill(store)
            let counted = try store.purge(policy: policy, now: now, dryRun: true)
            #expect(counted == PurgeReport(sessionsAnonymised: 0, auditRowsDeleted: 2, ticketsDeleted: 1))
            #expect(try store.recentAudit(limit: 10).count == 3, "a dry run changes nothing")
            let done = try store.purge(policy: policy, now: now, dryRun: false)
            #expect(done == counted)
            #expect(try store.recentAudit(limit: 10).count == 1)
            #expect(try store.purge(policy: policy, now: now, dryRun: true) == PurgeReport(sessionsAnonymised: 0, auditRowsDeleted: 0, ticketsDeleted: 0))
            reports.append(done)
        }
        #expect(reports[0] == reports[1])
    }

    @Test func instancesPurgingTogetherPurgeOnce() throws {
        let address = try TestPostgres.server().newDatabase()
        let first = try PostgresStore(address: address, connections: 2)
        try fill(first)
        let instances = [first] + (try (0..<3).map { _ in try PostgresStore(address: address, connections: 2) })
        let reports = LockedBox<[PurgeReport]>([])
        let threads = instances.map { store in
            Thread { if let report = try? store.purge(policy: policy, now: now, dryRun: false) { reports.update { $0.append(report) } } }
        }
        threads.forEach { $0.start() }
        let deadline = Date().addingTimeInterval(30)
        while reports.value.count < instances.count && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        #expect(reports.value.count == instances.count)
        #expect(reports.value.map(\.auditRowsDeleted).reduce(0, +) == 2, "the rows went once: \(reports.value)")
        #expect(try first.recentAudit(limit: 10).count == 1)
    }
}
