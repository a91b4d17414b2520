import BalieCore
import Foundation
import GRDB

extension AppDatabase: StaffRepository {
    private static let staffColumns = """
        id, username, full_name, role, active, password_hash, grants,
        (SELECT group_concat(branch) FROM (SELECT branch FROM staff_branch WHERE staff_id = staff.id ORDER BY branch)) AS branches
        """

    private static func staff(from row: Row) -> Staff {
        Staff(
            id: row["id"], username: row["username"], fullName: row["full_name"],
            role: StaffRole(rawValue: row["role"]) ?? .staff,
            branches: ((row["branches"] as String?) ?? "").split(separator: ",").map(String.init),
            grants: Set(((row["grants"] as String?) ?? "").split(separator: ",").compactMap { StaffGrant(rawValue: String($0)) }),
            isActive: row["active"], passwordHash: row["password_hash"])
    }

    private static func grantsText(_ grants: Set<StaffGrant>) -> String { grants.map(\.rawValue).sorted().joined(separator: ",") }

    @discardableResult
    public func insertStaff(_ staff: Staff) throws -> Staff {
        try writer.write { db in
            try db.execute(
                sql: "INSERT INTO staff(username, full_name, role, active, password_hash, grants) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [staff.username, staff.fullName, staff.role.rawValue, staff.isActive, staff.passwordHash, Self.grantsText(staff.grants)])
            var stored = staff
            stored.id = db.lastInsertedRowID
            try Self.storeBranches(staffID: db.lastInsertedRowID, staff.branches, in: db)
            return stored
        }
    }

    public func updateStaff(_ staff: Staff) throws {
        try writer.write { db in
            try db.execute(
                sql: "UPDATE staff SET username = ?, full_name = ?, role = ?, active = ?, password_hash = ?, grants = ? WHERE id = ?",
                arguments: [staff.username, staff.fullName, staff.role.rawValue, staff.isActive, staff.passwordHash,
                            Self.grantsText(staff.grants), staff.id])
            if let id = staff.id { try Self.storeBranches(staffID: id, staff.branches, in: db) }
        }
    }

    public func setBranches(staffID: Int64, branches: [String], grants: Set<StaffGrant>) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE staff SET grants = ? WHERE id = ?", arguments: [Self.grantsText(grants), staffID])
            try Self.storeBranches(staffID: staffID, branches, in: db)
        }
    }

    private static func storeBranches(staffID: Int64, _ branches: [String], in db: Database) throws {
        try db.execute(sql: "DELETE FROM staff_branch WHERE staff_id = ?", arguments: [staffID])
        for code in Set(branches) {
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM branch WHERE code = ?)", arguments: [code]) == true else {
                throw BranchRules.Problem.unknownBranch
            }
            try db.execute(sql: "INSERT INTO staff_branch(staff_id, branch) VALUES (?, ?)", arguments: [staffID, code])
        }
    }

    public func staff(username: String) throws -> Staff? {
        try writer.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.staffColumns) FROM staff WHERE username = ?", arguments: [username]).map(Self.staff)
        }
    }

    public func staff(id: Int64) throws -> Staff? {
        try writer.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT \(Self.staffColumns) FROM staff WHERE id = ?"), arguments: [id]).map(Self.staff)
        }
    }

    public func allStaff() throws -> [Staff] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.staffColumns) FROM staff ORDER BY username").map(Self.staff)
        }
    }

    public func insertSession(_ session: StaffSession) throws {
        try writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO staff_session(token_hash, staff_id, created_at, last_seen_at, client_address, working_branch)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [session.tokenHash, session.staffID, session.createdAt.timeIntervalSince1970,
                            session.lastSeenAt.timeIntervalSince1970, session.clientAddress, session.workingBranch])
        }
    }

    public func session(tokenHash: String) throws -> StaffSession? {
        try writer.read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT token_hash, staff_id, created_at, last_seen_at, client_address, working_branch FROM staff_session WHERE token_hash = ?"),
                arguments: [tokenHash]
            ).map { row in
                StaffSession(
                    tokenHash: row["token_hash"], staffID: row["staff_id"],
                    createdAt: Date(timeIntervalSince1970: row["created_at"]),
                    lastSeenAt: Date(timeIntervalSince1970: row["last_seen_at"]), clientAddress: row["client_address"],
                    workingBranch: row["working_branch"])
            }
        }
    }

    public func touchSession(tokenHash: String, at: Date) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE staff_session SET last_seen_at = ? WHERE token_hash = ?",
                           arguments: [at.timeIntervalSince1970, tokenHash])
        }
    }

    public func setWorkingBranch(tokenHash: String, branch: String) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE staff_session SET working_branch = ? WHERE token_hash = ?", arguments: [branch, tokenHash])
        }
    }

    @discardableResult
    public func deleteSignInFailures(before: Date) throws -> Int {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM sign_in_failure WHERE at <= ?", arguments: [before.timeIntervalSince1970])
            return db.changesCount
        }
    }

    public func deleteSession(tokenHash: String) throws {
        try writer.write { db in try db.execute(sql: "DELETE FROM staff_session WHERE token_hash = ?", arguments: [tokenHash]) }
    }

    public func deleteSessions(staffID: Int64) throws {
        try writer.write { db in try db.execute(sql: "DELETE FROM staff_session WHERE staff_id = ?", arguments: [staffID]) }
    }

    public func changePassword(staffID: Int64, passwordHash: String, keepingSession tokenHash: String) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE staff SET password_hash = ? WHERE id = ?", arguments: [passwordHash, staffID])
            try db.execute(sql: "DELETE FROM staff_session WHERE staff_id = ? AND token_hash <> ?", arguments: [staffID, tokenHash])
        }
    }

    @discardableResult
    public func deleteExpiredSessions(policy: SessionPolicy, now: Date) throws -> Int {
        try writer.write { db in
            try db.execute(
                sql: "DELETE FROM staff_session WHERE last_seen_at <= ? OR created_at <= ?",
                arguments: [now.timeIntervalSince1970 - policy.idleTimeout, now.timeIntervalSince1970 - policy.absoluteTimeout])
            return db.changesCount
        }
    }

    public func recordSignInFailure(username: String, clientAddress: String, at: Date) throws {
        try writer.write { db in
            try db.execute(sql: "INSERT INTO sign_in_failure(username, client_address, at) VALUES (?, ?, ?)",
                           arguments: [username, clientAddress, at.timeIntervalSince1970])
        }
    }

    public func signInFailures(username: String, since: Date) throws -> Int {
        try writer.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM sign_in_failure WHERE username = ? AND at > ?",
                             arguments: [username, since.timeIntervalSince1970]) ?? 0
        }
    }

    public func signInFailures(clientAddress: String, since: Date) throws -> Int {
        try writer.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM sign_in_failure WHERE client_address = ? AND at > ?",
                             arguments: [clientAddress, since.timeIntervalSince1970]) ?? 0
        }
    }

    public func clearSignInFailures(username: String) throws {
        try writer.write { db in try db.execute(sql: "DELETE FROM sign_in_failure WHERE username = ?", arguments: [username]) }
    }
}

