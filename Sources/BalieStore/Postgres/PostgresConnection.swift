import CLibPQ
import Foundation

/// A failure reported by PostgreSQL or libpq: its SQLSTATE (five characters, "" when the connection itself
/// failed) and message. `isUnavailable` is true when the database cannot be reached or went away: callers
/// answer 503 and the pool opens a new connection next time.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    public let sqlState: String
    public let message: String
    public let isUnavailable: Bool

    public var description: String { sqlState.isEmpty ? message : "\(sqlState): \(message)" }

    /// Classes 08 (connection exception), 57P (operator intervention: shutdown, crash) and 53 (insufficient
    /// resources) mean "try again later"; so does a broken connection.
    static func classify(_ state: String) -> Bool {
        state.isEmpty || state.hasPrefix("08") || state.hasPrefix("57P") || state.hasPrefix("53")
    }
}

/// The rows of one statement, as text (libpq's text format), by column name.
public struct PostgresRows: Sendable {
    public let columns: [String]
    public let rows: [[String?]]
    /// Rows changed by an INSERT, UPDATE or DELETE.
    public let affected: Int

    public var count: Int { rows.count }

    public func column(_ name: String) -> Int? { columns.firstIndex(of: name) }
}

/// One statement with its `$1…` parameters, for the calls that send several at once (`pipeline`) or build the
/// SQL apart from where it runs.
struct PostgresStatement {
    let sql: String
    let parameters: [String?]

    init(_ sql: String, _ parameters: [String?] = []) {
        self.sql = sql
        self.parameters = parameters
    }
}

/// One connection through libpq. Not shared between threads: the pool hands it to one caller at a time.
/// This file is the only one of the PostgreSQL store that touches C pointers.
final class PostgresConnection {
    private let handle: OpaquePointer

    /// `address` is a libpq connection URI (`postgres://user@host:port/db?sslmode=require`) or key=value string.
    init(address: String, statementTimeoutMilliseconds: Int) throws {
        guard let opened = PQconnectdb(address) else {
            throw PostgresError(sqlState: "", message: "libpq could not allocate a connection", isUnavailable: true)
        }
        guard PQstatus(opened) == CONNECTION_OK else {
            let message = Self.text(PQerrorMessage(opened))
            PQfinish(opened)  // before `handle` is set: deinit (which finishes it too) does not run then
            throw PostgresError(sqlState: "", message: message.isEmpty ? "could not connect" : message, isUnavailable: true)
        }
        handle = opened
        // Notices ("already exists, skipping") are not errors; libpq would print them on standard error.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        // Times are stored as seconds since 1970 and text as UTF-8, whatever the server's defaults.
        _ = try execute("SET client_encoding TO 'UTF8'")
        _ = try execute("SET statement_timeout TO \(max(0, statementTimeoutMilliseconds))")
    }

    deinit { PQfinish(handle) }

    /// False once the connection broke, or a pipeline left it in a state it cannot be used in: the pool drops it.
    var isHealthy: Bool { !unusable && PQstatus(handle) == CONNECTION_OK }
    private var unusable = false

    /// Statements prepared on this connection (parsed and planned once), by their SQL: the name each has.
    private var prepared: [String: String] = [:]
    /// The application has about two hundred statements; SQL made on the fly beyond that (`balie copy`'s many-row
    /// inserts) runs unprepared rather than filling the server's memory.
    static let preparedStatementLimit = 512

    /// Runs one statement with `$1…` parameters sent separately from the SQL (never spliced into it), as a prepared
    /// statement of this connection. A nil parameter is SQL NULL.
    @discardableResult
    func execute(_ sql: String, _ parameters: [String?] = []) throws -> PostgresRows {
        let name = try preparedName(sql, parameterCount: parameters.count)
        let result = withParameterPointers(parameters) { values, count in
            if let name { PQexecPrepared(handle, name, Int32(count), values, nil, nil, 0) }
            else { PQexecParams(handle, sql, Int32(count), nil, values, nil, nil, 0) }
        }
        do {
            return try rows(of: result)
        } catch let error as PostgresError {
            forgetStalePlan(of: sql, after: error)
            throw error
        }
    }

    @discardableResult
    func execute(_ statement: PostgresStatement) throws -> PostgresRows { try execute(statement.sql, statement.parameters) }

    /// "cached plan must not change result type" after another instance migrated: prepared again next time.
    private func forgetStalePlan(of sql: String, after error: PostgresError) {
        if error.sqlState == "0A000" || error.sqlState == "26000" { prepared[sql] = nil }
    }

