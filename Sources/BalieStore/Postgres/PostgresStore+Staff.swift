import BalieCore
import Foundation

// Staff accounts, sign-in sessions and failures, and the audit trail, as AppDatabase+Staff.swift and
// AppDatabase+AuditTrail.swift keep them. Text is ordered with COLLATE "C": byte order, as SQLite's BINARY,
// whatever collation the server's database was made with.

extension PostgresStore: StaffRepository {
    private static let staffColumns = """
        id, username, full_name, role, active, password_hash, grants,
        (SELECT string_agg(branch, ',' ORDER BY branch COLLATE "C") FROM staff_branch WHERE staff_id = staff.id) AS branches
        """

    private static func staff(from row: PostgresRow) -> Staff {
        Staff(
            id: row.int64("id"), username: row.string("username"), fullName: row.string("full_name"),
            role: StaffRole(rawValue: row.string("role")) ?? .staff,
            branches: row.string("branches").split(separator: ",").map(String.init),
            grants: Set(row.string("grants").split(separator: ",").compactMap { StaffGrant(rawValue: String($0)) }),
            isActive: row.bool("active") ?? false, passwordHash: row.string("password_hash"))
    }

    private static func grantsText(_ grants: Set<StaffGrant>) -> String { grants.map(\.rawValue).sorted().joined(separator: ",") }

