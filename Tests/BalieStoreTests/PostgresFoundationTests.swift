import Foundation
import Testing
@testable import BalieStore

/// The PostgreSQL store's foundation against a real server: parameters travel apart from the SQL, the pool
/// stays within its size, two instances starting together migrate once, statements time out, a database that
/// goes away is "unavailable" and the pool reconnects by itself, and LISTEN/NOTIFY reaches another connection.
@Suite(.serialized) struct PostgresFoundationTests {
    @Test func parametersAreDataNeverSQL() throws {
        let pool = PostgresPool(address: try TestPostgres.server().newDatabase(), size: 2)
        try pool.withConnection { connection in
            try connection.execute("CREATE TABLE note (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, text text, seen boolean)")
            let hostile = "Yılmaz'); DROP TABLE note; --"
            try connection.execute("INSERT INTO note (text, seen) VALUES ($1, $2)", [hostile, "true"])
            try connection.execute("INSERT INTO note (text, seen) VALUES ($1, $2)", [nil, "false"])
            let rows = try connection.execute("SELECT id, text, seen FROM note ORDER BY id")
            #expect(rows.columns == ["id", "text", "seen"])
            #expect(rows.rows.map { $0[1] } == [hostile, nil])
            #expect(rows.rows.map { $0[2] } == ["t", "f"])
            #expect(try connection.execute("UPDATE note SET seen = true").affected == 2)
        }
    }

    @Test func theSchemaMigratesOnceWhenTwoInstancesStartTogether() throws {
        let address = try TestPostgres.server().newDatabase()
        let results = LockedBox<[Result<[String], Error>]>([])
        let threads = (0..<2).map { _ in
            Thread {
                let outcome = Result { try PostgresMigrator(pool: PostgresPool(address: address, size: 1)).migrate() }
                results.update { $0.append(outcome) }
            }
        }
        threads.forEach { $0.start() }
        let deadline = Date().addingTimeInterval(60)
        while results.value.count < 2 && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let names = PostgresSchema.migrations.map(\.name)
        #expect(results.value.count == 2)
        for result in results.value { #expect(try result.get() == names) }
        let pool = PostgresPool(address: address, size: 1)
        let applied = try pool.withConnection { try $0.execute("SELECT count(*) FROM schema_migration").rows[0][0] }
        #expect(applied == String(names.count), "each migration recorded once")
        // A third start finds nothing to do.
        #expect(try PostgresMigrator(pool: pool).migrate() == names)
    }

    @Test func thePoolNeverOpensMoreThanItsSize() throws {
        let pool = PostgresPool(address: try TestPostgres.server().newDatabase(), size: 3)
        let peak = LockedBox(0), failures = LockedBox(0), done = LockedBox(0)
        for _ in 0..<12 {
            Thread {
                do {
                    try pool.withConnection { connection in
                        peak.update { $0 = max($0, pool.openConnections) }
                        try connection.execute("SELECT pg_sleep(0.05)")
                    }
                } catch { failures.update { $0 += 1 } }
                done.update { $0 += 1 }
            }.start()
        }
        let deadline = Date().addingTimeInterval(30)
        while done.value < 12 && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        #expect(done.value == 12 && failures.value == 0)
        #expect(peak.value <= 3)
    }

    @Test func aSlowStatementIsStoppedByTheTimeout() throws {
        let pool = PostgresPool(address: try TestPostgres.server().newDatabase(), size: 1, statementTimeoutMilliseconds: 200)
        let error = #expect(throws: PostgresError.self) { try pool.withConnection { try $0.execute("SELECT pg_sleep(5)") } }
        #expect(error?.sqlState == "57014" && error?.isUnavailable == false, "canceled by statement_timeout, not a lost database")
        // The connection is still good for the next caller.
        #expect(try pool.withConnection { try $0.execute("SELECT 1").rows[0][0] } == "1")
    }

    @Test func aTransactionThatFailsLeavesNothing() throws {
        let pool = PostgresPool(address: try TestPostgres.server().newDatabase(), size: 1)
        try pool.withConnection { try $0.execute("CREATE TABLE item (name text UNIQUE)") }
        #expect(throws: PostgresError.self) {
            try pool.transaction { connection in
                try connection.execute("INSERT INTO item VALUES ($1)", ["a"])
                try connection.execute("INSERT INTO item VALUES ($1)", ["a"])  // unique violation: 23505
            }
        }
        #expect(try pool.withConnection { try $0.execute("SELECT count(*) FROM item").rows[0][0] } == "0")
    }