    /// Runs `statements` in libpq's pipeline mode: all are sent at once, then their results are read back in order,
    /// so that they cost one round trip to the server instead of one each. The server runs them one after the other,
    /// as `execute` would (each a prepared statement of this connection); none may need another's result. After one
    /// that fails, the server skips the rest up to the end of the pipeline and its error is thrown: a pipeline that
    /// opened a transaction (`BEGIN … COMMIT` among the statements) is then left in it, aborted, for the caller to
    /// roll back. The connection stays in blocking mode: fine for a few statements of a few hundred bytes each, which the
    /// socket takes at once whatever the server is doing; not for a bulk load.
    func pipeline(_ statements: [PostgresStatement]) throws -> [PostgresRows] {
        // New statements are prepared first, one round trip each, once in the connection's life.
        let names = try statements.map { try preparedName($0.sql, parameterCount: $0.parameters.count) }
        guard PQenterPipelineMode(handle) == 1 else {
            throw PostgresError(sqlState: "", message: Self.text(PQerrorMessage(handle)), isUnavailable: !isHealthy)
        }
        for (statement, name) in zip(statements, names) {
            let sent = withParameterPointers(statement.parameters) { values, count in
                if let name { PQsendQueryPrepared(handle, name, Int32(count), values, nil, nil, 0) }
                else { PQsendQueryParams(handle, statement.sql, Int32(count), nil, values, nil, nil, 0) }
            }
            guard sent == 1 else { throw abandonPipeline() }
        }
        guard PQpipelineSync(handle) == 1 else { throw abandonPipeline() }
        var results: [PostgresRows] = []
        var failure: PostgresError?
        for statement in statements {
            // Each statement's result (PIPELINE_ABORTED for those skipped after a failure), then a NULL that ends it.
            guard let result = PQgetResult(handle) else { throw abandonPipeline() }
            if PQresultStatus(result) == PGRES_PIPELINE_ABORTED {
                PQclear(result)
            } else {
                do {
                    results.append(try rows(of: result))
                } catch let error as PostgresError {
                    forgetStalePlan(of: statement.sql, after: error)
                    failure = failure ?? error
                }
            }
            while let extra = PQgetResult(handle) { PQclear(extra) }
        }
        // The end of the pipeline (its Sync), after which the connection takes ordinary calls again.
        guard let sync = PQgetResult(handle) else { throw abandonPipeline() }
        let synced = PQresultStatus(sync) == PGRES_PIPELINE_SYNC
        PQclear(sync)
        guard synced, PQexitPipelineMode(handle) == 1 else { throw abandonPipeline() }
        if let failure { throw failure }
        return results
    }

    /// A pipeline that could not be sent or read to its end: the connection is not used again.
    private func abandonPipeline() -> PostgresError {
        unusable = true
        let message = Self.text(PQerrorMessage(handle))
        return PostgresError(sqlState: "", message: message.isEmpty ? "the pipeline to the database broke off" : message, isUnavailable: true)
    }

    /// The name of `sql`'s prepared statement, prepared now if it is new; nil when the cache is full.
    private func preparedName(_ sql: String, parameterCount: Int) throws -> String? {
        if let name = prepared[sql] { return name }
        guard prepared.count < Self.preparedStatementLimit else { return nil }
        let name = "balie_\(prepared.count + 1)"
        _ = try rows(of: PQprepare(handle, name, sql, Int32(parameterCount), nil))
        prepared[sql] = name
        return name
    }

    private func rows(of result: OpaquePointer?) throws -> PostgresRows {
        guard let result else {
            throw PostgresError(sqlState: "", message: Self.text(PQerrorMessage(handle)), isUnavailable: !isHealthy)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            break
        default:
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? ""
            let message = Self.text(PQresultErrorMessage(result))
            throw PostgresError(sqlState: state, message: message, isUnavailable: PostgresError.classify(state) || !isHealthy)
        }
        let columnCount = Int(PQnfields(result)), rowCount = Int(PQntuples(result))
        let columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        var rows: [[String?]] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            rows.append((0..<columnCount).map { column in
                PQgetisnull(result, Int32(row), Int32(column)) == 1 ? nil : String(cString: PQgetvalue(result, Int32(row), Int32(column)))
            })
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return PostgresRows(columns: columns, rows: rows, affected: affected)
    }

    /// Runs several statements separated by semicolons, without parameters (a migration's script).
    func executeScript(_ sql: String) throws {
        guard let result = PQexec(handle, sql) else {
            throw PostgresError(sqlState: "", message: Self.text(PQerrorMessage(handle)), isUnavailable: !isHealthy)
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY else {
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? ""
            throw PostgresError(sqlState: state, message: Self.text(PQresultErrorMessage(result)),
                                isUnavailable: PostgresError.classify(state) || !isHealthy)
        }
    }

    /// Notifications that arrived for this connection's LISTENs (`channel`, `payload`), after reading what
    /// the socket has; waits up to `timeout` seconds for the first one.
    func notifications(waitingUpTo timeout: TimeInterval) throws -> [(channel: String, payload: String)] {
        var found = drainNotifications()
        if !found.isEmpty || timeout <= 0 { return found }
        let socket = PQsocket(handle)
        guard socket >= 0 else { throw PostgresError(sqlState: "", message: "no socket", isUnavailable: true) }
        var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let ready = poll(&poller, 1, Int32(timeout * 1000))
        if ready > 0 {
            guard PQconsumeInput(handle) == 1 else {
                throw PostgresError(sqlState: "", message: Self.text(PQerrorMessage(handle)), isUnavailable: true)
            }
            found = drainNotifications()
        }
        return found
    }

    private func drainNotifications() -> [(channel: String, payload: String)] {
        var found: [(channel: String, payload: String)] = []
        _ = PQconsumeInput(handle)
        while let notice = PQnotifies(handle) {
            found.append((String(cString: notice.pointee.relname), String(cString: notice.pointee.extra)))
            PQfreemem(notice)
        }
        return found
    }

    private func withParameterPointers<T>(_ parameters: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?, Int) -> T) -> T {
        let copies: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { UnsafePointer($0) }
        return pointers.withUnsafeBufferPointer { buffer in body(buffer.baseAddress, parameters.count) }
    }

    private static func text(_ pointer: UnsafePointer<CChar>?) -> String {
        pointer.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
    }
}
