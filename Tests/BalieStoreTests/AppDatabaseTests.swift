import BalieCore
import BalieStore
import Foundation
import GRDB
import Testing

@Suite struct AppDatabaseTests {
    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("balie-\(UUID().uuidString).sqlite").path
    }

    @Test func fileDatabaseIsMigratedInWALMode() throws {
        let path = temporaryPath()
        let database = try AppDatabase(path: path)
        #expect(try database.journalMode() == "wal")
        #expect(try database.appliedMigrations() == AppDatabase.knownMigrations)
        #expect(try database.integrityCheck() == ["ok"])
        // Opening again runs no migration twice.
        let reopened = try AppDatabase(path: path)
        #expect(try reopened.appliedMigrations() == AppDatabase.knownMigrations)
    }

    @Test func staffCallsRoundTrip() throws {
        let database = try AppDatabase(inMemoryNamed: UUID().uuidString)
        let stored = try database.record(StaffCall(kiosk: "library-1", branch: "main", group: .banking, at: Date(timeIntervalSince1970: 1000)))
        #expect(stored.id != nil)
        try database.record(StaffCall(kiosk: "library-1", branch: "main", group: nil, at: Date(timeIntervalSince1970: 2000)))
        let recent = try database.recentStaffCalls(branch: "main", limit: 10)
        #expect(recent.map(\.group) == [nil, .banking])
        #expect(recent.last?.kiosk == "library-1")
    }

    @Test func schemaRefusesBadRows() throws {
        let database = try AppDatabase(inMemoryNamed: UUID().uuidString)
        #expect(throws: (any Error).self) {
            try database.record(StaffCall(kiosk: "", branch: "main", group: nil, at: Date()))
        }
        #expect(try database.recentStaffCalls(branch: "main", limit: 10).isEmpty)
    }

    @Test func secretsAreStableAndDistinct() throws {
        let path = temporaryPath()
        let first = try AppDatabase(path: path).secret(named: "csrf")
        #expect(first.count == 32)
        #expect(try AppDatabase(path: path).secret(named: "csrf") == first)
        #expect(try AppDatabase(path: path).secret(named: "other") != first)
    }

    @Test func concurrentWritersAndReadersAllSucceed() async throws {
        let database = try AppDatabase(path: temporaryPath())
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for i in 0..<25 {
                        try database.record(StaffCall(kiosk: "k\(worker)", branch: "main", group: .other, at: Date(timeIntervalSince1970: Double(i))))
                        _ = try database.recentStaffCalls(branch: "main", limit: 5)
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try database.recentStaffCalls(branch: "main", limit: 1000).count == 200)
    }

    @Test func writeProbeSeesALockHeldByAnotherConnection() throws {
        let path = temporaryPath()
        let database = try AppDatabase(path: path)
        try database.probeWrite()
        // Another connection (as another process would) takes the write lock and keeps it.
        var holding = Configuration()
        holding.allowsUnsafeTransactions = true
        let other = try DatabaseQueue(path: path, configuration: holding)
        try other.writeWithoutTransaction { db in try db.execute(sql: "BEGIN EXCLUSIVE") }
        let started = Date()
        let error = #expect(throws: (any Error).self) { try database.probeWrite(timeout: 0.2) }
        #expect(error.flatMap(StorageProblem.of) == .busy)
        #expect(Date().timeIntervalSince(started) < 2, "the probe waited longer than its own timeout")
        try database.ping()  // reads go on in WAL mode
        try other.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }
        try database.probeWrite()
        #expect(try database.integrityCheck() == ["ok"])
    }
}
