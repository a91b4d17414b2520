import BalieCore
import Foundation

/// Whether the database answers and a write could start, asked at most once per `interval`: load
/// balancers and monitors may poll `/healthz` very often, and each real check is a read and a write probe
/// (the write lock taken and given back, nothing written), on a connection of its own with a 1 s timeout.
final class HealthProbe: @unchecked Sendable {
    static let interval: TimeInterval = 1
    static let ok = "ok"
    static let writeProbeTimeout: TimeInterval = 1

    private let database: any RecordStore
    private let lock = NSLock()
    private var checkedAt = Date.distantPast
    private var status = "database-unavailable"

    init(database: any RecordStore) { self.database = database }

    /// "ok", or what is wrong: "database-busy" (another process holds the write lock), "database-read-only",
    /// "database-io-error", or "database-unavailable".
    func currentStatus(now: Date = Date()) -> String {
        lock.lock()
        defer { lock.unlock() }
        if now.timeIntervalSince(checkedAt) >= Self.interval {
            do {
                try database.ping()
                try database.probeWrite(timeout: Self.writeProbeTimeout)
                status = Self.ok
            } catch {
                status = Self.status(after: error)
            }
            checkedAt = now
        }
        return status
    }

    /// The status that names a failed check's error.
    static func status(after error: any Error) -> String {
        StorageProblem.of(error).map { "database-\($0.rawValue)" } ?? "database-unavailable"
    }
}
