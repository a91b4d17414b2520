import BalieCore
import Foundation

// MARK: - Branches, kiosks, enrolment codes and device credentials

extension PostgresStore: BranchRepository {
    private static let branchColumns = "id, code, name, time_zone, opening_hours, closures"
    private static let kioskColumns = "id, name, branch, kind, active, created_at, last_seen_at"

    private static func branch(from row: PostgresRow) -> Branch {
        Branch(id: row.int64("id"), code: row.string("code"), name: row.string("name"), timeZone: row.string("time_zone"),
               openingHours: (try? WeeklyHours.parse(row.string("opening_hours"))) ?? WeeklyHours(),
               closures: (try? BranchRules.closures(row.string("closures"))) ?? [])
    }

    private static func kiosk(from row: PostgresRow) -> Kiosk {
        Kiosk(id: row.int64("id"), name: row.string("name"), branchCode: row.string("branch"),
              kind: Kiosk.Kind(rawValue: row.string("kind")) ?? .customer, isActive: row.bool("active") ?? false,
              createdAt: row.date("created_at") ?? Date(timeIntervalSince1970: 0), lastSeenAt: row.date("last_seen_at"))
    }

    private static func closuresText(_ branch: Branch) -> String { branch.closures.map(\.iso).joined(separator: ",") }

    @discardableResult
    public func insertBranch(_ branch: Branch) throws -> Branch {
        try write { connection in
            // ON CONFLICT: two instances adding the same code at once get one branch and one codeTaken.
            let inserted = try connection.rows("""
                INSERT INTO branch (code, name, time_zone, opening_hours, closures) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (code) DO NOTHING RETURNING id
                """, [SQL.text(branch.code), SQL.text(branch.name), SQL.text(branch.timeZone), SQL.text(branch.openingHours.text),
                      SQL.text(Self.closuresText(branch))])
            guard let id = inserted.first?.int64("id") else { throw BranchRules.Problem.codeTaken }
            var stored = branch
            stored.id = id
            return stored
        }
    }

    public func updateBranch(_ branch: Branch) throws {
        try write { connection in
            let changed = try connection.execute("UPDATE branch SET name = $1, time_zone = $2, opening_hours = $3, closures = $4 WHERE code = $5",
                                                 [SQL.text(branch.name), SQL.text(branch.timeZone), SQL.text(branch.openingHours.text),
                                                  SQL.text(Self.closuresText(branch)), SQL.text(branch.code)]).affected
            guard changed == 1 else { throw BranchRules.Problem.unknownBranch }
        }
    }

    public func branch(code: String) throws -> Branch? {
        try query("SELECT \(Self.branchColumns) FROM branch WHERE code = $1", [SQL.text(code)]).first.map(Self.branch)
    }

    public func allBranches() throws -> [Branch] {
        try query("SELECT \(Self.branchColumns) FROM branch ORDER BY id").map(Self.branch)
    }

    @discardableResult
    public func insertKiosk(_ kiosk: Kiosk) throws -> Kiosk {
        try write { connection in
            guard try connection.rows("SELECT 1 FROM branch WHERE code = $1", [SQL.text(kiosk.branchCode)]).first != nil else {
                throw BranchRules.Problem.unknownBranch
            }
            // ON CONFLICT: two instances adding the same name to a branch at once get one kiosk and one nameTaken.
            let inserted = try connection.rows("""
                INSERT INTO kiosk (name, branch, kind, active, created_at) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (branch, name) DO NOTHING RETURNING id
                """, [SQL.text(kiosk.name), SQL.text(kiosk.branchCode), SQL.text(kiosk.kind.rawValue), SQL.bool(kiosk.isActive),
                      SQL.time(kiosk.createdAt)])
            guard let id = inserted.first?.int64("id") else { throw KioskRules.Problem.nameTaken }
            var stored = kiosk
            stored.id = id
            return stored
        }
    }

    public func kiosk(id: Int64) throws -> Kiosk? {
        try query("SELECT \(Self.kioskColumns) FROM kiosk WHERE id = $1", [SQL.int(id)]).first.map(Self.kiosk)
    }

