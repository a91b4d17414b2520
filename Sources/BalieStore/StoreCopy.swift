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

    /// Copies everything of `box` into the central PostgreSQL database that an earlier copy did not, in one transaction.
    public static func copy(from box: AppDatabase, to target: PostgresStore, now: Date = Date(),
                            progress: (Progress) -> Void = { _ in }) throws -> Summary {
        let source = try source(of: box)
        // Two copies of the same box at once: the second waits for the first, then finds its rows copied.
        guard let summary = try copy(from: box, source: source, to: target, lock: "balie-copy " + source, onlyIntoEmpty: false,
                                     now: now, progress: progress) else { throw Problem("nothing was copied") }
        return summary
    }

    /// Copies `box` into the central database only if it has no staff and no customers yet (else nil, nothing copied),
    /// checked under one lock: instances started together with `--demo` fill the database once.
    public static func copyIntoEmpty(from box: AppDatabase, to target: PostgresStore, now: Date = Date()) throws -> Summary? {
        try copy(from: box, source: try source(of: box), to: target, lock: "balie-copy into empty", onlyIntoEmpty: true,
                 now: now, progress: { _ in })
    }

    private static func copy(from box: AppDatabase, source: String, to target: PostgresStore, lock: String, onlyIntoEmpty: Bool,
                             now: Date, progress: (Progress) -> Void) throws -> Summary? {
        try target.write { (connection) throws -> Summary? in
            try connection.execute("SELECT pg_advisory_xact_lock(hashtext($1))", [lock])
            if onlyIntoEmpty, try connection.rows("SELECT 1 FROM staff UNION ALL SELECT 1 FROM customer LIMIT 1").count > 0 { return nil }
            return try box.writer.read { (db) throws -> Summary in
                try run(from: db, source: source, to: PostgresCopyTarget(connection: connection), now: now, progress: progress)
            }
        }
    }

    /// Copies everything of `box` into another SQLite file (one database for several kiosks of a branch) that an
    /// earlier copy did not, in one transaction of the target.
    public static func copy(from box: AppDatabase, to target: AppDatabase, now: Date = Date(),
                            progress: (Progress) -> Void = { _ in }) throws -> Summary {
        let source = try source(of: box)
        guard try Self.source(of: target) != source else { throw Problem("the box and the target are the same database") }
        return try target.writer.write { (targetDB) throws -> Summary in
            try box.writer.read { (db) throws -> Summary in
                try run(from: db, source: source, to: SQLiteCopyTarget(db: targetDB), now: now, progress: progress)
            }
        }
    }

    /// The copy itself, the same for both targets: table after table, then one audit row for the copy.
    private static func run(from db: Database, source: String, to target: some CopyTarget, now: Date,
                            progress: (Progress) -> Void) throws -> Summary {
        var copier = Copier(target: target, db: db, source: source, types: try target.columnTypes(of: tables.map(\.name)),
                            copied: try target.copiedRows(of: source))
        var counts: [TableCount] = []
        for table in tables {
            do {
                counts.append(try copier.copy(table, progress: progress))
            } catch let error as PostgresError {
                throw Problem("\(table.label) (\(table.name)): the target refused a row: \(error.message)")
            } catch let error as DatabaseError {
                throw Problem("\(table.label) (\(table.name)): the target refused a row: \(error.message ?? error.description)")
            }
        }
        let summary = Summary(source: source, tables: counts)
        if summary.copied + summary.merged > 0 {
            try target.audit(AuditEvent(at: now, action: .copied, actorID: nil, subject: nil, origin: "cli",
                                        detail: "from branch box \(source.dropFirst(4).prefix(12)): \(summary.copied) rows copied, \(summary.merged) merged"))
        }
        return summary
    }
}

/// What differs between copying into PostgreSQL and into SQLite: how rows are written and found there. Values stay
/// SQLite values (the box's own); the PostgreSQL target turns them into its column types.
private protocol CopyTarget {
    /// The target's columns and their types, by table.
    func columnTypes(of tables: [String]) throws -> [String: [String: String]]
    /// Source id → target id, by table (0 for rows of tables without ids), from earlier copies of this box.
    func copiedRows(of source: String) throws -> [String: [Int64: Int64]]
    /// Inserts the rows whose key the target does not have yet: per row its new id (nil when not inserted, or for
    /// tables without ids), and how many rows went in.
    func insert(_ table: StoreCopy.Table, columns: [String], types: [String: String], rows: [[DatabaseValue]]) throws -> (ids: [Int64?], count: Int)
    /// The target ids of rows whose key is in the target already, by the rows' index.
    func existing(_ table: StoreCopy.Table, columns: [String], types: [String: String], rows: [(index: Int, values: [DatabaseValue])]) throws -> [(Int, Int64)]
    /// Which source row became which target row.
    func remember(source: String, table: String, rows: [(sourceID: Int64, targetID: Int64?)]) throws
    /// The hash of the API token called `name`, if the target has one.
    func tokenHash(named name: String) throws -> String?
    func hasToken(hash: String) throws -> Bool
    /// What a table's rows need besides their values in this target.
    func adjusted(_ table: String, columns: [String], _ values: [DatabaseValue]) -> [DatabaseValue]
    func audit(_ event: AuditEvent) throws
}

