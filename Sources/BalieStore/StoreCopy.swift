import BalieCore
import Crypto
import Foundation
import GRDB

/// `balie copy` (issue #19): a branch box's whole history, from its SQLite file into the central PostgreSQL database,
/// in one PostgreSQL transaction (a copy that fails leaves the target as it was).
///
/// Rows that name the same thing are merged: a customer already in the target (same customer number) keeps its row
/// and gets the box's contacts, consents, messages, follow-ups and sessions; likewise staff by username, branches by
/// code, kiosks by branch and name, API tokens by token hash, and contacts, staff branches and kiosk credentials by
/// their unique keys. Every other row gets a new id in the target and every reference to it is remapped.
/// `copied_row` remembers, per box, which row became which, so a second copy adds only what the box got since.
/// The audit trail is only appended to; the copy itself adds one audit row (when it copied anything).
public enum StoreCopy {
    /// One table, in copying order: every table comes after the tables it refers to.
    struct Table: Sendable {
        let name: String
        /// What the progress and the summary call it.
        let label: String
        /// Columns that find the same row already in the target (after remapping); empty: every row is new.
        let key: [String]
        /// Columns that hold an id of another copied table.
        let references: [String: String]
        /// Whether the table has an `id` identity (else a source row is known by its SQLite rowid, and has no target id).
        let hasID: Bool

        init(_ name: String, _ label: String, key: [String] = [], references: [String: String] = [:], hasID: Bool = true) {
            (self.name, self.label, self.key, self.references, self.hasID) = (name, label, key, references, hasID)
        }
    }

    static let tables: [Table] = [
        Table("branch", "branches", key: ["code"]),
        Table("staff", "staff", key: ["username"]),
        Table("staff_branch", "staff branches", key: ["staff_id", "branch"], references: ["staff_id": "staff"], hasID: false),
        Table("kiosk", "kiosks", key: ["branch", "name"]),
        Table("kiosk_credential", "kiosk credentials", key: ["hash"], references: ["kiosk_id": "kiosk"], hasID: false),
        Table("api_token", "API tokens", key: ["token_hash"]),
        Table("customer", "customers", key: ["number"]),
        Table("contact", "contacts", key: ["customer_id", "channel", "at", "topic"], references: ["customer_id": "customer"]),
        Table("consent", "consents", references: ["customer_id": "customer", "recorded_by": "staff"]),
        Table("message", "messages", references: ["customer_id": "customer"]),
        Table("follow_up", "follow-ups", references: ["customer_id": "customer"]),
        Table("assisted_session", "sessions", references: ["customer_id": "customer", "staff_id": "staff"]),
        Table("session_task", "session tasks", references: ["session_id": "assisted_session"]),
        Table("session_step", "session steps", references: ["session_id": "assisted_session", "session_task_id": "session_task"]),
        Table("session_note", "session notes", references: ["session_id": "assisted_session"]),
        Table("queue_ticket", "queue tickets", references: ["called_by": "staff", "session_id": "assisted_session"]),
        Table("help_request", "help requests",
              references: ["session_id": "assisted_session", "requested_by": "staff", "helper_id": "staff"]),
        Table("help_event", "help events", references: ["help_request_id": "help_request", "actor_id": "staff"]),
        Table("staff_call", "staff calls"),
        Table("audit_event", "audit rows", references: ["actor_id": "staff"]),
    ]

    /// The SQL names of the tables copied, in order.
    public static var copiedTables: [String] { tables.map(\.name) }

    /// Tables of the box that stay behind: each store's own keys, and what is per instance or short-lived. (SQLite's
    /// own tables, the customer_name search index and grdb_migrations, are not read either.)
    public static let tablesLeftBehind = ["secret", "staff_session", "sign_in_failure", "kiosk_enrolment", "idempotent_request"]

    /// How far the copy of one table is.
    public struct Progress: Sendable, Equatable {
        public let table: String
        public let label: String
        /// Rows of the box read so far, of `total`.
        public let done: Int
        public let total: Int
        /// The last report for this table.
        public let finished: Bool
    }

    /// What one table's copy did.
    public struct TableCount: Sendable, Equatable {
        public let table: String
        public let label: String
        /// New rows in the target.
        public var copied = 0
        /// Rows of the box that matched a row already in the target (which was kept).
        public var merged = 0
        /// Rows a previous copy of this box brought over already.
        public var earlier = 0
    }