    @Test func aPipelineAnswersEveryStatementInOrderAndTheConnectionGoesOn() throws {
        let pool = PostgresPool(address: try TestPostgres.server().newDatabase(), size: 1)
        try pool.withConnection { try $0.execute("CREATE TABLE item (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text UNIQUE)") }
        let results = try pool.withConnection { connection in
            try connection.pipeline([
                PostgresStatement("INSERT INTO item (name) VALUES ($1) RETURNING id", ["a"]),
                PostgresStatement("INSERT INTO item (name) VALUES ($1), ($2)", ["b", "c"]),
                PostgresStatement("SELECT name FROM item WHERE name <> $1 ORDER BY name", ["b"]),
                PostgresStatement("SELECT $1::text AS echo", [nil]),
            ])
        }
        #expect(results.count == 4)
        #expect(results[0].rows == [["1"]])
        #expect(results[1].affected == 2)
        #expect(results[2].rows == [["a"], ["c"]])
        #expect(results[3].columns == ["echo"] && results[3].rows == [[nil]])
        // Out of pipeline mode again: ordinary calls and a second pipeline on the same connection.
        #expect(try pool.withConnection { try $0.execute("SELECT count(*) FROM item").rows[0][0] } == "3")
        #expect(try pool.withConnection { try $0.pipeline([PostgresStatement("SELECT 7")]) }.first?.rows == [["7"]])
        #expect(pool.openConnections == 1)
    }

    @Test func aPipelinedTransactionThatFailsLeavesNothingAndTheConnectionGoesOn() throws {
        let pool = PostgresPool(address: try TestPostgres.server().newDatabase(), size: 1)
        try pool.withConnection { try $0.execute("CREATE TABLE item (name text UNIQUE)") }
        let error = #expect(throws: PostgresError.self) {
            try pool.pipelinedTransaction([
                PostgresStatement("INSERT INTO item VALUES ($1)", ["a"]),
                PostgresStatement("INSERT INTO item VALUES ($1)", ["a"]),  // unique violation: the rest is skipped
                PostgresStatement("INSERT INTO item VALUES ($1)", ["b"]),
            ])
        }
        #expect(error?.sqlState == "23505" && error?.isUnavailable == false)
        // Rolled back, and the connection is out of the aborted transaction: this runs and commits on its own.
        try pool.withConnection { try $0.execute("INSERT INTO item VALUES ($1)", ["c"]) }
        #expect(try pool.withConnection { try $0.execute("SELECT name FROM item ORDER BY name").rows } == [["c"]])
        #expect(try pool.pipelinedSnapshot([PostgresStatement("SELECT count(*) FROM item"), PostgresStatement("SELECT 2")])
            .map(\.rows) == [[["1"]], [["2"]]])
        #expect(pool.openConnections == 1)
    }

    @Test func aReadSnapshotIsReadOnlyAndSeesOneState() throws {
        let address = try TestPostgres.server().newDatabase()
        let pool = PostgresPool(address: address, size: 2)
        try pool.withConnection { try $0.execute("CREATE TABLE item (name text)") }
        let error = #expect(throws: PostgresError.self) {
            try pool.readSnapshot { try $0.execute("INSERT INTO item VALUES ('x')") }
        }
        #expect(error?.sqlState == "25006", "read-only transaction")
        let other = try PostgresConnection(address: address, statementTimeoutMilliseconds: 5_000)
        let counts = try pool.readSnapshot { connection -> [String?] in
            let first = try connection.execute("SELECT count(*) FROM item").rows[0][0]
            try other.execute("INSERT INTO item VALUES ('y')")  // committed meanwhile by another connection
            return [first, try connection.execute("SELECT count(*) FROM item").rows[0][0]]
        }
        #expect(counts == ["0", "0"], "repeatable read: the second read sees the first one's snapshot")
        #expect(try pool.withConnection { try $0.execute("SELECT count(*) FROM item").rows[0][0] } == "1")
    }

    @Test func aWriteOfStatementsIsOneCommitAllOrNothing() throws {
        let store = try PostgresStore(address: try TestPostgres.server().newDatabase(), connections: 2)
        try store.pool.withConnection { try $0.execute("CREATE TABLE item (name text UNIQUE)") }
        let before = store.commits.snapshot.count
        // One statement: autocommit, one commit counted.
        #expect(try store.write("INSERT INTO item VALUES ($1), ($2)", ["a", "b"]).affected == 2)
        #expect(store.commits.snapshot.count == before + 1)
        // Several: one transaction, one commit counted.
        try store.write([PostgresStatement("INSERT INTO item VALUES ($1)", ["c"]), PostgresStatement("DELETE FROM item WHERE name = $1", ["a"])])
        #expect(store.commits.snapshot.count == before + 2)
        // A failing one leaves nothing of the others and is no commit.
        #expect(throws: PostgresError.self) {
            try store.write([PostgresStatement("INSERT INTO item VALUES ($1)", ["d"]), PostgresStatement("INSERT INTO item VALUES ($1)", ["b"])])
        }
        #expect(throws: PostgresError.self) { try store.write("INSERT INTO item VALUES ($1), ($2)", ["e", "c"]) }
        #expect(store.commits.snapshot.count == before + 2)
        #expect(try store.query("SELECT name FROM item ORDER BY name").map { $0.string("name") } == ["b", "c"])
    }

    @Test func aDatabaseThatGoesAwayIsUnavailableAndThePoolReconnects() throws {
        let server = try TestPostgres()  // a server of its own: this test stops it
        let pool = PostgresPool(address: server.address(), size: 2, waitSeconds: 1)
        #expect(try pool.withConnection { try $0.execute("SELECT 1").rows[0][0] } == "1")
        server.stop()
        let error = #expect(throws: PostgresError.self) { try pool.withConnection { try $0.execute("SELECT 1") } }
        #expect(error?.isUnavailable == true)
        #expect(throws: PostgresError.self) { try pool.withConnection { try $0.execute("SELECT 1") } }
        try server.start()
        #expect(try pool.withConnection { try $0.execute("SELECT 1").rows[0][0] } == "1", "the pool did not reconnect")
        #expect(pool.openConnections <= 2)
    }

    @Test func aNotificationReachesAnotherConnection() throws {
        let address = try TestPostgres.server().newDatabase()
        let listener = try PostgresConnection(address: address, statementTimeoutMilliseconds: 5_000)
        try listener.execute("LISTEN balie_display")
        let sender = try PostgresConnection(address: address, statementTimeoutMilliseconds: 5_000)
        try sender.execute("SELECT pg_notify($1, $2)", ["balie_display", "42"])
        var received: [(channel: String, payload: String)] = []
        let deadline = Date().addingTimeInterval(5)
        while received.isEmpty && Date() < deadline { received += try listener.notifications(waitingUpTo: 0.5) }
        #expect(received.map(\.channel) == ["balie_display"] && received.map(\.payload) == ["42"])
    }
}

