import BalieCore
import Foundation
import GRDB

extension AppDatabase: StaffRepository {
    private static let staffColumns = "id, username, full_name, role, branch, active, password_hash"

    private static func staff(from row: Row) -> Staff {
        Staff(
            id: row["id"], username: row["username"], fullName: row["full_name"],
            role: StaffRole(rawValue: row["role"]) ?? .staff, branch: row["branch"], isActive: row["active"],
            passwordHash: row["password_hash"])
    }

    @discardableResult
    public func insertStaff(_ staff: Staff) throws -> Staff {
        try writer.write { db in
            try db.execute(
                sql: "INSERT INTO staff(username, full_name, role, branch, active, password_hash) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [staff.username, staff.fullName, staff.role.rawValue, staff.branch, staff.isActive, staff.passwordHash])
            var stored = staff
            stored.id = db.lastInsertedRowID
            return stored
        }
    }

    public func updateStaff(_ staff: Staff) throws {
        try writer.write { db in
            try db.execute(
                sql: "UPDATE staff SET username = ?, full_name = ?, role = ?, branch = ?, active = ?, password_hash = ? WHERE id = ?",
                arguments: [staff.username, staff.fullName, staff.role.rawValue, staff.branch, staff.isActive, staff.passwordHash, staff.id])
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
                sql: "INSERT INTO staff_session(token_hash, staff_id, created_at, last_seen_at, client_address) VALUES (?, ?, ?, ?, ?)",
                arguments: [session.tokenHash, session.staffID, session.createdAt.timeIntervalSince1970,
                            session.lastSeenAt.timeIntervalSince1970, session.clientAddress])
        }
    }

    public func session(tokenHash: String) throws -> StaffSession? {
        try writer.read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT token_hash, staff_id, created_at, last_seen_at, client_address FROM staff_session WHERE token_hash = ?"),
                arguments: [tokenHash]
            ).map { row in
                StaffSession(
                    tokenHash: row["token_hash"], staffID: row["staff_id"],
                    createdAt: Date(timeIntervalSince1970: row["created_at"]),
                    lastSeenAt: Date(timeIntervalSince1970: row["last_seen_at"]), clientAddress: row["client_address"])
            }
        }
    }

    public func touchSession(tokenHash: String, at: Date) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE staff_session SET last_seen_at = ? WHERE token_hash = ?",
                           arguments: [at.timeIntervalSince1970, tokenHash])
        }
    }

    public func deleteSession(tokenHash: String) throws {
        try writer.write { db in try db.execute(sql: "DELETE FROM staff_session WHERE token_hash = ?", arguments: [tokenHash]) }
    }

    public func deleteSessions(staffID: Int64) throws {
        try writer.write { db in try db.execute(sql: "DELETE FROM staff_session WHERE staff_id = ?", arguments: [staffID]) }
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
    public func appendAudit(_ event: AuditEvent) throws {
        try writer.write { db in try Self.appendAudit(event, in: db) }
    }

    /// Several rows in one transaction: all stored or none.
    public func appendAudit(_ events: [AuditEvent]) throws {
        try writer.write { db in try events.forEach { try Self.appendAudit($0, in: db) } }
    }

    /// Within a transaction that also does what is audited, so that neither happens without the other.
    static func appendAudit(_ event: AuditEvent, in db: Database) throws {
        try db.cachedStatement(
            sql: "INSERT INTO audit_event(at, action, actor_id, actor_role, subject, origin, detail, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        ).execute(
            arguments: [event.at.timeIntervalSince1970, event.action.rawValue, event.actorID, event.actorRole?.rawValue,
                        event.subject, event.origin, event.detail, event.reason])
    }

    static let auditColumns = "id, at, action, actor_id, actor_role, subject, origin, detail, reason"

    static func auditEvent(_ row: Row) -> AuditEvent? {
        guard let action = AuditEvent.Action(rawValue: row["action"]) else { return nil }
        return AuditEvent(id: row["id"], at: Date(timeIntervalSince1970: row["at"]), action: action, actorID: row["actor_id"],
                          actorRole: (row["actor_role"] as String?).flatMap(StaffRole.init), subject: row["subject"],
                          origin: row["origin"], detail: row["detail"], reason: row["reason"])
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