    public struct Summary: Sendable, Equatable {
        /// The box, as `copied_row` knows it.
        public let source: String
        public let tables: [TableCount]
        public var copied: Int { tables.reduce(0) { $0 + $1.copied } }
        public var merged: Int { tables.reduce(0) { $0 + $1.merged } }
        public var earlier: Int { tables.reduce(0) { $0 + $1.earlier } }

        public func count(_ table: String) -> TableCount? { tables.first { $0.table == table } }
    }

    /// A box that cannot be copied as it is (nothing was copied).
    public struct Problem: Error, CustomStringConvertible, Sendable {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// The name the box has in `copied_row`: a hash of a random id kept in its own secret table (made on first use),
    /// so it stays the same when the file is moved or renamed, and is the same for a backup of the same box.
    public static func source(of box: AppDatabase) throws -> String {
        "box:" + SHA256.hash(data: try box.secret(named: "box-id")).hexString
    }

    /// Copies everything of `box` into `target` that an earlier copy did not, in one transaction.
    public static func copy(from box: AppDatabase, to target: PostgresStore, now: Date = Date(),
                            progress: (Progress) -> Void = { _ in }) throws -> Summary {
        let source = try source(of: box)
        return try target.write { (connection) throws -> Summary in
            // Two copies of the same box at once: the second waits for the first, then finds its rows copied.
            try connection.execute("SELECT pg_advisory_xact_lock(hashtext($1))", ["balie-copy " + source])
            var types: [String: [String: String]] = [:]
            for row in try connection.rows("""
                SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema()
                """) {
                types[row.string("table_name"), default: [:]][row.string("column_name")] = row.string("data_type")
            }
            var copied: [String: [Int64: Int64]] = [:]
            for row in try connection.rows("SELECT table_name, source_id, target_id FROM copied_row WHERE source = $1", [source]) {
                guard let sourceID = row.int64("source_id") else { continue }
                copied[row.string("table_name"), default: [:]][sourceID] = row.int64("target_id") ?? 0
            }
            return try box.writer.read { (db) throws -> Summary in
                var copier = Copier(connection: connection, db: db, source: source, types: types, copied: copied)
                var counts: [TableCount] = []
                for table in tables {
                    do {
                        counts.append(try copier.copy(table, progress: progress))
                    } catch let error as PostgresError {
                        throw Problem("\(table.label) (\(table.name)): the target refused a row: \(error.message)")
                    }
                }
                let summary = Summary(source: source, tables: counts)
                if summary.copied + summary.merged > 0 {
                    try connection.execute("""
                        INSERT INTO audit_event (at, action, actor_id, subject, origin, detail)
                        VALUES ($1::double precision, $2, NULL, NULL, 'cli', $3)
                        """, [SQL.time(now), AuditEvent.Action.copied.rawValue,
                              "from branch box \(source.dropFirst(4).prefix(12)): \(summary.copied) rows copied, \(summary.merged) merged"])
                }
                return summary
            }
        }
    }
}

/// The copy of one table after another, within the one transaction.
private struct Copier {
    let connection: PostgresConnection
    let db: Database
    let source: String
    /// The target's column types (information_schema's data_type), by table and column.
    let types: [String: [String: String]]
    /// Source id → target id, by table (0 for rows of tables without ids), from earlier copies and this one.
    var copied: [String: [Int64: Int64]]

    /// Rows per INSERT, within PostgreSQL's 65 535 parameters.
    private func batchSize(columns: Int) -> Int { max(1, min(500, 30_000 / max(1, columns))) }

