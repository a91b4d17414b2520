import Foundation
import GRDB

extension AppDatabase {
    /// Every row of every table as text, table by table and sorted: two snapshots are equal when nothing
    /// was stored, changed or removed. For checks that a refused request changed nothing (tests, `balie check`-like tools).
    public func contentSnapshot(excluding excluded: Set<String>) throws -> [String: [String]] {
        try writer.read { db in
            let tables = try String.fetchAll(db, sql: """
                SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%'
                    AND name NOT LIKE 'customer_name%' ORDER BY name
                """)
            var snapshot: [String: [String]] = [:]
            for table in tables where !excluded.contains(table) {
                snapshot[table] = try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\"").map { row in
                    row.databaseValues.map { $0.description }.joined(separator: "|")
                }.sorted()
            }
            return snapshot
        }
    }
}