    public func kiosk(name: String, branchCode: String) throws -> Kiosk? {
        try query("SELECT \(Self.kioskColumns) FROM kiosk WHERE name = $1 AND branch = $2", [SQL.text(name), SQL.text(branchCode)])
            .first.map(Self.kiosk)
    }

    public func allKiosks() throws -> [Kiosk] {
        // COLLATE "C": byte order, as SQLite's BINARY, whatever the database's locale.
        try query("SELECT \(Self.kioskColumns) FROM kiosk ORDER BY branch COLLATE \"C\", name COLLATE \"C\"").map(Self.kiosk)
    }

    public func revokeKiosk(id: Int64) throws {
        try write { connection in
            guard try connection.execute("UPDATE kiosk SET active = false WHERE id = $1", [SQL.int(id)]).affected == 1 else {
                throw KioskRules.Problem.unknownKiosk
            }
            try connection.execute("DELETE FROM kiosk_credential WHERE kiosk_id = $1", [SQL.int(id)])
            try connection.execute("DELETE FROM kiosk_enrolment WHERE kiosk_id = $1", [SQL.int(id)])
        }
    }

    public func touchKiosk(id: Int64, at: Date) throws {
        try write { connection in
            _ = try connection.execute("UPDATE kiosk SET last_seen_at = $1 WHERE id = $2", [SQL.time(at), SQL.int(id)])
        }
    }

    public func addEnrolmentCode(kioskID: Int64, codeHash: String, at: Date) throws {
        try write { connection in
            // A revoked kiosk is enrolled again by making it active with a new code. This UPDATE comes first (SQLite
            // deletes first; the result is the same) so that it locks the kiosk's row: two instances making codes
            // for one kiosk at once take turns, and the second one's DELETE removes the first one's code.
            try connection.execute("UPDATE kiosk SET active = true WHERE id = $1", [SQL.int(kioskID)])
            try connection.execute("DELETE FROM kiosk_enrolment WHERE kiosk_id = $1 AND used_at IS NULL", [SQL.int(kioskID)])
            try connection.execute("INSERT INTO kiosk_enrolment (code_hash, kiosk_id, created_at) VALUES ($1, $2, $3)",
                                   [SQL.text(codeHash), SQL.int(kioskID), SQL.time(at)])
        }
    }

    public func enrol(codeHash: String, credentialHash: String, now: Date) throws -> Kiosk? {
        try write { connection in
            guard let kioskID = try connection.rows("SELECT kiosk_id FROM kiosk_enrolment WHERE code_hash = $1", [SQL.text(codeHash)])
                .first?.int64("kiosk_id") else { return nil }
            // The kiosk's row is locked first, as revokeKiosk and addEnrolmentCode lock it before they change its codes:
            // a code used twice at once enrols one browser (the second one waits, then reads used_at set), and a
            // revocation at the same moment either waits for the new credential and deletes it, or is seen here.
            guard try connection.rows("SELECT id FROM kiosk WHERE id = $1 AND active FOR NO KEY UPDATE", [SQL.int(kioskID)]).first != nil,
                let row = try connection.rows("SELECT created_at, used_at FROM kiosk_enrolment WHERE code_hash = $1 AND kiosk_id = $2 FOR UPDATE",
                                              [SQL.text(codeHash), SQL.int(kioskID)]).first
            else { return nil }
            let createdAt = row.date("created_at") ?? Date(timeIntervalSince1970: 0)
            guard KioskRules.isUsable(createdAt: createdAt, usedAt: row.date("used_at"), now: now) else { return nil }
            try connection.execute("UPDATE kiosk_enrolment SET used_at = $1 WHERE code_hash = $2", [SQL.time(now), SQL.text(codeHash)])
            try connection.execute("INSERT INTO kiosk_credential (hash, kiosk_id, created_at) VALUES ($1, $2, $3)",
                                   [SQL.text(credentialHash), SQL.int(kioskID), SQL.time(now)])
            return try connection.rows("SELECT \(Self.kioskColumns) FROM kiosk WHERE id = $1", [SQL.int(kioskID)]).first.map(Self.kiosk)
        }
    }