    @discardableResult
    public func insertStaff(_ staff: Staff) throws -> Staff {
        try write { connection in
            let rows = try connection.rows(
                "INSERT INTO staff (username, full_name, role, active, password_hash, grants) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                [SQL.text(staff.username), SQL.text(staff.fullName), SQL.text(staff.role.rawValue), SQL.bool(staff.isActive),
                 SQL.text(staff.passwordHash), SQL.text(Self.grantsText(staff.grants))])
            guard let id = rows.first?.int64("id") else { throw PostgresError(sqlState: "", message: "no id returned", isUnavailable: false) }
            var stored = staff
            stored.id = id
            try Self.storeBranches(staffID: id, staff.branches, in: connection)
            return stored
        }
    }

    public func updateStaff(_ staff: Staff) throws {
        try write { connection in
            try connection.execute(
                "UPDATE staff SET username = $1, full_name = $2, role = $3, active = $4, password_hash = $5, grants = $6 WHERE id = $7",
                [SQL.text(staff.username), SQL.text(staff.fullName), SQL.text(staff.role.rawValue), SQL.bool(staff.isActive),
                 SQL.text(staff.passwordHash), SQL.text(Self.grantsText(staff.grants)), SQL.int(staff.id)])
            if let id = staff.id { try Self.storeBranches(staffID: id, staff.branches, in: connection) }
        }
    }

    public func setBranches(staffID: Int64, branches: [String], grants: Set<StaffGrant>) throws {
        try write { connection in
            try connection.execute("UPDATE staff SET grants = $1 WHERE id = $2", [SQL.text(Self.grantsText(grants)), SQL.int(staffID)])
            try Self.storeBranches(staffID: staffID, branches, in: connection)
        }
    }

    private static func storeBranches(staffID: Int64, _ branches: [String], in connection: PostgresConnection) throws {
        try connection.execute("DELETE FROM staff_branch WHERE staff_id = $1", [SQL.int(staffID)])
        for code in Set(branches) {
            guard try connection.rows("SELECT 1 FROM branch WHERE code = $1", [SQL.text(code)]).first != nil else {
                throw BranchRules.Problem.unknownBranch
            }
            try connection.execute("INSERT INTO staff_branch (staff_id, branch) VALUES ($1, $2)", [SQL.int(staffID), SQL.text(code)])
        }
    }

    public func staff(username: String) throws -> Staff? {
        try query("SELECT \(Self.staffColumns) FROM staff WHERE username = $1", [SQL.text(username)]).first.map(Self.staff)
    }

    public func staff(id: Int64) throws -> Staff? {
        try query("SELECT \(Self.staffColumns) FROM staff WHERE id = $1", [SQL.int(id)]).first.map(Self.staff)
    }

    public func allStaff() throws -> [Staff] {
        try query("SELECT \(Self.staffColumns) FROM staff ORDER BY username COLLATE \"C\"").map(Self.staff)
    }

    public func insertSession(_ session: StaffSession) throws {
        try write(
            """
            INSERT INTO staff_session (token_hash, staff_id, created_at, last_seen_at, client_address, working_branch)
            VALUES ($1, $2, $3, $4, $5, $6)
            """,
            [SQL.text(session.tokenHash), SQL.int(session.staffID), SQL.time(session.createdAt), SQL.time(session.lastSeenAt),
             SQL.text(session.clientAddress), SQL.text(session.workingBranch)])
    }

    public func session(tokenHash: String) throws -> StaffSession? {
        try query(
            "SELECT token_hash, staff_id, created_at, last_seen_at, client_address, working_branch FROM staff_session WHERE token_hash = $1",
            [SQL.text(tokenHash)]
        ).first.map { row in
            StaffSession(
                tokenHash: row.string("token_hash"), staffID: row.int64("staff_id") ?? 0,
                createdAt: row.date("created_at") ?? Date(timeIntervalSince1970: 0),
                lastSeenAt: row.date("last_seen_at") ?? Date(timeIntervalSince1970: 0), clientAddress: row.string("client_address"),
                workingBranch: row["working_branch"])
        }
    }

    public func touchSession(tokenHash: String, at: Date) throws {
        try write("UPDATE staff_session SET last_seen_at = $1 WHERE token_hash = $2", [SQL.time(at), SQL.text(tokenHash)])
    }

    public func setWorkingBranch(tokenHash: String, branch: String) throws {
        try write("UPDATE staff_session SET working_branch = $1 WHERE token_hash = $2", [SQL.text(branch), SQL.text(tokenHash)])
    }

    @discardableResult
    public func deleteSignInFailures(before: Date) throws -> Int {
        try write("DELETE FROM sign_in_failure WHERE at <= $1", [SQL.time(before)]).affected
    }

    public func deleteSession(tokenHash: String) throws {
        try write("DELETE FROM staff_session WHERE token_hash = $1", [SQL.text(tokenHash)])
    }

    public func deleteSessions(staffID: Int64) throws {
        try write("DELETE FROM staff_session WHERE staff_id = $1", [SQL.int(staffID)])
    }

    public func changePassword(staffID: Int64, passwordHash: String, keepingSession tokenHash: String) throws {
        try write { connection in
            try connection.execute("UPDATE staff SET password_hash = $1 WHERE id = $2", [SQL.text(passwordHash), SQL.int(staffID)])
            try connection.execute("DELETE FROM staff_session WHERE staff_id = $1 AND token_hash <> $2", [SQL.int(staffID), SQL.text(tokenHash)])
        }
    }

    @discardableResult
    public func deleteExpiredSessions(policy: SessionPolicy, now: Date) throws -> Int {
        try write("DELETE FROM staff_session WHERE last_seen_at <= $1 OR created_at <= $2",
                  [SQL.double(now.timeIntervalSince1970 - policy.idleTimeout), SQL.double(now.timeIntervalSince1970 - policy.absoluteTimeout)]
        ).affected
    }

    public func recordSignInFailure(username: String, clientAddress: String, at: Date) throws {
        try write("INSERT INTO sign_in_failure (username, client_address, at) VALUES ($1, $2, $3)",
                  [SQL.text(username), SQL.text(clientAddress), SQL.time(at)])
    }

    public func signInFailures(username: String, since: Date) throws -> Int {
        try query("SELECT count(*) AS n FROM sign_in_failure WHERE username = $1 AND at > $2",
                  [SQL.text(username), SQL.time(since)]).first?.int("n") ?? 0
    }

    public func signInFailures(clientAddress: String, since: Date) throws -> Int {
        try query("SELECT count(*) AS n FROM sign_in_failure WHERE client_address = $1 AND at > $2",
                  [SQL.text(clientAddress), SQL.time(since)]).first?.int("n") ?? 0
    }

    public func clearSignInFailures(username: String) throws {
        try write("DELETE FROM sign_in_failure WHERE username = $1", [SQL.text(username)])
    }
}

