import BalieCore
import Foundation
import GRDB

extension AppDatabase: ApiTokenRepository {
    private static func token(_ row: Row) -> ApiToken {
        ApiToken(id: row["id"], name: row["name"],
                 scopes: Set((row["scopes"] as String).split(separator: " ").compactMap { ApiScope(rawValue: String($0)) }),
                 branches: Self.branchScope(row["branches"]),
                 tokenHash: row["token_hash"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
                 revokedAt: (row["revoked_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                 expiresAt: Date(timeIntervalSince1970: row["expires_at"]))
    }

    /// "*" for every branch, else the codes separated by commas.
    static func branchScope(_ text: String?) -> BranchScope {
        guard let text else { return .only([]) }
        return text == "*" ? .all : .only(Set(text.split(separator: ",").map(String.init)))
    }

    static func branchScopeText(_ scope: BranchScope) -> String { scope.codes?.joined(separator: ",") ?? "*" }

    public func insertToken(_ token: ApiToken) throws -> ApiToken {
        try writer.write { db in try Self.insertToken(token, db) }
    }

    private static func insertToken(_ token: ApiToken, _ db: Database) throws -> ApiToken {
            for code in token.branches.codes ?? [] {
                guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM branch WHERE code = ?)", arguments: [code]) == true else {
                    throw BranchRules.Problem.unknownBranch
                }
            }
            try db.execute(sql: "INSERT INTO api_token(name, token_hash, scopes, created_at, branches, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [token.name, token.tokenHash, token.scopes.map(\.rawValue).sorted().joined(separator: " "),
                                       token.createdAt.timeIntervalSince1970, Self.branchScopeText(token.branches),
                                       token.expiresAt.timeIntervalSince1970])
            var stored = token
            stored.id = db.lastInsertedRowID
            return stored
    }

    public func rotateToken(name: String, replacement: ApiToken, oldExpiresAt: Date) throws -> (old: ApiToken, new: ApiToken)? {
        try writer.write { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT id, name, token_hash, scopes, created_at, revoked_at, branches, expires_at FROM api_token
                WHERE name = ? AND revoked_at IS NULL
                """, arguments: [name]) else { return nil }
            var old = Self.token(row)
            old.name = ApiToken.rotatedName(name, id: old.id!)
            old.expiresAt = min(old.expiresAt, oldExpiresAt)
            try db.execute(sql: "UPDATE api_token SET name = ?, expires_at = ? WHERE id = ?",
                           arguments: [old.name, old.expiresAt.timeIntervalSince1970, old.id])
            return (old, try Self.insertToken(replacement, db))
        }
    }

    public func token(hash: String) throws -> ApiToken? {
        try writer.read { db in
            try Row.fetchOne(db, sql: "SELECT id, name, token_hash, scopes, created_at, revoked_at, branches, expires_at FROM api_token WHERE token_hash = ?",
                             arguments: [hash]).map(Self.token)
        }
    }

    public func allTokens() throws -> [ApiToken] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT id, name, token_hash, scopes, created_at, revoked_at, branches, expires_at FROM api_token ORDER BY name").map(Self.token)
        }
    }

    public func revokeToken(name: String, at: Date) throws -> Bool {
        try writer.write { db in
            try db.execute(sql: "UPDATE api_token SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", arguments: [at.timeIntervalSince1970, name])
            return db.changesCount == 1
        }
    }

    public func addContactOnce(tokenID: Int64, key: String, requestHash: String, contact: Contact,
                               answer: (Contact) -> IdempotentResult) throws -> (result: IdempotentResult, replayed: Bool) {
        // The check, the insert and the stored answer share one write transaction: concurrent retries are
        // serialised by SQLite's single writer, so a second one sees the first one's answer.
        try writer.write { db in
            if let row = try Row.fetchOne(db, sql: "SELECT request_hash, status, body FROM idempotent_request WHERE token_id = ? AND key = ?",
                                          arguments: [tokenID, key]) {
                return (IdempotentResult(requestHash: row["request_hash"], status: row["status"], body: Array(row["body"] as Data)), true)
            }
            try db.execute(sql: """
                INSERT INTO contact(customer_id, channel, at, topic, summary, outcome, source_system) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(customer_id, channel, at, topic) DO UPDATE SET summary = excluded.summary, outcome = excluded.outcome
                """, arguments: [contact.customerID, contact.channel.rawValue, contact.at.timeIntervalSince1970, contact.topic,
                                 contact.summary, contact.outcome, contact.sourceSystem])
            var stored = contact
            stored.id = try Int64.fetchOne(db, sql: "SELECT id FROM contact WHERE customer_id = ? AND channel = ? AND at = ? AND topic = ?",
                                           arguments: [contact.customerID, contact.channel.rawValue, contact.at.timeIntervalSince1970, contact.topic])
            let result = answer(stored)
            try db.execute(sql: "INSERT INTO idempotent_request(token_id, key, request_hash, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [tokenID, key, result.requestHash, result.status, Data(result.body), Date().timeIntervalSince1970])
            return (result, false)
        }
    }
}