    public func addKioskCredential(kioskID: Int64, credentialHash: String, at: Date) throws {
        try write { connection in
            _ = try connection.execute("""
                INSERT INTO kiosk_credential (hash, kiosk_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (hash) DO NOTHING
                """, [SQL.text(credentialHash), SQL.int(kioskID), SQL.time(at)])
        }
    }

    public func kiosk(credentialHash: String) throws -> Kiosk? {
        try query("""
            SELECT k.id, k.name, k.branch, k.kind, k.active, k.created_at, k.last_seen_at FROM kiosk_credential c
            JOIN kiosk k ON k.id = c.kiosk_id WHERE c.hash = $1 AND k.active
            """, [SQL.text(credentialHash)]).first.map(Self.kiosk)
    }
}

// MARK: - API tokens and idempotent requests

extension PostgresStore: ApiTokenRepository {
    private static let tokenColumns = "id, name, token_hash, scopes, created_at, revoked_at, branches, expires_at"

    private static func token(from row: PostgresRow) -> ApiToken {
        ApiToken(id: row.int64("id"), name: row.string("name"),
                 scopes: Set(row.string("scopes").split(separator: " ").compactMap { ApiScope(rawValue: String($0)) }),
                 branches: AppDatabase.branchScope(row["branches"]), tokenHash: row.string("token_hash"),
                 createdAt: row.date("created_at") ?? Date(timeIntervalSince1970: 0), revokedAt: row.date("revoked_at"),
                 expiresAt: row.date("expires_at") ?? Date(timeIntervalSince1970: 0))
    }

    public func insertToken(_ token: ApiToken) throws -> ApiToken {
        try write { connection in try Self.insertToken(token, connection) }
    }

    private static func insertToken(_ token: ApiToken, _ connection: PostgresConnection) throws -> ApiToken {
            for code in token.branches.codes ?? [] {
                guard try connection.rows("SELECT 1 FROM branch WHERE code = $1", [SQL.text(code)]).first != nil else {
                    throw BranchRules.Problem.unknownBranch
                }
            }
            let inserted = try connection.rows("""
                INSERT INTO api_token (name, token_hash, scopes, created_at, branches, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id
                """, [SQL.text(token.name), SQL.text(token.tokenHash), SQL.text(token.scopes.map(\.rawValue).sorted().joined(separator: " ")),
                      SQL.time(token.createdAt), SQL.text(AppDatabase.branchScopeText(token.branches)), SQL.time(token.expiresAt)])
            var stored = token
            stored.id = inserted.first?.int64("id")
            return stored
    }

    public func rotateToken(name: String, replacement: ApiToken, oldExpiresAt: Date) throws -> (old: ApiToken, new: ApiToken)? {
        try write { connection in
            guard let row = try connection.rows("SELECT \(Self.tokenColumns) FROM api_token WHERE name = $1 AND revoked_at IS NULL FOR UPDATE",
                                                [SQL.text(name)]).first else { return nil }
            var old = Self.token(from: row)
            old.name = ApiToken.rotatedName(name, id: old.id!)
            old.expiresAt = min(old.expiresAt, oldExpiresAt)
            try connection.execute("UPDATE api_token SET name = $1, expires_at = $2 WHERE id = $3",
                                   [SQL.text(old.name), SQL.time(old.expiresAt), SQL.int(old.id)])
            return (old, try Self.insertToken(replacement, connection))
        }
    }

    public func token(hash: String) throws -> ApiToken? {
        try query("SELECT \(Self.tokenColumns) FROM api_token WHERE token_hash = $1", [SQL.text(hash)]).first.map(Self.token)
    }

    public func allTokens() throws -> [ApiToken] {
        // COLLATE "C": byte order, as SQLite's BINARY, whatever the database's locale.
        try query("SELECT \(Self.tokenColumns) FROM api_token ORDER BY name COLLATE \"C\"").map(Self.token)
    }

    public func revokeToken(name: String, at: Date) throws -> Bool {
        try write { connection in
            try connection.execute("UPDATE api_token SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL",
                                   [SQL.time(at), SQL.text(name)]).affected == 1
        }
    }

