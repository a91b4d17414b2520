import BalieCore
import Foundation
import GRDB

/// Balie's SQLite database: WAL mode (one writer, many concurrent readers), foreign keys on, a busy
/// timeout, `synchronous=FULL` so that an acknowledged write survives a power cut, and versioned
/// migrations that run when it opens.
public final class AppDatabase: Sendable {
    /// How long a connection waits for a lock held by another before it gives up.
    public static let busyTimeoutSeconds: TimeInterval = 5

    let writer: any DatabaseWriter
    public let path: String
    /// Concurrent session writes share one durable commit.
    let batcher = WriteBatcher()
    /// How long commits take (the durable part of every write), for `/metrics`.
    public let commits: CommitStatistics

    /// Read connections for a server with this many worker threads: one each, so that a worker
    /// rarely waits for another's read (each request reads a few times), at least 4 and at most 32
    /// (each connection keeps its own page cache).
    public static func readerCount(workerThreads: Int) -> Int { min(32, max(4, workerThreads * 2)) }

    /// Opens (and creates, then migrates) the database file at `path`. `migrate: false` opens it as
    /// it is, for checking a file that may be damaged.
    /// `readers`: connections that may read at once (default `readerCount(workerThreads:)` for one
    /// worker per core).
    public init(path: String, migrate: Bool = true, readers: Int? = nil) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(Self.busyTimeoutSeconds)
        configuration.foreignKeysEnabled = true
        configuration.maximumReaderCount = readers ?? Self.readerCount(workerThreads: ProcessInfo.processInfo.activeProcessorCount)
        let commits = CommitStatistics()
        configuration.prepareDatabase { db in
            // Commit times of the writer only (readers commit read transactions too): the figure that says
            // whether the disk keeps up.
            if !db.configuration.readonly {
                db.trace(options: .profile) { event in
                    if case .profile(let statement, let duration) = event, statement.sql.hasPrefix("COMMIT") { commits.record(seconds: duration) }
                }
            }
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // Deleted content is overwritten with zeros, not left in free pages (erasure must be real).
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        self.commits = commits
        self.writer = pool
        self.path = path
        if migrate { try Self.migrator.migrate(pool) }
    }

    /// An in-memory database for tests (one connection, same schema).
    public init(inMemoryNamed name: String = "balie") throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        let queue = try DatabaseQueue(named: name, configuration: configuration)
        self.commits = CommitStatistics()
        self.writer = queue
        self.path = ":memory:"
        try Self.migrator.migrate(queue)
    }

    /// The migrations applied so far, oldest first.
    public func appliedMigrations() throws -> [String] {
        try writer.read { db in try Self.migrator.appliedMigrations(db) }
    }

    /// All migrations the code knows, oldest first.
    public static var knownMigrations: [String] { migrator.migrations }

    /// `PRAGMA integrity_check`: `["ok"]` when the file is sound, else the problems found.
    public func integrityCheck() throws -> [String] {
        try writer.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
    }

    /// `PRAGMA journal_mode`, for checks that WAL is on.
    public func journalMode() throws -> String {
        try writer.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    /// A cheap read that proves the database answers.
    public func ping() throws {
        _ = try writer.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    /// How long the write probe waits for the write lock.
    public static let writeProbeTimeoutSeconds: TimeInterval = 1

    /// Proves that a write could start now: on a connection of its own (so it does not queue behind the
    /// server's writes), with a short busy timeout, takes SQLite's write lock (`BEGIN IMMEDIATE`) and
    /// gives it back at once. Writes nothing. Throws the database's error when the lock cannot be had,
    /// for example `SQLITE_BUSY` while another process holds it (`StorageProblem.busy`).
    public func probeWrite(timeout: TimeInterval = writeProbeTimeoutSeconds) throws {
        guard path != ":memory:" else { return try ping() }
        var configuration = Configuration()
        configuration.busyMode = .timeout(timeout)
        let probe = try DatabaseQueue(path: path, configuration: configuration)
        try probe.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            try db.execute(sql: "ROLLBACK")
        }
    }

    /// A secret that lives in the database, created on first use (for example the key that CSRF
    /// tokens are derived from, so that open forms survive a restart).
    public func secret(named name: String) throws -> [UInt8] {
        if let existing = try writer.read({ db in try Data.fetchOne(db, sql: "SELECT value FROM secret WHERE name = ?", arguments: [name]) }) {
            return Array(existing)
        }
        let fresh = Data(SecureRandom.bytes(32))
        return try writer.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO secret(name, value) VALUES (?, ?)", arguments: [name, fresh])
            return Array(try Data.fetchOne(db, sql: "SELECT value FROM secret WHERE name = ?", arguments: [name]) ?? fresh)
        }
    }
}

extension AppDatabase: RecordStore {}