/// A value shared between test threads.
final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func update(_ change: (inout Value) -> Void) { lock.withLock { change(&stored) } }
}

/// The PostgreSQL schema itself (`PostgresSchema`), migrated on a real server: the audit trail is append-only
/// except through its two maintenance functions, and name search finds every word of a name by its prefix.
@Suite struct PostgresSchemaTests {
    private func migrated() throws -> PostgresPool {
        let pool = PostgresPool(address: try TestPostgres.server().newDatabase(), size: 2)
        try PostgresMigrator(pool: pool).migrate()
        return pool
    }

    @Test func theAuditTrailCannotBeChangedExceptByItsFunctions() throws {
        let pool = try migrated()
        try pool.withConnection { db in
            for (at, subject) in [(100.0, "100001"), (200.0, "100001"), (300.0, "100002")] {
                try db.execute("INSERT INTO audit_event (at, action, subject, origin, reason) VALUES ($1, 'customer-viewed', $2, 'kiosk-1/127.0.0.1', 'Vraag')",
                               [String(at), subject])
            }
            for statement in ["UPDATE audit_event SET subject = 'x'", "DELETE FROM audit_event", "TRUNCATE audit_event"] {
                #expect(throws: PostgresError.self, "\(statement)") { try db.execute(statement) }
            }
            #expect(try db.execute("SELECT count(*) FROM audit_event").rows[0][0] == "3")
            // Erasure: the person's rows keep who did what, without naming them or the reason.
            #expect(try db.execute("SELECT balie_pseudonymise_audit($1, $2)", ["100001", "erased-1"]).rows[0][0] == "2")
            #expect(try db.execute("SELECT count(*) FROM audit_event WHERE subject = 'erased-1' AND reason IS NULL").rows[0][0] == "2")
            // Retention: old rows go, through the purge function only.
            #expect(try db.execute("SELECT balie_purge_audit($1)", ["250"]).rows[0][0] == "2")
            #expect(try db.execute("SELECT subject FROM audit_event").rows.map { $0[0] } == ["100002"])
            // The function leaves the guard on again for the rest of the transaction.
            #expect(throws: PostgresError.self) { try db.execute("DELETE FROM audit_event") }
        }
    }

    @Test func everyWordOfANameIsFoundByItsPrefix() throws {
        let pool = try migrated()
        try pool.withConnection { db in
            for (number, given, family, folded) in [("1", "Jan", "de Vriës", "jan de vries"), ("2", "Ayşe", "Yılmaz", "ayse yilmaz"),
                                                    ("3", "Olena", "Шевченко", "olena шевченко")] {
                try db.execute("INSERT INTO customer (number, given_name, family_name, search_name) VALUES ($1, $2, $3, $4)",
                               [number, given, family, folded])
            }
            func find(_ prefix: String) throws -> [String] {
                try db.execute("""
                    SELECT c.number FROM customer c WHERE c.id IN (SELECT customer_id FROM customer_name_word WHERE word LIKE $1 || '%')
                    ORDER BY c.number
                    """, [prefix]).rows.compactMap { $0[0] }
            }
            #expect(try find("vri") == ["1"])
            #expect(try find("de") == ["1"])
            #expect(try find("yil") == ["2"])
            #expect(try find("шев") == ["3"])
            #expect(try find("x").isEmpty)
            // A new name replaces the old words.
            try db.execute("UPDATE customer SET search_name = 'jan de boer' WHERE number = '1'")
            #expect(try find("vri").isEmpty && find("boe") == ["1"])
        }
    }
}