extension AppDatabase: AuditRepository {
    /// Every view of a record writes one of these before its page is answered: they share commits with other
    /// views, steps and notes (see WriteBatcher), each durable before this returns.
    public func appendAudit(_ event: AuditEvent) throws {
        try batcher.write(to: writer) { db in try Self.appendAudit(event, in: db) }
    }

    /// Several rows in one savepoint of a shared commit: all stored or none.
    public func appendAudit(_ events: [AuditEvent]) throws {
        try batcher.write(to: writer) { db in try events.forEach { try Self.appendAudit($0, in: db) } }
    }

    /// Within a transaction that also does what is audited, so that neither happens without the other.
    static func appendAudit(_ event: AuditEvent, in db: Database) throws {
        try db.cachedStatement(
            sql: "INSERT INTO audit_event(at, action, actor_id, actor_role, subject, origin, detail, reason, branch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ).execute(
            arguments: [event.at.timeIntervalSince1970, event.action.rawValue, event.actorID, event.actorRole?.rawValue,
                        event.subject, event.origin, event.detail, event.reason, event.branch])
    }

    static let auditColumns = "id, at, action, actor_id, actor_role, subject, origin, detail, reason, branch"

    static func auditEvent(_ row: Row) -> AuditEvent? {
        guard let action = AuditEvent.Action(rawValue: row["action"]) else { return nil }
        return AuditEvent(id: row["id"], at: Date(timeIntervalSince1970: row["at"]), action: action, actorID: row["actor_id"],
                          actorRole: (row["actor_role"] as String?).flatMap(StaffRole.init), subject: row["subject"],
                          origin: row["origin"], detail: row["detail"], reason: row["reason"], branch: row["branch"])
    }

    public func recentAudit(limit: Int) throws -> [AuditEvent] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.auditColumns) FROM audit_event ORDER BY id DESC LIMIT ?", arguments: [limit])
                .compactMap(Self.auditEvent)
        }
    }

    public func audit(subject: String) throws -> [AuditEvent] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.auditColumns) FROM audit_event WHERE subject = ? ORDER BY id", arguments: [subject])
                .compactMap(Self.auditEvent)
        }
    }
}
