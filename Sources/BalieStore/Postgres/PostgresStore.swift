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
        let started = Date()
        do {
            let value = try pool.transaction(body)
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
}

extension PostgresStore: RecordStore {}
