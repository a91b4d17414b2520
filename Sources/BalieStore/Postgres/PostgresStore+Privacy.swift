import BalieCore
import Foundation

// A customer's right of access and right to erasure, as AppDatabase+Privacy.swift answers them. The export has
// the SQLite store's shape and value types, so that its JSON download is the same document: integers as Int64,
// times as Double, flags (boolean here) as the 0 and 1 that SQLite keeps, blobs as base64, NULL as null.

extension PostgresStore: PrivacyRepository {
    /// Everything held about one customer, column by column: the record, contacts, consents, messages,
    /// follow-ups, assisted sessions with their steps and notes, and the audit rows about them.
    public func exportCustomer(number: String) throws -> ExportRecord? {
        // One snapshot for every section, as SQLite's read transaction; not counted as a commit.
        try pool.readSnapshot { connection in
            let types = try Self.columnTypes(in: connection)
            func rows(_ table: String, _ sql: String, _ parameters: [String?]) throws -> [ExportRecord] {
                let result = try connection.execute(sql, parameters)
                let columnTypes = types[table] ?? [:]
                return result.rows.map { values in
                    var record = ExportRecord()
                    for (index, column) in result.columns.enumerated() {
                        record[column] = Self.exportValue(values[index], type: columnTypes[column] ?? "text")
                    }
                    return record
                }
            }
            guard var record = try rows("customer", "SELECT * FROM customer WHERE number = $1", [SQL.text(number)]).first,
                  let id = record.integer("id") else { return nil }
            record["search_name"] = nil
            let sessions = try rows("assisted_session", "SELECT * FROM assisted_session WHERE customer_id = $1 ORDER BY id", [SQL.int(id)])
                .map { session -> ExportRecord in
                    var session = session
                    let sessionID = SQL.int(session.integer("id") ?? 0)
                    session["tasks"] = .rows(try rows("session_task", "SELECT * FROM session_task WHERE session_id = $1 ORDER BY id", [sessionID]))
                    session["steps"] = .rows(try rows("session_step", "SELECT * FROM session_step WHERE session_id = $1 ORDER BY id", [sessionID]))
                    session["notes"] = .rows(try rows("session_note", "SELECT * FROM session_note WHERE session_id = $1 ORDER BY id", [sessionID]))
                    return session
                }
            return ExportRecord([
                "customer": .record(record),
                "contacts": .rows(try rows("contact", "SELECT * FROM contact WHERE customer_id = $1 ORDER BY at, id", [SQL.int(id)])),
                "consents": .rows(try rows("consent", "SELECT * FROM consent WHERE customer_id = $1 ORDER BY at, id", [SQL.int(id)])),
                "messages": .rows(try rows("message", "SELECT * FROM message WHERE customer_id = $1 ORDER BY sent_at, id", [SQL.int(id)])),
                "follow_ups": .rows(try rows("follow_up", "SELECT * FROM follow_up WHERE customer_id = $1 ORDER BY due, id", [SQL.int(id)])),
                "sessions": .rows(sessions),
                "audit": .rows(try rows("audit_event", "SELECT * FROM audit_event WHERE subject = $1 ORDER BY id", [SQL.text(number)])),
            ])
        }
    }

    private static let exportedTables = ["customer", "contact", "consent", "message", "follow_up", "assisted_session", "session_task",
                                         "session_step", "session_note", "audit_event"]

    /// The type of every column of the exported tables (`data_type` of information_schema: "bigint", "boolean", …).
    private static func columnTypes(in connection: PostgresConnection) throws -> [String: [String: String]] {
        var types: [String: [String: String]] = [:]
        for row in try connection.rows("""
            SELECT table_name::text AS table_name, column_name::text AS column_name, data_type::text AS data_type
            FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ANY ($1::text[])
            """, ["{" + exportedTables.joined(separator: ",") + "}"]) {
            types[row.string("table_name"), default: [:]][row.string("column_name")] = row.string("data_type")
        }
        return types
    }

    /// A value of libpq's text output as the SQLite export has it.
    private static func exportValue(_ text: String?, type: String) -> ExportValue {
        guard let text else { return .null }
        switch type {
        case "bigint", "integer", "smallint": return Int64(text).map(ExportValue.integer) ?? .text(text)
        case "double precision", "real", "numeric": return Double(text).map(ExportValue.real) ?? .text(text)
        case "boolean": return .integer(text == "t" || text == "true" ? 1 : 0)
        case "bytea": return .text(PostgresRow(columns: ["value"], values: [text]).bytes("value").map { Data($0).base64EncodedString() } ?? text)
        default: return .text(text)
        }
    }

