import BalieStore
import Foundation

/// Whether the database answers, asked at most once per `interval`: load balancers and monitors may
/// poll `/healthz` very often, and each real check is a database read.
final class HealthProbe: @unchecked Sendable {
    static let interval: TimeInterval = 1

    private let database: AppDatabase
    private let lock = NSLock()
    private var checkedAt = Date.distantPast
    private var healthy = false

    init(database: AppDatabase) { self.database = database }

    func isHealthy(now: Date = Date()) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if now.timeIntervalSince(checkedAt) >= Self.interval {
            healthy = (try? database.ping()) != nil
            checkedAt = now
        }
        return healthy
    }
}
