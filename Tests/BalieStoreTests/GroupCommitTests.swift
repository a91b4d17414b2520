import BalieCore
import Foundation
import GRDB
import Testing
@testable import BalieStore

/// Group commit on a real file: concurrent writers share commits, every acknowledged write is stored,
/// and one failing write takes nothing else with it.
@Suite struct GroupCommitTests {
    func fileDatabase() throws -> AppDatabase {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("group-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let database = try AppDatabase(path: folder + "/balie.sqlite")
        let staff = try database.insertStaff(Staff(username: "anna", fullName: "Anna", role: .staff, branches: [], isActive: true, passwordHash: "$argon2id$v=19$m=256,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"))
        _ = try database.createSession(AssistedSession(customerID: nil, staffID: staff.id!, kiosk: "k", branch: "main", startedAt: Date(), language: "nl"))
        return database
    }

    @Test func concurrentStepsShareCommitsAndAllArrive() throws {
        let database = try fileDatabase()
        let task = try database.addTask(sessionID: 1, SessionTask(taskID: "pay-bill", names: ["nl": "Betalen"], group: .banking, addedAt: Date()))
        let writers = 48
        let failures = concurrently(writers) { index in
            try database.addStep(sessionID: 1, SessionStep(sessionTaskID: task.id!, description: "stap \(index)", actor: .customerAlone,
                                                           reason: nil, at: Date()))
        }
        #expect(failures == 0)
        #expect(try database.session(id: 1)?.steps.count == writers)
        #expect(database.batcher.writes == writers)
        #expect(database.batcher.batches < writers, "writers waiting together share a commit")
    }

    /// Each view of a record leaves its audit row before the page is answered; concurrent views share commits.
    @Test func concurrentAuditRowsShareCommitsAndAllArrive() throws {
        let database = try fileDatabase()
        let before = try database.recentAudit(limit: 1000).count
        let batchesBefore = database.batcher.batches, writesBefore = database.batcher.writes
        let viewers = 48
        let failures = concurrently(viewers) { index in
            try database.appendAudit(AuditEvent(at: Date(), action: .customerViewed, actorID: 1, actorRole: .staff,
                                                subject: "1000\(index)", origin: "kiosk-1", branch: "main"))
        }
        #expect(failures == 0)
        let rows = try database.recentAudit(limit: 1000)
        #expect(rows.count - before == viewers)
        #expect(Set(rows.filter { $0.action == .customerViewed }.compactMap(\.subject)) == Set((0..<viewers).map { "1000\($0)" }))
        #expect(database.batcher.writes - writesBefore == viewers)
        #expect(database.batcher.batches - batchesBefore < viewers, "views waiting together share a commit")
    }

    /// Runs `write` on `count` threads of their own (as libmicrohttpd's pool gives each request one), all starting
    /// together behind a gate (on a loaded machine the first would otherwise finish before the last began), so that
    /// they wait on the disk at once; the number that failed.
    private func concurrently(_ count: Int, _ write: @escaping @Sendable (Int) throws -> Void) -> Int {
        let failures = LockedCounter()
        let group = DispatchGroup()
        let start = StartGate(count: count)
        for index in 0..<count {
            group.enter()
            Thread {
                start.arriveAndWait()
                do { try write(index) } catch { failures.add() }
                group.leave()
            }.start()
        }
        group.wait()
        return failures.value
    }

    @Test func aFailingWriteRollsBackOnlyItself() throws {
        let database = try fileDatabase()
        struct Refused: Error {}
        let outcomes = LockedOutcomes()
        DispatchQueue.concurrentPerform(iterations: 20) { index in
            do {
                try database.batcher.write(to: database.writer) { db in
                    try db.execute(sql: "INSERT INTO session_note(session_id, text, at) VALUES (1, ?, 0)", arguments: ["note \(index)"])
                    if index % 2 == 1 { throw Refused() }
                }
                outcomes.set(index, true)
            } catch {
                outcomes.set(index, false)
            }
        }
        let stored = try database.session(id: 1)?.notes.map(\.text).sorted() ?? []
        #expect(stored == (0..<20).filter { $0 % 2 == 0 }.map { "note \($0)" }.sorted())
        #expect(outcomes.all == Dictionary(uniqueKeysWithValues: (0..<20).map { ($0, $0 % 2 == 0) }))
    }
}

private final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var value = 0
    func add() { lock.lock(); value += 1; lock.unlock() }
}

private final class LockedOutcomes: @unchecked Sendable {
    private let lock = NSLock()
    private var outcomes: [Int: Bool] = [:]
    func set(_ index: Int, _ ok: Bool) { lock.lock(); outcomes[index] = ok; lock.unlock() }
    var all: [Int: Bool] { lock.lock(); defer { lock.unlock() }; return outcomes }
}

/// Lets threads go on only once all of them have arrived.
private final class StartGate: @unchecked Sendable {
    private let condition = NSCondition()
    private var waiting: Int

    init(count: Int) { waiting = count }

    func arriveAndWait() {
        condition.lock()
        waiting -= 1
        if waiting == 0 { condition.broadcast() }
        while waiting > 0 { condition.wait() }
        condition.unlock()
    }
}
