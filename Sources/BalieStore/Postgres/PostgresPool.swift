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

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try withConnection { connection in
            try connection.execute("BEGIN")
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