    /// The tables erasure changes rows of, vacuumed after it.
    private static let erasedTables = ["customer", "customer_name_word", "contact", "consent", "message", "follow_up", "assisted_session",
                                       "session_task", "session_step", "session_note", "help_event", "live_event", "audit_event"]

    /// Erases a customer: every personal row goes, their sessions stay as anonymous statistics without free text,
    /// and audit rows about them keep who did what but no longer name them. Then the touched tables are vacuumed,
    /// so that the dead row versions that held the values are removed.
    public func eraseCustomer(number: String, audit: AuditEvent) throws -> Erasure? {
        let pseudonym = "erased-" + SecureRandom.bytes(6).hexString
        let erasure: Erasure? = try write { connection in
            // FOR UPDATE: of two instances erasing the same customer at once, the second waits and then finds no row.
            guard let id = try connection.rows("SELECT id FROM customer WHERE number = $1 FOR UPDATE", [SQL.text(number)]).first?.int64("id") else {
                return nil
            }
            let contacts = try connection.rows("SELECT count(*) AS n FROM contact WHERE customer_id = $1", [SQL.int(id)]).first?.int("n") ?? 0
            let sessionIDs = try connection.rows("SELECT id FROM assisted_session WHERE customer_id = $1", [SQL.int(id)]).compactMap { $0.int64("id") }
            if !sessionIDs.isEmpty {
                // What the SQLite store's anonymiseSession does to each session, for all of them at once.
                let sessions = "{" + sessionIDs.map(String.init).joined(separator: ",") + "}"
                try connection.execute("UPDATE assisted_session SET customer_id = NULL WHERE id = ANY ($1::bigint[])", [sessions])
                try connection.execute("UPDATE session_step SET description = '', reason = NULL WHERE session_id = ANY ($1::bigint[])", [sessions])
                try connection.execute("UPDATE session_task SET outcome_detail = '', follow_up_who = NULL WHERE session_id = ANY ($1::bigint[])",
                                       [sessions])
                try connection.execute("DELETE FROM session_note WHERE session_id = ANY ($1::bigint[])", [sessions])
                // Messages a remote colleague sent to the screen are free text too.
                try connection.execute("""
                    UPDATE help_event SET text = '' WHERE help_request_id IN (SELECT id FROM help_request WHERE session_id = ANY ($1::bigint[]))
                    """, [sessions])
                // And the live events of those requests (PostgresStore+LiveEvents), kept a day for streams that reconnect, carry
                // the same messages: each request's channel, named "help:" and its id as HelpChannels names it.
                try connection.execute("""
                    DELETE FROM live_event WHERE channel IN (SELECT 'help:' || id FROM help_request WHERE session_id = ANY ($1::bigint[]))
                    """, [sessions])
            }
            // Contacts, consents, messages, follow-ups and the name's search words go with the customer (ON DELETE
            // CASCADE); sessions lose the link (ON DELETE SET NULL) and stay as statistics.
            try connection.execute("DELETE FROM customer WHERE id = $1", [SQL.int(id)])
            // The audit trail is append-only; erasure is the one change it allows, through this function only.
            let audited = try connection.rows("SELECT balie_pseudonymise_audit($1, $2) AS changed", [SQL.text(number), SQL.text(pseudonym)])
                .first?.int("changed") ?? 0
            var event = audit
            event.subject = pseudonym
            try connection.insertAudit(event)
            return Erasure(contacts: contacts, sessionsAnonymised: sessionIDs.count, auditRowsPseudonymised: audited)
        }
        guard erasure != nil else { return nil }
        // VACUUM cannot run in a transaction: after the commit, on a connection of its own, as one plain statement.
        // Without the statement timeout, which a large table would outlast; the connection's own is restored after.
        try pool.withConnection { connection in
            let timeout = try connection.rows("SHOW statement_timeout").first?["statement_timeout"] ?? "0"
            try connection.execute("SET statement_timeout TO 0")
            defer { _ = try? connection.execute("SELECT set_config('statement_timeout', $1, false)", [timeout]) }
            try connection.executeScript("VACUUM \(Self.erasedTables.joined(separator: ", "))")
        }
        return erasure
    }
}
