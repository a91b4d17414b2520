import ArgumentParser
import BalieStore
import Foundation

/// One `balie serve` per database file: serve holds an exclusive lock on `<database>.lock` for as long
/// as it runs, so that `restore` can refuse to pull the file from under it.
struct ServeLock {
    enum Failure: Error {
        /// Another `balie serve` holds the lock.
        case busy
        /// The lock file cannot be made: a read-only file system or no permission (errno).
        case unwritable(Int32)
    }

    private let descriptor: Int32

    init(database: String) throws(Failure) {
        let fd = open(database + ".lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .unwritable(errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw .busy
        }
        descriptor = fd
    }

    /// The lock, or a plain error that says why not.
    static func acquire(_ database: String) throws -> ServeLock {
        do {
            return try ServeLock(database: database)
        } catch .busy {
            throw CommandError("Another balie server is using \(database): stop it first.")
        } catch .unwritable(let code) {
            let reason = code == EROFS ? "the file system is read-only" : String(cString: strerror(code))
            throw CommandError("Cannot write next to \(database) (\(reason)): Balie needs a writable folder for its database.")
        }
    }

    func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the database into DIR while it is in use (SQLite online backup), verify the copy, keep the newest N.")

    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The folder for backups.") var directory: String
    @Option(help: "How many backups to keep (default 14).") var keep = 14

    func run() throws {
        guard keep >= 1 else { throw CommandError("--keep must be at least 1.") }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        let path = (directory as NSString).appendingPathComponent("balie-\(formatter.string(from: Date())).sqlite")
        guard !FileManager.default.fileExists(atPath: path) else { throw CommandError("\(path) exists; try again in a second.") }
        try database.open().backup(to: path)
        let check = try AppDatabase(path: path, migrate: false).integrityCheck()
        guard check == ["ok"] else {
            try? FileManager.default.removeItem(atPath: path)
            throw CommandError("The copy failed its integrity check: \(check.prefix(3).joined(separator: "; "))")
        }
        // Rotation: the names sort by time, oldest first.
        let backups = try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasPrefix("balie-") && $0.hasSuffix(".sqlite") }.sorted()
        for old in backups.dropLast(keep) { try FileManager.default.removeItem(atPath: (directory as NSString).appendingPathComponent(old)) }
        print(path)
    }
}

struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Replace the database with a backup. The server must be stopped.")

    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The backup file.") var file: String

    func run() throws {
        guard FileManager.default.fileExists(atPath: file) else { throw CommandError("No backup at \(file).") }
        let lock = try ServeLock.acquire(database.path)
        defer { lock.release() }
        try AppDatabase.restore(from: file, to: database.path)
        let migrated = try database.open()
        print("Restored \(file) to \(database.path) (migration \(try migrated.appliedMigrations().last ?? "none")).")
    }
}
