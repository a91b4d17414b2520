import BalieCore
import Foundation
import GRDB

extension AppDatabase: BranchRepository {
    private static let branchColumns = "id, code, name, time_zone, opening_hours, closures"
    private static let kioskColumns = "id, name, branch, kind, active, created_at, last_seen_at"

    private static func branch(from row: Row) -> Branch {
        Branch(id: row["id"], code: row["code"], name: row["name"], timeZone: row["time_zone"],
               openingHours: (try? WeeklyHours.parse(row["opening_hours"])) ?? WeeklyHours(),
               closures: (try? BranchRules.closures(row["closures"])) ?? [])
    }

    private static func kiosk(from row: Row) -> Kiosk {
        Kiosk(id: row["id"], name: row["name"], branchCode: row["branch"], kind: Kiosk.Kind(rawValue: row["kind"]) ?? .customer,
              isActive: row["active"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
              lastSeenAt: (row["last_seen_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }

    @discardableResult
    public func insertBranch(_ branch: Branch) throws -> Branch {
        try writer.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM branch WHERE code = ?)", arguments: [branch.code]) == false else {
                throw BranchRules.Problem.codeTaken
            }
            try db.execute(sql: "INSERT INTO branch(code, name, time_zone, opening_hours, closures) VALUES (?, ?, ?, ?, ?)",
                           arguments: [branch.code, branch.name, branch.timeZone, branch.openingHours.text,
                                       branch.closures.map(\.iso).joined(separator: ",")])
            var stored = branch
            stored.id = db.lastInsertedRowID
            return stored
        }
    }

    public func updateBranch(_ branch: Branch) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE branch SET name = ?, time_zone = ?, opening_hours = ?, closures = ? WHERE code = ?",
                           arguments: [branch.name, branch.timeZone, branch.openingHours.text, branch.closures.map(\.iso).joined(separator: ","),
                                       branch.code])
            guard db.changesCount == 1 else { throw BranchRules.Problem.unknownBranch }
        }
    }

    public func branch(code: String) throws -> Branch? {
        try writer.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT \(Self.branchColumns) FROM branch WHERE code = ?"), arguments: [code]).map(Self.branch)
        }
    }

    public func allBranches() throws -> [Branch] {
        try writer.read { db in try Row.fetchAll(db, sql: "SELECT \(Self.branchColumns) FROM branch ORDER BY id").map(Self.branch) }
    }

    @discardableResult
    public func insertKiosk(_ kiosk: Kiosk) throws -> Kiosk {
        try writer.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM branch WHERE code = ?)", arguments: [kiosk.branchCode]) == true else {
                throw BranchRules.Problem.unknownBranch
            }
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM kiosk WHERE branch = ? AND name = ?)",
                                    arguments: [kiosk.branchCode, kiosk.name]) == false else { throw KioskRules.Problem.nameTaken }
            try db.execute(sql: "INSERT INTO kiosk(name, branch, kind, active, created_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [kiosk.name, kiosk.branchCode, kiosk.kind.rawValue, kiosk.isActive, kiosk.createdAt.timeIntervalSince1970])
            var stored = kiosk
            stored.id = db.lastInsertedRowID
            return stored
        }
    }

    public func kiosk(id: Int64) throws -> Kiosk? {
        try writer.read { db in try Row.fetchOne(db, sql: "SELECT \(Self.kioskColumns) FROM kiosk WHERE id = ?", arguments: [id]).map(Self.kiosk) }
    }

    public func kiosk(name: String, branchCode: String) throws -> Kiosk? {
        try writer.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.kioskColumns) FROM kiosk WHERE name = ? AND branch = ?", arguments: [name, branchCode])
                .map(Self.kiosk)
        }
    }

    public func allKiosks() throws -> [Kiosk] {
        try writer.read { db in try Row.fetchAll(db, sql: "SELECT \(Self.kioskColumns) FROM kiosk ORDER BY branch, name").map(Self.kiosk) }
    }

    public func revokeKiosk(id: Int64) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE kiosk SET active = 0 WHERE id = ?", arguments: [id])
            guard db.changesCount == 1 else { throw KioskRules.Problem.unknownKiosk }
            try db.execute(sql: "DELETE FROM kiosk_credential WHERE kiosk_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM kiosk_enrolment WHERE kiosk_id = ?", arguments: [id])
        }
    }

    public func touchKiosk(id: Int64, at: Date) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE kiosk SET last_seen_at = ? WHERE id = ?", arguments: [at.timeIntervalSince1970, id])
        }
    }

    public func addEnrolmentCode(kioskID: Int64, codeHash: String, at: Date) throws {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM kiosk_enrolment WHERE kiosk_id = ? AND used_at IS NULL", arguments: [kioskID])
            // A revoked kiosk is enrolled again by making it active with a new code.
            try db.execute(sql: "UPDATE kiosk SET active = 1 WHERE id = ?", arguments: [kioskID])
            try db.execute(sql: "INSERT INTO kiosk_enrolment(code_hash, kiosk_id, created_at) VALUES (?, ?, ?)",
                           arguments: [codeHash, kioskID, at.timeIntervalSince1970])
        }
    }

    public func enrol(codeHash: String, credentialHash: String, now: Date) throws -> Kiosk? {
        try writer.write { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT e.kiosk_id, e.created_at, e.used_at FROM kiosk_enrolment e JOIN kiosk k ON k.id = e.kiosk_id
                WHERE e.code_hash = ? AND k.active = 1
                """, arguments: [codeHash]) else { return nil }
            let createdAt = Date(timeIntervalSince1970: row["created_at"])
            let usedAt = (row["used_at"] as Double?).map(Date.init(timeIntervalSince1970:))
            guard KioskRules.isUsable(createdAt: createdAt, usedAt: usedAt, now: now) else { return nil }
            let kioskID: Int64 = row["kiosk_id"]
            try db.execute(sql: "UPDATE kiosk_enrolment SET used_at = ? WHERE code_hash = ?", arguments: [now.timeIntervalSince1970, codeHash])
            try db.execute(sql: "INSERT INTO kiosk_credential(hash, kiosk_id, created_at) VALUES (?, ?, ?)",
                           arguments: [credentialHash, kioskID, now.timeIntervalSince1970])
            return try Row.fetchOne(db, sql: "SELECT \(Self.kioskColumns) FROM kiosk WHERE id = ?", arguments: [kioskID]).map(Self.kiosk)
        }
    }

    public func addKioskCredential(kioskID: Int64, credentialHash: String, at: Date) throws {
        try writer.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO kiosk_credential(hash, kiosk_id, created_at) VALUES (?, ?, ?)",
                           arguments: [credentialHash, kioskID, at.timeIntervalSince1970])
        }
    }

    public func kiosk(credentialHash: String) throws -> Kiosk? {
        try writer.read { db in
            try Row.fetchOne(db.cachedStatement(sql: """
                SELECT k.id, k.name, k.branch, k.kind, k.active, k.created_at, k.last_seen_at FROM kiosk_credential c
                JOIN kiosk k ON k.id = c.kiosk_id WHERE c.hash = ? AND k.active = 1
                """), arguments: [credentialHash]).map(Self.kiosk)
        }
    }
}