extension CopyTarget {
    func adjusted(_ table: String, columns: [String], _ values: [DatabaseValue]) -> [DatabaseValue] { values }
}

/// The central database: many rows per INSERT, ids drawn from each table's identity sequence beforehand, so that
/// each source row knows its target row (and later inserts by the application never collide with them).
private struct PostgresCopyTarget: CopyTarget {
    let connection: PostgresConnection

    /// Rows per INSERT, within PostgreSQL's 65 535 parameters.
    func batchSize(columns: Int) -> Int { max(1, min(500, 30_000 / max(1, columns))) }

    func columnTypes(of tables: [String]) throws -> [String: [String: String]] {
        var types: [String: [String: String]] = [:]
        for row in try connection.rows("""
            SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema()
            """) {
            types[row.string("table_name"), default: [:]][row.string("column_name")] = row.string("data_type")
        }
        return types
    }

    func copiedRows(of source: String) throws -> [String: [Int64: Int64]] {
        var copied: [String: [Int64: Int64]] = [:]
        for row in try connection.rows("SELECT table_name, source_id, target_id FROM copied_row WHERE source = $1", [source]) {
            guard let sourceID = row.int64("source_id") else { continue }
            copied[row.string("table_name"), default: [:]][sourceID] = row.int64("target_id") ?? 0
        }
        return copied
    }

    func insert(_ table: StoreCopy.Table, columns: [String], types: [String: String], rows: [[DatabaseValue]]) throws -> (ids: [Int64?], count: Int) {
        var ids: [Int64?] = []
        var count = 0
        let size = batchSize(columns: columns.count + 1)
        for start in stride(from: 0, to: rows.count, by: size) {
            let batch = try insertBatch(table, columns: columns, types: types, rows: rows[start..<min(rows.count, start + size)])
            ids += batch.ids
            count += batch.count
        }
        return (ids, count)
    }