    mutating func copy(_ table: StoreCopy.Table, progress: (StoreCopy.Progress) -> Void) throws -> StoreCopy.TableCount {
        var count = StoreCopy.TableCount(table: table.name, label: table.label)
        guard let targetTypes = types[table.name] else { throw StoreCopy.Problem("the target has no table \(table.name)") }
        let columns = try Row.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?) ORDER BY cid", arguments: [table.name])
            .map { $0["name"] as String }.filter { $0 != "id" }
        guard !columns.isEmpty else { throw StoreCopy.Problem("the box has no table \(table.name)") }
        for column in columns where targetTypes[column] == nil {
            throw StoreCopy.Problem("column \(table.name).\(column) of the box has no place in the target")
        }
        let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(quoted(table.name))") ?? 0
        var done = 0
        progress(.init(table: table.name, label: table.label, done: 0, total: total, finished: false))
        let list = columns.map(quoted).joined(separator: ", ")
        let cursor = try Row.fetchCursor(db, sql: "SELECT rowid, \(list) FROM \(quoted(table.name)) ORDER BY rowid")
        var pending: [(sourceID: Int64, values: [String?])] = []
        let size = batchSize(columns: columns.count + 1)
        while let row = try cursor.next() {
            let values = Array(row.databaseValues)
            guard let sourceID = Int64.fromDatabaseValue(values[0]) else { throw StoreCopy.Problem("a row of \(table.name) without rowid") }
            done += 1
            if copied[table.name]?[sourceID] != nil {
                count.earlier += 1
                continue
            }
            var texts: [String?] = []
            for (index, column) in columns.enumerated() {
                let value = values[index + 1]
                if let referenced = table.references[column], let id = Int64.fromDatabaseValue(value) {
                    guard let target = copied[referenced]?[id] else {
                        throw StoreCopy.Problem("\(table.name) row \(sourceID): \(column) names \(referenced) row \(id), which the box does not have")
                    }
                    texts.append(String(target))
                } else {
                    texts.append(libpqText(value, type: targetTypes[column] ?? "text"))
                }
            }
            pending.append((sourceID, adjusted(table.name, columns: columns, texts)))
            if pending.count >= size {
                try insert(table, columns: columns, types: targetTypes, rows: pending, count: &count)
                pending.removeAll(keepingCapacity: true)
                progress(.init(table: table.name, label: table.label, done: done, total: total, finished: false))
            }
        }
        if !pending.isEmpty { try insert(table, columns: columns, types: targetTypes, rows: pending, count: &count) }
        progress(.init(table: table.name, label: table.label, done: done, total: total, finished: true))
        return count
    }

    /// What a table's rows need besides their values: `search_name` as the PostgreSQL customer store writes it.
    private func adjusted(_ table: String, columns: [String], _ texts: [String?]) -> [String?] {
        guard table == "customer", let search = columns.firstIndex(of: "search_name"),
              let given = columns.firstIndex(of: "given_name"), let family = columns.firstIndex(of: "family_name") else { return texts }
        var texts = texts
        // As PostgresStore+Customers.swift's searchName: the folded full name's words joined by single spaces.
        texts[search] = SearchText.fold("\(texts[given] ?? "") \(texts[family] ?? "")")
            .split { !$0.isLetter && !$0.isNumber }.joined(separator: " ")
        return texts
    }

    private mutating func insert(_ table: StoreCopy.Table, columns: [String], types: [String: String],
                                 rows: [(sourceID: Int64, values: [String?])], count: inout StoreCopy.TableCount) throws {
        var rows = rows
        if table.name == "api_token" { rows = try renamingTokens(rows, columns: columns) }
        var parameters: [String?] = []
        var tuples: [String] = []
        var ids: [Int64] = []
        if table.hasID {
            // Ids from the table's own identity sequence, so each source row knows its target row (and later inserts
            // by the application never collide with them).
            ids = try connection.rows("SELECT nextval(pg_get_serial_sequence($1, 'id')) AS id FROM generate_series(1, $2::integer)",
                                      [table.name, String(rows.count)]).compactMap { $0.int64("id") }
            guard ids.count == rows.count else { throw StoreCopy.Problem("no ids for \(table.name)") }
        }
        let casts = columns.map { "::" + (types[$0] ?? "text") }
        for (index, row) in rows.enumerated() {
            var placeholders: [String] = []
            if table.hasID {
                parameters.append(String(ids[index]))
                placeholders.append("$\(parameters.count)::bigint")
            }
            for (column, value) in row.values.enumerated() {
                parameters.append(value)
                placeholders.append("$\(parameters.count)\(casts[column])")
            }
            tuples.append("(" + placeholders.joined(separator: ", ") + ")")
        }
        let names = ((table.hasID ? ["id"] : []) + columns).map(quoted).joined(separator: ", ")
        let conflict = table.key.isEmpty ? "" : " ON CONFLICT (\(table.key.map(quoted).joined(separator: ", "))) DO NOTHING"
        let result = try connection.execute("""
            INSERT INTO \(quoted(table.name)) (\(names)) \(table.hasID ? "OVERRIDING SYSTEM VALUE " : "")VALUES \(tuples.joined(separator: ", "))\
            \(conflict)\(table.hasID ? " RETURNING id" : "")
            """, parameters)
        var targets: [Int64?] = Array(repeating: nil, count: rows.count)
        if table.hasID {
            let inserted = Set(result.all.compactMap { $0.int64("id") })
            var missing: [Int] = []
            for index in rows.indices {
                if inserted.contains(ids[index]) { targets[index] = ids[index]; count.copied += 1 } else { missing.append(index) }
            }
            if !missing.isEmpty {
                // The rows that met one already in the target: that one stays, and the box's row becomes it.
                for (index, id) in try existing(table, columns: columns, types: types, rows: missing.map { ($0, rows[$0].values) }) {
                    targets[index] = id
                }
                for index in missing {
                    guard targets[index] != nil else {
                        throw StoreCopy.Problem("\(table.name) row \(rows[index].sourceID) was neither copied nor found in the target")
                    }
                    count.merged += 1
                }
            }
        } else {
            count.copied += result.affected
            count.merged += rows.count - result.affected
        }
        var mapping: [String?] = [source, table.name]
        var records: [String] = []
        for (index, row) in rows.enumerated() {
            mapping.append(String(row.sourceID))
            mapping.append(targets[index].map { String($0) })
            records.append("($1, $2, $\(mapping.count - 1)::bigint, $\(mapping.count)::bigint)")
            copied[table.name, default: [:]][row.sourceID] = targets[index] ?? 0
        }
        try connection.execute("INSERT INTO copied_row (source, table_name, source_id, target_id) VALUES \(records.joined(separator: ", "))",
                               mapping)
    }

