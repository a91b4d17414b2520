import BalieCore
import Foundation

/// The central deployment's store: PostgreSQL through libpq, shared by several Balie instances. Tables and
/// columns are those of the SQLite store (`PostgresSchema`), so both read alike; times are seconds since 1970.
/// Each repository protocol is implemented in a file of its own (`PostgresStore+Area.swift`).
public final class PostgresStore: @unchecked Sendable {
    let pool: PostgresPool
    public let commits = CommitStatistics()

    /// Connects (a pool of `connections`, one per worker thread) and brings the schema up to date under an
    /// advisory lock, so instances that start together migrate once.
    public init(address: String, connections: Int, statementTimeoutMilliseconds: Int = 10_000) throws {
        pool = PostgresPool(address: address, size: connections, statementTimeoutMilliseconds: statementTimeoutMilliseconds)
        try PostgresMigrator(pool: pool).migrate()
    }

    /// One statement outside a transaction (reads).
    func query(_ sql: String, _ parameters: [String?] = []) throws -> [PostgresRow] {
        try pool.withConnection { try $0.execute(sql, parameters) }.all
    }

    /// Statements in one transaction, committed before it returns; its duration counts in `commits`.
    func write<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try countedCommit { try pool.transaction(body) }
    }

    /// A write of statements that need nothing from each other's results, committed before it returns, in one round
    /// trip: one statement alone runs in autocommit (PostgreSQL makes it its own transaction, all or nothing as with
    /// BEGIN and COMMIT around it), several go as one pipeline between BEGIN and COMMIT. Their results, in order; one
    /// commit in `commits`, as `write`.
    @discardableResult
    func write(_ statements: [PostgresStatement]) throws -> [PostgresRows] {
        try countedCommit {
            if statements.count == 1, let statement = statements.first {
                return [try pool.withConnection { try $0.execute(statement) }]
            }
            return try pool.pipelinedTransaction(statements)
        }
    }

    /// One write statement, in autocommit (see `write(_:)` with statements); its result.
    @discardableResult
    func write(_ statement: PostgresStatement) throws -> PostgresRows {
        try write([statement])[0]
    }

    @discardableResult
    func write(_ sql: String, _ parameters: [String?] = []) throws -> PostgresRows {
        try write(PostgresStatement(sql, parameters))
    }

    private func countedCommit<T>(_ commit: () throws -> T) throws -> T {
        let started = Date()
        do {
            let value = try commit()
            commits.record(seconds: Date().timeIntervalSince(started))
            return value
        } catch {
            if StorageProblem.of(error) != nil { commits.recordFailure() }
            throw error
        }
    }
}

// MARK: - Values in and out

/// How values travel as libpq text parameters.
enum SQL {
    static func text(_ value: String?) -> String? { value }
    static func int(_ value: Int64?) -> String? { value.map(String.init) }
    static func int(_ value: Int?) -> String? { value.map(String.init) }
    static func bool(_ value: Bool?) -> String? { value.map { $0 ? "true" : "false" } }
    /// Seconds since 1970, with the fraction (as the SQLite store keeps them).
    static func time(_ value: Date?) -> String? { value.map { String($0.timeIntervalSince1970) } }
    static func double(_ value: Double?) -> String? { value.map { String($0) } }
}

/// One row of a result, read by column name.
struct PostgresRow {
    let columns: [String]
    let values: [String?]

    subscript(_ name: String) -> String? {
        guard let index = columns.firstIndex(of: name) else { preconditionFailure("no column \(name) in \(columns)") }
        return values[index]
    }

    func string(_ name: String) -> String { self[name] ?? "" }
    func int64(_ name: String) -> Int64? { self[name].flatMap { Int64($0) } }
    func int(_ name: String) -> Int? { self[name].flatMap { Int($0) } }
    func double(_ name: String) -> Double? { self[name].flatMap { Double($0) } }
    func date(_ name: String) -> Date? { double(name).map { Date(timeIntervalSince1970: $0) } }
    /// libpq writes booleans as "t" and "f".
    func bool(_ name: String) -> Bool? { self[name].map { $0 == "t" || $0 == "true" } }
    /// `bytea` in libpq's hex output ("\x0a1b…").
    func bytes(_ name: String) -> [UInt8]? {
        guard let text = self[name], text.hasPrefix("\\x") else { return nil }
        var bytes: [UInt8] = []
        var index = text.index(text.startIndex, offsetBy: 2)
        while index < text.endIndex, let next = text.index(index, offsetBy: 2, limitedBy: text.endIndex) {
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}

extension PostgresRows {
    var all: [PostgresRow] { rows.map { PostgresRow(columns: columns, values: $0) } }
    var first: PostgresRow? { rows.first.map { PostgresRow(columns: columns, values: $0) } }
}

extension PostgresConnection {
    /// The rows of one statement, by column name.
    func rows(_ sql: String, _ parameters: [String?] = []) throws -> [PostgresRow] { try execute(sql, parameters).all }

    /// The audit row of what the same transaction does (the trail only ever takes inserts).
    func insertAudit(_ event: AuditEvent) throws { try execute(.insertAudit(event)) }
}

extension PostgresStatement {
    /// The INSERT of one audit row.
    static func insertAudit(_ event: AuditEvent) -> PostgresStatement {
        PostgresStatement(
            "INSERT INTO audit_event (at, action, actor_id, actor_role, subject, origin, detail, reason, branch) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            [SQL.time(event.at), SQL.text(event.action.rawValue), SQL.int(event.actorID), SQL.text(event.actorRole?.rawValue),
             SQL.text(event.subject), SQL.text(event.origin), SQL.text(event.detail), SQL.text(event.reason), SQL.text(event.branch)])
    }
}

extension SQL {
    /// A text[] parameter ("{\"banking\",\"other\"}"), each element quoted; an empty list matches nothing in `= ANY`.
    static func textArray(_ values: [String]) -> String {
        "{" + values.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}"
    }

    /// A bigint[] parameter.
    static func idArray(_ ids: [Int64]) -> String { "{" + ids.map(String.init).joined(separator: ",") + "}" }

    /// The condition that keeps rows of the branches in scope (`column = ANY($n)`), its parameter appended:
    /// everything for all branches, nothing for an empty list (as `AppDatabase.branchCondition`).
    static func branchScope(_ column: String, _ scope: BranchScope, _ parameters: inout [String?]) -> String {
        guard let codes = scope.codes else { return "true" }
        guard !codes.isEmpty else { return "false" }
        parameters.append(textArray(codes))
        return "\(column) = ANY ($\(parameters.count)::text[])"
    }
}

extension PostgresStore: RecordStore {}
