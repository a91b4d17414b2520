import Foundation

/// Applies the schema's migrations that a database lacks, in order, each in its own transaction. Several
/// instances starting together take the same advisory lock first, so the migrations run once.
public struct PostgresMigrator: Sendable {
    /// The advisory lock's key: "balie" in ASCII, so other applications on the same server are unlikely to share it.
    static let lockKey = "1650552169"

    public let pool: PostgresPool

    public init(pool: PostgresPool) { self.pool = pool }

    /// Names of the migrations applied now, in order; runs the missing ones first.
    @discardableResult
    public func migrate() throws -> [String] {
        try pool.withConnection { connection in
            try connection.execute("SELECT pg_advisory_lock($1)", [Self.lockKey])
            defer { _ = try? connection.execute("SELECT pg_advisory_unlock($1)", [Self.lockKey]) }
            try connection.execute("""
                CREATE TABLE IF NOT EXISTS schema_migration (name text PRIMARY KEY, applied_at double precision NOT NULL)
                """)
            let done = Set(try connection.execute("SELECT name FROM schema_migration").rows.compactMap { $0[0] })
            for migration in PostgresSchema.migrations where !done.contains(migration.name) {
                try connection.execute("BEGIN")
                do {
                    try connection.executeScript(migration.sql)
                    try connection.execute("INSERT INTO schema_migration (name, applied_at) VALUES ($1, $2)",
                                           [migration.name, String(Date().timeIntervalSince1970)])
                    try connection.execute("COMMIT")
                } catch {
                    _ = try? connection.execute("ROLLBACK")
                    throw error
                }
            }
            return try connection.execute("SELECT name FROM schema_migration ORDER BY applied_at, name").rows.compactMap { $0[0] }
        }
    }
}