extension PostgresStore: AuditRepository {
    /// One INSERT in autocommit: durable when it returns, in one round trip.
    public func appendAudit(_ event: AuditEvent) throws {
        try write(.insertAudit(event))
    }

    /// Several rows in one transaction (one pipeline): all stored or none.
    public func appendAudit(_ events: [AuditEvent]) throws {
        try write(events.map(PostgresStatement.insertAudit))
    }

    private static let auditColumns = ["id", "at", "action", "actor_id", "actor_role", "subject", "origin", "detail", "reason", "branch"]

    /// Rows whose action this version does not know are left out, as in SQLite.
    private static func auditEvent(_ row: PostgresRow) -> AuditEvent? {
        guard let action = AuditEvent.Action(rawValue: row.string("action")) else { return nil }
        return AuditEvent(id: row.int64("id"), at: row.date("at") ?? Date(timeIntervalSince1970: 0), action: action,
                          actorID: row.int64("actor_id"), actorRole: row["actor_role"].flatMap(StaffRole.init), subject: row["subject"],
                          origin: row.string("origin"), detail: row["detail"], reason: row["reason"], branch: row["branch"])
    }

    /// SQLite reads a negative LIMIT as none; PostgreSQL refuses it, and reads LIMIT NULL as none.
    private static func limit(_ limit: Int) -> String? { limit < 0 ? nil : SQL.int(limit) }

    public func recentAudit(limit: Int) throws -> [AuditEvent] {
        try query("SELECT \(Self.auditColumns.joined(separator: ", ")) FROM audit_event ORDER BY id DESC LIMIT $1", [Self.limit(limit)])
            .compactMap(Self.auditEvent)
    }

    public func audit(subject: String) throws -> [AuditEvent] {
        try query("SELECT \(Self.auditColumns.joined(separator: ", ")) FROM audit_event WHERE subject = $1 ORDER BY id", [SQL.text(subject)])
            .compactMap(Self.auditEvent)
    }

    /// Audit rows that match every filter of the query, newest first, with the acting account's username and
    /// name; only the filters that are set become conditions. Rows without a branch only with `.all`.
    public func auditEntries(_ query: AuditQuery, branches: BranchScope, limit: Int) throws -> [AuditEntry] {
        var conditions: [String] = []
        var parameters: [String?] = []
        func condition(_ sql: (String) -> String, _ value: String?) {
            parameters.append(value)
            conditions.append(sql("$\(parameters.count)"))
        }
        switch branches.codes {
        case nil: break
        case let codes? where codes.isEmpty: conditions.append("false")
        case let codes?:
            let placeholders = codes.map { code -> String in
                parameters.append(SQL.text(code))
                return "$\(parameters.count)"
            }
            conditions.append("a.branch IN (\(placeholders.joined(separator: ", ")))")
        }
        if let number = query.customerNumber { condition({ "a.subject = \($0)" }, SQL.text(number)) }
        if let username = query.staffUsername { condition({ "a.actor_id = (SELECT id FROM staff WHERE username = \($0))" }, SQL.text(username)) }
        if let from = query.from { condition({ "a.at >= \($0)" }, SQL.time(from)) }
        if let until = query.until { condition({ "a.at < \($0)" }, SQL.time(until)) }
        if let beforeID = query.beforeID { condition({ "a.id < \($0)" }, SQL.int(beforeID)) }
        parameters.append(Self.limit(limit))
        let columns = Self.auditColumns.map { "a.\($0)" }.joined(separator: ", ")
        let sql = """
            SELECT \(columns), s.username AS staff_username, s.full_name AS staff_name
            FROM audit_event a LEFT JOIN staff s ON s.id = a.actor_id
            \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
            ORDER BY a.id DESC LIMIT $\(parameters.count)
            """
        return try self.query(sql, parameters).compactMap { row in
            Self.auditEvent(row).map { AuditEntry(event: $0, staffUsername: row["staff_username"], staffName: row["staff_name"]) }
        }
    }
}