    public func addContactOnce(tokenID: Int64, key: String, requestHash: String, contact: Contact,
                               answer: (Contact) -> IdempotentResult) throws -> (result: IdempotentResult, replayed: Bool) {
        try write { connection in
            // An advisory lock on (token, key) for the transaction: concurrent retries on several instances take turns,
            // so a second one sees the first one's stored answer (SQLite's single writer does this by itself).
            try connection.execute("SELECT pg_advisory_xact_lock(hashtext('balie.idempotent_request'), hashtext($1 || '/' || $2))",
                                   [SQL.int(tokenID), SQL.text(key)])
            if let row = try connection.rows("SELECT request_hash, status, body FROM idempotent_request WHERE token_id = $1 AND key = $2",
                                             [SQL.int(tokenID), SQL.text(key)]).first {
                return (IdempotentResult(requestHash: row.string("request_hash"), status: row.int("status") ?? 0, body: row.bytes("body") ?? []), true)
            }
            let inserted = try connection.rows("""
                INSERT INTO contact (customer_id, channel, at, topic, summary, outcome, source_system) VALUES ($1, $2, $3, $4, $5, $6, $7)
                ON CONFLICT (customer_id, channel, at, topic) DO UPDATE SET summary = excluded.summary, outcome = excluded.outcome
                RETURNING id
                """, [SQL.int(contact.customerID), SQL.text(contact.channel.rawValue), SQL.time(contact.at), SQL.text(contact.topic),
                      SQL.text(contact.summary), SQL.text(contact.outcome), SQL.text(contact.sourceSystem)])
            var stored = contact
            stored.id = inserted.first?.int64("id")
            let result = answer(stored)
            try connection.execute("""
                INSERT INTO idempotent_request (token_id, key, request_hash, status, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)
                """, [SQL.int(tokenID), SQL.text(key), SQL.text(result.requestHash), SQL.int(result.status), byteaText(result.body),
                      SQL.time(Date())])
            return (result, false)
        }
    }
}

// MARK: - Health and keys

extension PostgresStore: MaintenanceRepository {
    public func ping() throws {
        _ = try query("SELECT 1")
    }

    /// A write transaction with `timeout` for each statement and each lock wait: an UPDATE (of no row) that a
    /// read-only server or transaction refuses (25006), and a transaction id, so that the commit is a real one
    /// that reaches the server's write-ahead log. Changes no row. A connection comes from the pool (the pool's
    /// wait bounds the time to get one), not one of its own as in SQLite: PostgreSQL has no single write lock
    /// for the probe to queue behind.
    public func probeWrite(timeout: TimeInterval) throws {
        let milliseconds = String(max(1, Int((timeout * 1000).rounded())))
        // The pool's transaction, not `write`: probes stay out of the commit statistics, as in SQLite.
        try pool.transaction { connection in
            // set_config(…, true) is SET LOCAL with a parameter: it ends with the transaction.
            try connection.execute("SELECT set_config('statement_timeout', $1, true), set_config('lock_timeout', $1, true)", [milliseconds])
            try connection.execute("UPDATE secret SET value = value WHERE false")
            try connection.execute("SELECT txid_current()")
        }
    }

    public func secret(named name: String) throws -> [UInt8] {
        if let existing = try query("SELECT value FROM secret WHERE name = $1", [SQL.text(name)]).first?.bytes("value") {
            return existing
        }
        let fresh = SecureRandom.bytes(32)
        return try write { connection in
            // ON CONFLICT DO NOTHING: instances starting together keep the first one's key and all read that one.
            try connection.execute("INSERT INTO secret (name, value) VALUES ($1, $2::bytea) ON CONFLICT (name) DO NOTHING",
                                   [SQL.text(name), byteaText(fresh)])
            return try connection.rows("SELECT value FROM secret WHERE name = $1", [SQL.text(name)]).first?.bytes("value") ?? fresh
        }
    }
}

/// `bytea` as libpq's hex input ("\x0a1b…").
private func byteaText(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var text = [UInt8](#"\x"#.utf8)
    text.reserveCapacity(2 + bytes.count * 2)
    for byte in bytes {
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: text, as: UTF8.self)
}
