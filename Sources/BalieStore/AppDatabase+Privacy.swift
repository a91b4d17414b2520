import BalieCore
import Foundation
import GRDB

extension AppDatabase {
    /// Everything held about one customer, column by column: the record, contacts, consents, messages,
    /// follow-ups, assisted sessions with their steps and notes, and the audit rows about them.
    public func exportCustomer(number: String) throws -> ExportRecord? {
        try writer.read { db in
            guard let customer = try Row.fetchOne(db, sql: "SELECT * FROM customer WHERE number = ?", arguments: [number]) else { return nil }
            let id: Int64 = customer["id"]
            func rows(_ sql: String, _ arguments: StatementArguments) throws -> [ExportRecord] {
                try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.exportRecord)
            }
            var record = Self.exportRecord(customer)
            record["search_name"] = nil
            let sessions = try rows("SELECT * FROM assisted_session WHERE customer_id = ? ORDER BY id", [id]).map { session -> ExportRecord in
                var session = session
                let sessionID = session.integer("id") ?? 0
                session["tasks"] = .rows(try rows("SELECT * FROM session_task WHERE session_id = ? ORDER BY id", [sessionID]))
                session["steps"] = .rows(try rows("SELECT * FROM session_step WHERE session_id = ? ORDER BY id", [sessionID]))
                session["notes"] = .rows(try rows("SELECT * FROM session_note WHERE session_id = ? ORDER BY id", [sessionID]))
                return session
            }
            return ExportRecord([
                "customer": .record(record),
                "contacts": .rows(try rows("SELECT * FROM contact WHERE customer_id = ? ORDER BY at, id", [id])),
                "consents": .rows(try rows("SELECT * FROM consent WHERE customer_id = ? ORDER BY at, id", [id])),
                "messages": .rows(try rows("SELECT * FROM message WHERE customer_id = ? ORDER BY sent_at, id", [id])),
                "follow_ups": .rows(try rows("SELECT * FROM follow_up WHERE customer_id = ? ORDER BY due, id", [id])),
                "sessions": .rows(sessions),
                "audit": .rows(try rows("SELECT * FROM audit_event WHERE subject = ? ORDER BY id", [number])),
            ])
        }
    }

    private static func exportRecord(_ row: Row) -> ExportRecord {
        var record = ExportRecord()
        for (column, value) in row {
            switch value.storage {
            case .null: record[column] = .null
            case .int64(let number): record[column] = .integer(number)
            case .double(let number): record[column] = .real(number)
            case .string(let text): record[column] = .text(text)
            case .blob(let data): record[column] = .text(data.base64EncodedString())
            }
        }
        return record
    }

    /// Erases a customer: every personal row goes, their sessions stay as anonymous statistics without
    /// free text, and audit rows about them keep who did what but no longer name them. Then the file is
    /// rebuilt (VACUUM) and the write-ahead log emptied, so that no page of the file holds the values.
    public func eraseCustomer(number: String, audit: AuditEvent) throws -> Erasure? {
        let pseudonym = "erased-" + SecureRandom.bytes(6).hexString
        let erasure: Erasure? = try writer.write { db in
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM customer WHERE number = ?", arguments: [number]) else { return nil }
            let contacts = try Int.fetchOne(db, sql: "SELECT count(*) FROM contact WHERE customer_id = ?", arguments: [id]) ?? 0
            let sessionIDs = try Int64.fetchAll(db, sql: "SELECT id FROM assisted_session WHERE customer_id = ?", arguments: [id])
            for sessionID in sessionIDs { try Self.anonymiseSession(sessionID, in: db) }
            // Contacts, consents, messages and follow-ups go with the customer (ON DELETE CASCADE);
            // sessions lose the link (ON DELETE SET NULL) and stay as statistics.
            try db.execute(sql: "DELETE FROM customer WHERE id = ?", arguments: [id])
            // The audit trail is append-only; erasure is the one change it allows: the subject is replaced.
            try db.execute(sql: "DROP TRIGGER audit_event_no_update")
            try db.execute(sql: "UPDATE audit_event SET subject = ?, reason = NULL WHERE subject = ?", arguments: [pseudonym, number])
            let audited = db.changesCount
            try db.execute(sql: """
                CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event BEGIN
                    SELECT RAISE(ABORT, 'the audit trail can only be appended to');
                END
                """)
            var event = audit
            event.subject = pseudonym
            try Self.appendAudit(event, in: db)
            // Merge the full-text index so no old segment keeps the name.
            try db.execute(sql: "INSERT INTO customer_name(customer_name) VALUES ('optimize')")
            return Erasure(contacts: contacts, sessionsAnonymised: sessionIDs.count, auditRowsPseudonymised: audited)
        }
        guard erasure != nil else { return nil }
        try writer.writeWithoutTransaction { db in
            try db.execute(sql: "VACUUM")
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
        return erasure
    }
}
