import Foundation

/// Connections for libmicrohttpd's worker threads: at most `size` open at once, one caller per connection.
/// A caller that finds none free waits (up to `waitSeconds`, then the database counts as unavailable). A
/// connection that broke (the server restarted, the network dropped) is closed and the next caller opens a
/// fresh one, so the instance reconnects by itself once the database is back.
public final class PostgresPool: @unchecked Sendable {
    public let address: String
    public let size: Int
    let statementTimeoutMilliseconds: Int
    let waitSeconds: TimeInterval
    private let condition = NSCondition()
    private var idle: [PostgresConnection] = []
    private var open = 0

    public init(address: String, size: Int, statementTimeoutMilliseconds: Int = 10_000, waitSeconds: TimeInterval = 5) {
        self.address = address
        self.size = max(1, size)
        self.statementTimeoutMilliseconds = statementTimeoutMilliseconds
        self.waitSeconds = waitSeconds
    }

    /// Runs `body` with a connection of its own.
    func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let connection = try checkOut()
        do {
            let value = try body(connection)
            checkIn(connection)
            return value
        } catch {
            checkIn(connection)
            throw error
        }
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws. `begin` is the statement
    /// that opens it, with its mode in the same round trip (`readSnapshot`).
    func transaction<T>(begin: String = "BEGIN", _ body: (PostgresConnection) throws -> T) throws -> T {
        try withConnection { connection in
            try connection.execute(begin)
            do {
                let value = try body(connection)
                try connection.execute("COMMIT")
                return value
            } catch {
                if connection.isHealthy { _ = try? connection.execute("ROLLBACK") }
                throw error
            }
        }
    }

    /// Opens a read of one snapshot, as SQLite's read transaction: every statement sees the same committed state.
    static let beginSnapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"

    /// Statements on one snapshot, for reads that go on from what they read (`pipelinedSnapshot` when none does).
    func readSnapshot<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try transaction(begin: Self.beginSnapshot, body)
    }

    /// `statements` in one transaction opened with `begin` and committed, all sent as one pipeline: one round trip for
    /// the lot. Rolled back when one fails (the rest are then skipped). Their results, in order.
    func pipelinedTransaction(begin: String = "BEGIN", _ statements: [PostgresStatement]) throws -> [PostgresRows] {
        try withConnection { connection in
            do {
                let results = try connection.pipeline([PostgresStatement(begin)] + statements + [PostgresStatement("COMMIT")])
                return Array(results.dropFirst().dropLast())
            } catch {
                if connection.isHealthy { _ = try? connection.execute("ROLLBACK") }
                throw error
            }
        }
    }

    /// Reads that need nothing from each other, on one snapshot and in one round trip.
    func pipelinedSnapshot(_ statements: [PostgresStatement]) throws -> [PostgresRows] {
        try pipelinedTransaction(begin: Self.beginSnapshot, statements)
    }

    /// Connections open now (idle and in use).
    public var openConnections: Int {
        condition.lock()
        defer { condition.unlock() }
        return open
    }

    private func checkOut() throws -> PostgresConnection {
        condition.lock()
        let deadline = Date().addingTimeInterval(waitSeconds)
        while idle.isEmpty && open >= size {
            guard condition.wait(until: deadline) else {
                condition.unlock()
                throw PostgresError(sqlState: "", message: "no free database connection within \(Int(waitSeconds)) s", isUnavailable: true)
            }
        }
        if let connection = idle.popLast() {
            condition.unlock()
            return connection
        }
        open += 1
        condition.unlock()
        do {
            return try PostgresConnection(address: address, statementTimeoutMilliseconds: statementTimeoutMilliseconds)
        } catch {
            condition.lock()
            open -= 1
            condition.signal()
            condition.unlock()
            throw error
        }
    }

    private func checkIn(_ connection: PostgresConnection) {
        condition.lock()
        if connection.isHealthy {
            idle.append(connection)
        } else {
            open -= 1  // dropped here; a later caller opens a new one
        }
        condition.signal()
        condition.unlock()
    }
}
