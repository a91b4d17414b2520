import BalieCore
import BalieStore
import Foundation
import Testing

@Suite struct QueueStoreTests {
    func makeDatabase() throws -> (AppDatabase, Int64, String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("queue-\(UUID().uuidString).sqlite").path
        let database = try AppDatabase(path: path)
        let staff = try database.insertStaff(Staff(username: "anna", fullName: "Anna", role: .staff, branches: [], passwordHash: "$argon2id$x"))
        return (database, staff.id!, path)
    }

    @Test func ticketsInOrderWithPriorityFirst() throws {
        let (db, staff, _) = try makeDatabase()
        let base = Date(timeIntervalSince1970: 1_800_000_000)
        let first = try db.takeTicket(branch: "b", day: "2026-11-23", group: .banking, priority: false, at: base)
        let second = try db.takeTicket(branch: "b", day: "2026-11-23", group: .other, priority: false, at: base + 60)
        let urgent = try db.takeTicket(branch: "b", day: "2026-11-23", group: .banking, priority: true, at: base + 120)
        let numbers: [Int] = [first.number, second.number, urgent.number]
        #expect(numbers == [1, 2, 3])
        #expect(first.code == "B-1" && second.code == "A-2")
        #expect(try db.peopleAhead(of: first) == 1, "the priority ticket goes first")
        #expect(try db.peopleAhead(of: urgent) == 0)
        let order = try (0..<3).map { _ in try db.callNext(branch: "b", day: "2026-11-23", groups: TaskGroup.allCases, staffID: staff, desk: "1", at: base + 200)?.id }
        #expect(order == [urgent.id, first.id, second.id])
        #expect(try db.callNext(branch: "b", day: "2026-11-23", groups: TaskGroup.allCases, staffID: staff, desk: "1", at: base + 300) == nil)
    }

    @Test func twoStaffCallingAtOnceNeverGetTheSameTicket() async throws {
        let (db, staff, _) = try makeDatabase()
        for i in 0..<40 { _ = try db.takeTicket(branch: "b", day: "2026-11-23", group: .banking, priority: false, at: Date(timeIntervalSince1970: Double(i))) }
        let called = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var ids: [Int64] = []
                    while let ticket = try db.callNext(branch: "b", day: "2026-11-23", groups: [.banking], staffID: staff, desk: "d", at: Date()) {
                        ids.append(ticket.id!)
                    }
                    return ids
                }
            }
            return try await group.reduce(into: [Int64]()) { $0 += $1 }
        }
        #expect(called.count == 40)
        #expect(Set(called).count == 40)
    }

    @Test func queueSurvivesARestartAndOldDaysExpire() throws {
        let (db, _, path) = try makeDatabase()
        _ = try db.takeTicket(branch: "b", day: "2026-11-22", group: .other, priority: false, at: Date(timeIntervalSince1970: 1))
        let kept = try db.takeTicket(branch: "b", day: "2026-11-23", group: .other, priority: false, at: Date(timeIntervalSince1970: 2))
        let reopened = try AppDatabase(path: path)
        #expect(try reopened.tickets(branch: "b", day: "2026-11-23", statuses: [.waiting]).map(\.id) == [kept.id])
        _ = try db.takeTicket(branch: "west", day: "2026-11-22", group: .other, priority: false, at: Date(timeIntervalSince1970: 3))
        #expect(try reopened.expireTickets(branch: "b", before: "2026-11-23") == 1)
        #expect(try reopened.tickets(branch: "b", day: "2026-11-22", statuses: [.expired]).count == 1)
        // Another branch's day is its own: its ticket of the 22nd still waits until that branch's 23rd.
        #expect(try reopened.tickets(branch: "west", day: "2026-11-22", statuses: [.waiting]).count == 1)
    }

    @Test func waitEstimatesAreRangesNeverPromises() {
        #expect(QueueRules.waitRange(peopleAhead: 0, serviceMinutes: 12, staffOnDuty: 1).map { [$0.low, $0.high] } == nil)
        let range = QueueRules.waitRange(peopleAhead: 3, serviceMinutes: 10, staffOnDuty: 1)!
        #expect(range.low < 30 && range.high > 30 && range.low % 5 == 0 && range.high % 5 == 0)
        let shared = QueueRules.waitRange(peopleAhead: 3, serviceMinutes: 10, staffOnDuty: 3)!
        #expect(shared.high <= range.low)
    }
}
