import Foundation

/// Applies the schema's migrations that a database lacks, in order, each in its own transaction. Several
/// instances starting together take the same advisory lock first, so the migrations run once.
///
/// A database that is already current is only read (the version table, under the lock): instances may then
/// connect as an application role without any right to change the schema, after the owner role migrated
/// (`balie migrate`, deploy/central/roles.sql), and they start on a read-only standby too.
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
            func refused(_ error: PostgresError, _ step: PostgresMigrationRefused.Step) -> PostgresMigrationRefused {
                let role = (try? connection.rows("SELECT current_user AS role").first?["role"]) ?? "this role"
                return PostgresMigrationRefused(step: step, role: role, cause: error)
            }
            let present: Bool, done: Set<String>
            do {
                present = try connection.rows("SELECT to_regclass('schema_migration') IS NOT NULL AS present").first?.bool("present") ?? false
                done = present ? Set(try Self.applied(connection)) : []
            } catch let error as PostgresError where error.sqlState == "42501" {
                throw refused(error, .read)
            }
            let missing = PostgresSchema.migrations.filter { !done.contains($0.name) }
            guard !missing.isEmpty else { return try Self.applied(connection) }
            do {
                if !present {
                    try connection.execute("""
                        CREATE TABLE IF NOT EXISTS schema_migration (name text PRIMARY KEY, applied_at double precision NOT NULL)
                        """)
                }
                for migration in missing {
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
            } catch let error as PostgresError where ["42501", "25006"].contains(error.sqlState) {
                // 42501: insufficient privilege (no CREATE on the schema, not a table's owner); 25006: a read-only
                // transaction (a standby, or default_transaction_read_only).
                throw refused(error, .migrate(missing: missing.map(\.name)))
            }
            return try Self.applied(connection)
        }
    }

    private static func applied(_ connection: PostgresConnection) throws -> [String] {
        try connection.execute("SELECT name FROM schema_migration ORDER BY applied_at, name").rows.compactMap { $0[0] }
    }
}

/// The connected role may not read the schema's version, or the schema lacks migrations and the role may not
/// apply them (an application role, or a standby): says what to do instead of PostgreSQL's bare "permission denied".
public struct PostgresMigrationRefused: Error, CustomStringConvertible, Sendable {
    public enum Step: Sendable, Equatable {
        case read
        case migrate(missing: [String])
    }

    public let step: Step
    public let role: String
    public let cause: PostgresError

    public var description: String {
        // libpq's message is "ERROR:  permission denied for schema public" and the statement's lines after it.
        let reason = cause.message.split(separator: "\n").first.map { $0.replacingOccurrences(of: "ERROR:  ", with: "") } ?? cause.message
        switch step {
        case .read:
            return "The role \(role) may not read the schema's version (\(reason)). Give it its rights on this database: "
                + "deploy/central/roles.sql, after migrating as the role that owns the schema (deploy/central/README.md)."
        case .migrate(let missing):
            let which = missing.count == 1 ? missing[0] : "\(missing.count) migrations, from \(missing[0]) on"
            return "The database schema is behind this Balie (it lacks \(which)), and the role \(role) may not change it "
                + "(\(reason)). Migrate it as the role that owns the schema, `balie migrate --database postgres://OWNER@HOST/DATABASE` "
                + "(deploy/central/README.md), then start again."
        }
    }
}
