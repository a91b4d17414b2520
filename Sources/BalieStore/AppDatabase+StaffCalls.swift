import BalieCore
import Foundation
import GRDB

extension AppDatabase: StaffCallRepository {
    @discardableResult
    public func record(_ call: StaffCall) throws -> StaffCall {
        try writer.write { db in
            try db.execute(
                sql: "INSERT INTO staff_call(kiosk, task_group, at) VALUES (?, ?, ?)",
                arguments: [call.kiosk, call.group?.rawValue, call.at.timeIntervalSince1970])
            var stored = call
            stored.id = db.lastInsertedRowID
            return stored
        }
    }

    public func recentStaffCalls(limit: Int) throws -> [StaffCall] {
        try writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, kiosk, task_group, at FROM staff_call ORDER BY at DESC, id DESC LIMIT ?",
                arguments: [limit]
            ).map { row in
                StaffCall(
                    id: row["id"], kiosk: row["kiosk"], group: (row["task_group"] as String?).flatMap(TaskGroup.init),
                    at: Date(timeIntervalSince1970: row["at"]))
            }
        }
    }
}