    private func insertBatch(_ table: StoreCopy.Table, columns: [String], types: [String: String],
                             rows: ArraySlice<[DatabaseValue]>) throws -> (ids: [Int64?], count: Int) {
        var drawn: [Int64] = []
        if table.hasID {
            drawn = try connection.rows("SELECT nextval(pg_get_serial_sequence($1, 'id')) AS id FROM generate_series(1, $2::integer)",
                                        [table.name, String(rows.count)]).compactMap { $0.int64("id") }
            guard drawn.count == rows.count else { throw StoreCopy.Problem("no ids for \(table.name)") }
        }
        var parameters: [String?] = []
        var tuples: [String] = []
        let casts = columns.map { "::" + (types[$0] ?? "text") }
        for (index, row) in rows.enumerated() {
            var placeholders: [String] = []
            if table.hasID {
                parameters.append(String(drawn[index]))
                placeholders.append("$\(parameters.count)::bigint")
            }
            for (column, value) in row.enumerated() {
                parameters.append(libpqText(value, type: types[columns[column]] ?? "text"))
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
        guard table.hasID else { return (Array(repeating: nil, count: rows.count), result.affected) }
        let inserted = Set(result.all.compactMap { $0.int64("id") })
        let ids = drawn.map { inserted.contains($0) ? $0 : nil }
        return (ids, inserted.count)
    }

    func existing(_ table: StoreCopy.Table, columns: [String], types: [String: String],
                  rows: [(index: Int, values: [DatabaseValue])]) throws -> [(Int, Int64)] {
        let keyIndexes = try keyColumns(table, columns: columns)
        var parameters: [String?] = []
        var tuples: [String] = []
        for row in rows {
            parameters.append(String(row.index))
            var placeholders = ["$\(parameters.count)::integer"]
            for keyIndex in keyIndexes {
                let type = types[columns[keyIndex]] ?? "text"
                parameters.append(libpqText(row.values[keyIndex], type: type))
                placeholders.append("$\(parameters.count)::\(type)")
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

    func remember(source: String, table: String, rows: [(sourceID: Int64, targetID: Int64?)]) throws {
        // Four parameters per row at most, well within the limit for one table's batch of rows.
        for start in stride(from: 0, to: rows.count, by: 10_000) {
            var mapping: [String?] = [source, table]
            var records: [String] = []
            for row in rows[start..<min(rows.count, start + 10_000)] {
                mapping.append(String(row.sourceID))
                mapping.append(row.targetID.map { String($0) })
                records.append("($1, $2, $\(mapping.count - 1)::bigint, $\(mapping.count)::bigint)")
            }
            try connection.execute("INSERT INTO copied_row (source, table_name, source_id, target_id) VALUES \(records.joined(separator: ", "))",
                                   mapping)
        }
    }

    func tokenHash(named name: String) throws -> String? {
        try connection.rows("SELECT token_hash FROM api_token WHERE name = $1", [name]).first.map { $0.string("token_hash") }
    }

    func hasToken(hash: String) throws -> Bool {
        try !connection.rows("SELECT 1 FROM api_token WHERE token_hash = $1", [hash]).isEmpty
    }

    /// `search_name` as the PostgreSQL customer store writes it.
    func adjusted(_ table: String, columns: [String], _ values: [DatabaseValue]) -> [DatabaseValue] {
        guard table == "customer", let search = columns.firstIndex(of: "search_name"),
              let given = columns.firstIndex(of: "given_name"), let family = columns.firstIndex(of: "family_name") else { return values }
        var values = values
        // As PostgresStore+Customers.swift's searchName: the folded full name's words joined by single spaces.
        let name = "\(String.fromDatabaseValue(values[given]) ?? "") \(String.fromDatabaseValue(values[family]) ?? "")"
        values[search] = SearchText.fold(name).split { !$0.isLetter && !$0.isNumber }.joined(separator: " ").databaseValue
        return values
    }

    func audit(_ event: AuditEvent) throws { try connection.insertAudit(event) }
}

/// Another SQLite file: a row at a time (in-process, within one transaction, that is fast), ids from SQLite itself.
/// The customer search index follows the customer table by its triggers.
private struct SQLiteCopyTarget: CopyTarget {
    let db: Database

    func columnTypes(of tables: [String]) throws -> [String: [String: String]] {
        var types: [String: [String: String]] = [:]
        for table in tables {
            let columns = try Row.fetchAll(db, sql: "SELECT name, type FROM pragma_table_info(?)", arguments: [table])
            if !columns.isEmpty { types[table] = Dictionary(columns.map { ($0["name"] as String, $0["type"] as String) }) { first, _ in first } }
        }
        return types
    }

    func copiedRows(of source: String) throws -> [String: [Int64: Int64]] {
        var copied: [String: [Int64: Int64]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT table_name, source_id, target_id FROM copied_row WHERE source = ?", arguments: [source]) {
            copied[row["table_name"], default: [:]][row["source_id"]] = row["target_id"] ?? 0
        }
        return copied
    }

    func insert(_ table: StoreCopy.Table, columns: [String], types: [String: String], rows: [[DatabaseValue]]) throws -> (ids: [Int64?], count: Int) {
        // A row whose key the target has already is left out (DO NOTHING); any other conflict is an error.
        let conflict = table.key.isEmpty ? "" : " ON CONFLICT (\(table.key.map(quoted).joined(separator: ", "))) DO NOTHING"
        let statement = try db.cachedStatement(sql: """
            INSERT INTO \(quoted(table.name)) (\(columns.map(quoted).joined(separator: ", "))) \
            VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))\(conflict)
            """)
        var ids: [Int64?] = []
        var count = 0
        for row in rows {
            try statement.execute(arguments: StatementArguments(row))
            let inserted = db.changesCount > 0
            if inserted { count += 1 }
            ids.append(inserted && table.hasID ? db.lastInsertedRowID : nil)
        }
        return (ids, count)
    }

    func existing(_ table: StoreCopy.Table, columns: [String], types: [String: String],
                  rows: [(index: Int, values: [DatabaseValue])]) throws -> [(Int, Int64)] {
        let keyIndexes = try keyColumns(table, columns: columns)
        let statement = try db.cachedStatement(sql: """
            SELECT id FROM \(quoted(table.name)) WHERE \(table.key.map { "\(quoted($0)) IS ?" }.joined(separator: " AND "))
            """)
        return try rows.compactMap { row in
            try Int64.fetchOne(statement, arguments: StatementArguments(keyIndexes.map { row.values[$0] })).map { (row.index, $0) }
        }
    }

    func remember(source: String, table: String, rows: [(sourceID: Int64, targetID: Int64?)]) throws {
        let statement = try db.cachedStatement(sql: "INSERT INTO copied_row (source, table_name, source_id, target_id) VALUES (?, ?, ?, ?)")
        for row in rows { try statement.execute(arguments: [source, table, row.sourceID, row.targetID]) }
    }

    func tokenHash(named name: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT token_hash FROM api_token WHERE name = ?", arguments: [name])
    }

    func hasToken(hash: String) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM api_token WHERE token_hash = ?)", arguments: [hash]) ?? false
    }

    func audit(_ event: AuditEvent) throws { try AppDatabase.appendAudit(event, in: db) }
}

/// The positions of a table's key columns among the copied columns.
private func keyColumns(_ table: StoreCopy.Table, columns: [String]) throws -> [Int] {
    let keyIndexes = table.key.compactMap { columns.firstIndex(of: $0) }
    guard keyIndexes.count == table.key.count else { throw StoreCopy.Problem("\(table.name) lacks its key columns") }
    return keyIndexes
}

/// The copy of one table after another, within the one transaction.
private struct Copier<Target: CopyTarget> {
    let target: Target
    let db: Database
    let source: String
    /// The target's column types, by table and column.
    let types: [String: [String: String]]
    /// Source id → target id, by table (0 for rows of tables without ids), from earlier copies and this one.
    var copied: [String: [Int64: Int64]]

    /// Rows read from the box before they are written.
    private let batchSize = 500

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
        var pending: [(sourceID: Int64, values: [DatabaseValue])] = []
        while let row = try cursor.next() {
            let values = Array(row.databaseValues)
            guard let sourceID = Int64.fromDatabaseValue(values[0]) else { throw StoreCopy.Problem("a row of \(table.name) without rowid") }
            done += 1
            if copied[table.name]?[sourceID] != nil {
                count.earlier += 1
                continue
            }
            var remapped: [DatabaseValue] = []
            for (index, column) in columns.enumerated() {
                let value = values[index + 1]
                if let referenced = table.references[column], let id = Int64.fromDatabaseValue(value) {
                    guard let targetID = copied[referenced]?[id] else {
                        throw StoreCopy.Problem("\(table.name) row \(sourceID): \(column) names \(referenced) row \(id), which the box does not have")
                    }
                    remapped.append(targetID.databaseValue)
                } else {
                    remapped.append(value)
                }
            }
            pending.append((sourceID, target.adjusted(table.name, columns: columns, remapped)))
            if pending.count >= batchSize {
                try insert(table, columns: columns, types: targetTypes, rows: pending, count: &count)
                pending.removeAll(keepingCapacity: true)
                progress(.init(table: table.name, label: table.label, done: done, total: total, finished: false))
            }
        }
        if !pending.isEmpty { try insert(table, columns: columns, types: targetTypes, rows: pending, count: &count) }
        progress(.init(table: table.name, label: table.label, done: done, total: total, finished: true))
        return count
    }

    private mutating func insert(_ table: StoreCopy.Table, columns: [String], types: [String: String],
                                 rows: [(sourceID: Int64, values: [DatabaseValue])], count: inout StoreCopy.TableCount) throws {
        var rows = rows
        if table.name == "api_token" { rows = try renamingTokens(rows, columns: columns) }
        let result = try target.insert(table, columns: columns, types: types, rows: rows.map(\.values))
        var targets = result.ids
        count.copied += result.count
        if table.hasID {
            let missing = rows.indices.filter { targets[$0] == nil }
            if !missing.isEmpty {
                // The rows that met one already in the target: that one stays, and the box's row becomes it.
                for (index, id) in try target.existing(table, columns: columns, types: types, rows: missing.map { ($0, rows[$0].values) }) {
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
            count.merged += rows.count - result.count
        }
        try target.remember(source: source, table: table.name, rows: rows.indices.map { (rows[$0].sourceID, targets[$0]) })
        for (index, row) in rows.enumerated() { copied[table.name, default: [:]][row.sourceID] = targets[index] ?? 0 }
    }

    /// API token names are unique too: a box's token whose name another token of the target has already (with another
    /// hash) is copied as "name-2" (or -3, …), so both keep working.
    private func renamingTokens(_ rows: [(sourceID: Int64, values: [DatabaseValue])],
                                columns: [String]) throws -> [(sourceID: Int64, values: [DatabaseValue])] {
        guard let nameIndex = columns.firstIndex(of: "name"), let hashIndex = columns.firstIndex(of: "token_hash") else { return rows }
        var taken = Set<String>()
        return try rows.map { original in
            var row = original
            guard let name = String.fromDatabaseValue(row.values[nameIndex]), let hash = String.fromDatabaseValue(row.values[hashIndex]) else { return row }
            guard let holder = try target.tokenHash(named: name), holder != hash else { taken.insert(name); return row }
            if try target.hasToken(hash: hash) { return row }  // merged anyway
            var suffix = 2
            while true {
                let candidate = String(name.prefix(60)) + "-\(suffix)"
                if !taken.contains(candidate), try target.tokenHash(named: candidate) == nil {
                    row.values[nameIndex] = candidate.databaseValue
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
