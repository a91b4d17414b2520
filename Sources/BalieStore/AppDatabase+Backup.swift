import Foundation
import GRDB

extension AppDatabase {
    /// A consistent copy made with SQLite's online backup while the server goes on writing: every
    /// transaction committed before the copy starts is in it.
    public func backup(to path: String) throws {
        let target = try DatabaseQueue(path: path)
        try writer.backup(to: target)
        try target.close()
    }

    /// Replaces the database at `target` with the verified backup at `source`. Only for a database
    /// that no server uses (the caller checks the serve lock).
    public static func restore(from source: String, to target: String) throws {
        let backup = try AppDatabase(path: source, migrate: false)
        let check = try backup.integrityCheck()
        guard check == ["ok"] else { throw DatabaseError(message: "the backup is damaged: \(check.prefix(3).joined(separator: "; "))") }
        let manager = FileManager.default
        let staging = target + ".restoring"
        try? manager.removeItem(atPath: staging)
        try manager.copyItem(atPath: source, toPath: staging)
        for suffix in ["-wal", "-shm"] { try? manager.removeItem(atPath: target + suffix) }
        if manager.fileExists(atPath: target) {
            _ = try manager.replaceItemAt(URL(fileURLWithPath: target), withItemAt: URL(fileURLWithPath: staging))
        } else {
            try manager.moveItem(atPath: staging, toPath: target)
        }
    }
}
