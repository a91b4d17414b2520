import Foundation
import Testing

/// `balie copy` end to end: the built binary fills a box with the demo data, copies it into a database on the tests'
/// PostgreSQL server (`TestPostgres`: a temporary folder, a free port, stopped at the end) or into another SQLite file,
/// and copies it again.
@Suite struct CopyCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let binary = root.appendingPathComponent(".build/debug/balie").path

    struct Result {
        let status: Int32
        let output: String
        let errors: String
    }

    /// Runs a program with standard output and error in files of their own (no pipe to fill up).
    static func run(_ path: String, _ arguments: [String]) throws -> Result {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("copy-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out"), err = folder.appendingPathComponent("err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = root
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: try String(contentsOf: out, encoding: .utf8),
                      errors: try String(contentsOf: err, encoding: .utf8))
    }

    func balie(_ arguments: [String]) throws -> Result { try Self.run(Self.binary, arguments) }

    /// A SQLite file and its write-ahead log.
    static func remove(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    /// One number from a database, by psql for PostgreSQL and the sqlite3 shell for a file.
    func count(_ address: String, _ sql: String) throws -> Int? {
        let result = address.hasPrefix("postgres://") ? try Self.run("/usr/bin/psql", [address, "-X", "-q", "-t", "-A", "-c", sql])
                                                      : try Self.run("/usr/bin/sqlite3", ["-readonly", address, sql])
        return Int(result.output.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func copiesTheDemoBoxOnceAndASecondTimeNothing() throws {
        let box = FileManager.default.temporaryDirectory.appendingPathComponent("copy-box-\(UUID().uuidString).sqlite").path
        defer { Self.remove(box) }
        let demo = try balie(["demo", "--database", box, "--task-catalog", Self.root.appendingPathComponent("deploy/task-catalog.json").path])
        #expect(demo.status == 0, "\(demo.output)\(demo.errors)")

        let target = try TestPostgres.server().newDatabase()

        let first = try balie(["copy", "--from", box, "--to", target])
        #expect(first.status == 0, "\(first.output)\(first.errors)")
        // Progress: one plain line per table on standard error (not a terminal here), "done/total" with both equal.
        let progress = first.errors.split(separator: "\n")
        #expect(progress.count == 20, "\(first.errors)")
        #expect(progress.contains { $0.hasPrefix("customers ") })
        #expect(!first.errors.contains("\r"))
        for line in progress {
            let figures = line.split(separator: " ", maxSplits: 100).drop { !$0.first!.isNumber }.joined(separator: " ").split(separator: "/")
            #expect(figures.count == 2 && figures.first == figures.last, "\(line)")
        }
        // The summary: per table, and the totals.
        #expect(first.output.contains("customers"))
        #expect(first.output.contains("rows copied"))
        #expect(!first.output.contains("Nothing new"))

        let customers = try count(target, "SELECT count(*) FROM customer")
        let sessions = try count(target, "SELECT count(*) FROM assisted_session")
        let audit = try count(target, "SELECT count(*) FROM audit_event")
        #expect((customers ?? 0) > 100)
        #expect((sessions ?? 0) > 100)
        #expect(try count(target, "SELECT count(*) FROM audit_event WHERE action = 'copied'") == 1)
        #expect(try count(target, "SELECT count(*) FROM session_step s JOIN session_task t ON t.id = s.session_task_id WHERE t.session_id <> s.session_id") == 0)
        #expect(try count(target, "SELECT count(*) FROM customer_name_word") ?? 0 > 0)
        let customerLine = try #require(first.output.split(separator: "\n").first { $0.hasPrefix("customers ") })
        #expect(customerLine.contains("\(Self.grouped(customers ?? -1)) copied"), "\(customerLine)")

        let second = try balie(["copy", "--from", box, "--to", target])
        #expect(second.status == 0, "\(second.output)\(second.errors)")
        #expect(second.output.contains("Nothing new to copy"), "\(second.output)")
        #expect(try count(target, "SELECT count(*) FROM customer") == customers)
        #expect(try count(target, "SELECT count(*) FROM assisted_session") == sessions)
        #expect(try count(target, "SELECT count(*) FROM audit_event") == audit)
    }

    @Test func refusesWhatItCannotCopyPlainly() throws {
        let missing = try balie(["copy", "--from", "/nonexistent/box.sqlite", "--to", "postgres://balie@127.0.0.1:1/balie"])
        #expect(missing.status != 0)
        #expect(missing.errors.contains("There is no file"))
        #expect(!missing.errors.contains("Usage"))
        let box = FileManager.default.temporaryDirectory.appendingPathComponent("copy-box-\(UUID().uuidString).sqlite").path
        defer { Self.remove(box) }
        #expect(try balie(["migrate", "--database", box]).status == 0)
        let noTarget = try balie(["copy", "--from", box, "--to", ""])
        #expect(noTarget.status != 0)
        #expect(noTarget.errors.contains("--to postgres://… or --to FILE.sqlite"))
        let noFolder = try balie(["copy", "--from", box, "--to", "/nonexistent/other.sqlite"])
        #expect(noFolder.status != 0)
        #expect(noFolder.errors.contains("Cannot open the target database"))
        let itself = try balie(["copy", "--from", box, "--to", box])
        #expect(itself.status != 0)
        #expect(itself.errors.contains("the box and the target are the same database"), "\(itself.errors)")
        let unreachable = try balie(["copy", "--from", box, "--to", "postgres://balie@127.0.0.1:1/balie?connect_timeout=2"])
        #expect(unreachable.status != 0)
        #expect(unreachable.errors.contains("Cannot open the PostgreSQL database"))
    }

    @Test func helpNamesTheTablesCopiedAndLeftBehind() throws {
        let help = try balie(["copy", "--help"])
        #expect(help.status == 0)
        for table in ["customer", "assisted_session", "audit_event", "staff_session", "sign_in_failure", "kiosk_enrolment"] {
            #expect(help.output.contains(table), "\(table)")
        }
    }

    /// The one-database-per-kiosk boxes of a branch become one file: the demo box into an empty SQLite file, twice.
    @Test func copiesTheDemoBoxIntoAnotherSQLiteFileOnceAndASecondTimeNothing() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("copy-sqlite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let box = folder.appendingPathComponent("kiosk-1.sqlite").path, target = folder.appendingPathComponent("branch.sqlite").path
        let demo = try balie(["demo", "--database", box, "--task-catalog", Self.root.appendingPathComponent("deploy/task-catalog.json").path])
        #expect(demo.status == 0, "\(demo.output)\(demo.errors)")

        let first = try balie(["copy", "--from", box, "--to", target])
        #expect(first.status == 0, "\(first.output)\(first.errors)")
        #expect(first.errors.split(separator: "\n").count == 20, "\(first.errors)")
        for table in ["customer", "contact", "consent", "message", "follow_up", "assisted_session", "session_step", "session_note", "staff_call"] {
            let inBox = try count(box, "SELECT count(*) FROM \(table)")
            #expect(inBox ?? 0 > 0, "\(table)")
            #expect(try count(target, "SELECT count(*) FROM \(table)") == inBox, "\(table)")
        }
        // Every audit row of the box, and one for the copy.
        #expect(try count(target, "SELECT count(*) FROM audit_event") == (try count(box, "SELECT count(*) FROM audit_event")).map { $0 + 1 })
        #expect(try count(target, "SELECT count(*) FROM audit_event WHERE action = 'copied'") == 1)
        // References followed their rows, and the name search index follows the customers.
        #expect(try count(target, "SELECT count(*) FROM session_step s JOIN session_task t ON t.id = s.session_task_id WHERE t.session_id <> s.session_id") == 0)
        #expect(try count(target, "SELECT count(*) FROM customer_name WHERE customer_name MATCH 'vries'")
                == (try count(box, "SELECT count(*) FROM customer_name WHERE customer_name MATCH 'vries'")))
        #expect(try Self.run("/usr/bin/sqlite3", [target, "PRAGMA integrity_check"]).output == "ok\n")

        let second = try balie(["copy", "--from", box, "--to", target])
        #expect(second.status == 0, "\(second.output)\(second.errors)")
        #expect(second.output.contains("Nothing new to copy"), "\(second.output)")
        #expect(try count(target, "SELECT count(*) FROM audit_event") == (try count(box, "SELECT count(*) FROM audit_event")).map { $0 + 1 })
        // The copy serves: the file is a Balie database like any other.
        #expect(try balie(["check", "--database", target]).status == 0)
    }

    static func grouped(_ number: Int) -> String {
        let digits = Array(String(number))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(" ") }
            out.append(digit)
        }
        return out
    }
}
