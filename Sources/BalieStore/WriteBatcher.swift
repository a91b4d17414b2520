import Foundation
import GRDB

/// Group commit: writes that arrive while another commit is on its way to the disk wait, and then go
/// to the disk together in one transaction, each in a savepoint of its own. Every caller returns only
/// after the transaction holding its write has committed (WAL, `synchronous=FULL`), so an acknowledged
/// write is as durable as with one commit per write, but fifty concurrent writers share one fsync.
/// One failing write rolls back only its own savepoint; a failing commit fails them all.
final class WriteBatcher: @unchecked Sendable {
    /// The most writes one transaction takes; later arrivals wait for the next.
    static let maxBatch = 256

    private final class Job {
        let work: (Database) throws -> Void
        var finished = false
        var error: (any Error)?
        init(_ work: @escaping (Database) throws -> Void) { self.work = work }
    }

    private let condition = NSCondition()
    private var waiting: [Job] = []
    private var committing = false
    private(set) var batches = 0
    private(set) var writes = 0

    /// Runs `work` inside a shared transaction and returns once it is durable (or throws its error).
    func write(to writer: any DatabaseWriter, _ work: @escaping (Database) throws -> Void) throws {
        let job = Job(work)
        condition.lock()
        waiting.append(job)
        while !job.finished {
            if committing {
                condition.wait()
                continue
            }
            // No commit in progress: this caller leads the next one, with everyone waiting so far.
            committing = true
            let batch = Array(waiting.prefix(Self.maxBatch))
            waiting.removeFirst(batch.count)
            condition.unlock()
            Self.run(batch, on: writer)
            condition.lock()
            batches += 1
            writes += batch.count
            for member in batch { member.finished = true }
            committing = false
            condition.broadcast()
        }
        condition.unlock()
        if let error = job.error { throw error }
    }

    private static func run(_ batch: [Job], on writer: any DatabaseWriter) {
        do {
            try writer.write { db in
                for job in batch {
                    do {
                        try db.inSavepoint {
                            try job.work(db)
                            return .commit
                        }
                    } catch {
                        job.error = error
                    }
                }
            }
        } catch {
            // The commit itself failed: nothing of the batch is stored.
            for job in batch where job.error == nil { job.error = error }
        }
    }
}