    /// The target ids of rows whose key is in the target already, by the rows' index.
    private func existing(_ table: StoreCopy.Table, columns: [String], types: [String: String],
                          rows: [(index: Int, values: [String?])]) throws -> [(Int, Int64)] {
        let keyIndexes = table.key.compactMap { columns.firstIndex(of: $0) }
        guard keyIndexes.count == table.key.count else { throw StoreCopy.Problem("\(table.name) lacks its key columns") }
        var parameters: [String?] = []
        var tuples: [String] = []
        for row in rows {
            parameters.append(String(row.index))
            var placeholders = ["$\(parameters.count)::integer"]
            for keyIndex in keyIndexes {
                parameters.append(row.values[keyIndex])
                placeholders.append("$\(parameters.count)::\(types[columns[keyIndex]] ?? "text")")
            }
            tuples.append("(" + placeholders.joined(separator: ", ") + ")")
        }
        let aliases = ["i"] + table.key.indices.map { "k\($0)" }
        let join = table.key.enumerated().map { "t.\(quoted($1)) = v.k\($0)" }.joined(separator: " AND ")
        return try connection.rows("""
            SELECT v.i, t.id FROM (VALUES \(tuples.joined(separator: ", "))) AS v(\(aliases.joined(separator: ", ")))
            JOIN \(quoted(table.name)) t ON \(join)
            """, parameters).compactMap { row in row.int("i").flatMap { index in row.int64("id").map { (index, $0) } } }
    }

    /// API token names are unique too: a box's token whose name another token of the target has already (with another
    /// hash) is copied as "name-2" (or -3, …), so both keep working.
    private func renamingTokens(_ rows: [(sourceID: Int64, values: [String?])], columns: [String]) throws -> [(sourceID: Int64, values: [String?])] {
        guard let nameIndex = columns.firstIndex(of: "name"), let hashIndex = columns.firstIndex(of: "token_hash") else { return rows }
        var taken = Set<String>()
        return try rows.map { original in
            var row = original
            guard let name = row.values[nameIndex], let hash = row.values[hashIndex] else { return row }
            let holder = try connection.rows("SELECT token_hash FROM api_token WHERE name = $1", [name]).first
            guard let holder, holder.string("token_hash") != hash else { taken.insert(name); return row }
            if try !connection.rows("SELECT 1 FROM api_token WHERE token_hash = $1", [hash]).isEmpty { return row }  // merged anyway
            var suffix = 2
            while true {
                let candidate = String(name.prefix(60)) + "-\(suffix)"
                if !taken.contains(candidate), try connection.rows("SELECT 1 FROM api_token WHERE name = $1", [candidate]).isEmpty {
                    row.values[nameIndex] = candidate
                    taken.insert(candidate)
                    return row
                }
                suffix += 1
            }
        }
    }
}

/// A SQLite value as libpq text for a column of `type`: SQLite's 0/1 flags become booleans, blobs bytea's hex.
private func libpqText(_ value: DatabaseValue, type: String) -> String? {
    switch value.storage {
    case .null:
        return nil
    case .int64(let integer):
        return type == "boolean" ? (integer != 0 ? "true" : "false") : String(integer)
    case .double(let double):
        if type == "boolean" { return double != 0 ? "true" : "false" }
        if (type == "integer" || type == "bigint"), double == double.rounded(), abs(double) < 9e18 { return String(Int64(double)) }
        return String(double)
    case .string(let string):
        return string
    case .blob(let data):
        return type == "bytea" ? "\\x" + data.hexString : String(decoding: data, as: UTF8.self)
    }
}

private func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
