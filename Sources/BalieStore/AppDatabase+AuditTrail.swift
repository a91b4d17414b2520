import BalieCore
import Foundation
import GRDB

extension AppDatabase {
    /// Audit rows that match every filter of the query, newest first, with the acting account's username
    /// and name. Only the filters that are set become conditions, so that SQLite can use the index of each.
    /// The rows a query finds among the branches in `branches` (rows without a branch only with `.all`).
    public func auditEntries(_ query: AuditQuery, branches: BranchScope, limit: Int) throws -> [AuditEntry] {
        let (scope, scopeArguments) = Self.branchCondition("a.branch", branches)
        var conditions: [String] = [scope]
        var arguments: StatementArguments = scopeArguments
        if let number = query.customerNumber {
            conditions.append("a.subject = ?")
            arguments += [number]
        }
        if let username = query.staffUsername {
            conditions.append("a.actor_id = (SELECT id FROM staff WHERE username = ?)")
            arguments += [username]
        }
        if let from = query.from {
            conditions.append("a.at >= ?")
            arguments += [from.timeIntervalSince1970]
        }
        if let until = query.until {
            conditions.append("a.at < ?")
            arguments += [until.timeIntervalSince1970]
        }
        if let beforeID = query.beforeID {
            conditions.append("a.id < ?")
            arguments += [beforeID]
        }
        arguments += [limit]
        let columns = Self.auditColumns.split(separator: ", ").map { "a.\($0)" }.joined(separator: ", ")
        let sql = """
            SELECT \(columns), s.username AS staff_username, s.full_name AS staff_name
            FROM audit_event a LEFT JOIN staff s ON s.id = a.actor_id
            \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
            ORDER BY a.id DESC LIMIT ?
            """
        return try writer.read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).compactMap { row in
                Self.auditEvent(row).map { AuditEntry(event: $0, staffUsername: row["staff_username"], staffName: row["staff_name"]) }
            }
        }
    }
}
