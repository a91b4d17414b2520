import BalieCore
import Foundation
import GRDB

extension AppDatabase: StaffCallRepository {
    @discardableResult
    public func record(_ call: StaffCall) throws -> StaffCall {
        try writer.write { db in
            try db.execute(
                sql: "INSERT INTO staff_call(kiosk, branch, task_group, at) VALUES (?, ?, ?, ?)",
                arguments: [call.kiosk, call.branch, call.group?.rawValue, call.at.timeIntervalSince1970])
            var stored = call
            stored.id = db.lastInsertedRowID
            return stored
        }
    }

    public func staffCallCount(kiosk: String, branch: String, since: Date) throws -> Int {
        try writer.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM staff_call WHERE branch = ? AND kiosk = ? AND at >= ?",
                             arguments: [branch, kiosk, since.timeIntervalSince1970]) ?? 0
        }
    }

    public func recentStaffCalls(branch: String, limit: Int) throws -> [StaffCall] {
        try writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, kiosk, branch, task_group, at FROM staff_call WHERE branch = ? ORDER BY at DESC, id DESC LIMIT ?",
                arguments: [branch, limit]
            ).map { row in
                StaffCall(
                    id: row["id"], kiosk: row["kiosk"], branch: row["branch"], group: (row["task_group"] as String?).flatMap(TaskGroup.init),
                    at: Date(timeIntervalSince1970: row["at"]))
            }
        }
    }
}
