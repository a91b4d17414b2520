import BalieCore
import Foundation

extension PostgresStore: SharedWriteLimits {
    public func allowWrite(keys: [String], limit: Int, window: TimeInterval, now: Date) throws -> Bool {
        let since = now.addingTimeInterval(-window)
        return try write { connection in
            // One key's writes are counted by one instance at a time (locks taken in key order: no deadlock).
            for key in keys.sorted() { try connection.execute("SELECT pg_advisory_xact_lock(hashtext($1))", ["write-limit:" + key]) }
            for key in keys {
                try connection.execute("DELETE FROM write_event WHERE key = $1 AND at <= $2", [key, SQL.time(since)])
                let recent = try connection.rows("SELECT count(*) AS n FROM write_event WHERE key = $1", [key]).first?.int("n") ?? 0
                if recent >= limit { return false }
            }
            for key in keys { try connection.execute("INSERT INTO write_event (key, at) VALUES ($1, $2)", [key, SQL.time(now)]) }
            return true
        }
    }
}
