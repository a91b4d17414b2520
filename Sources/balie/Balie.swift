import ArgumentParser
import BalieHTTP
import BalieStore
import BalieWeb
import Foundation
import Logging

@main
struct Balie: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "balie",
        abstract: "Balie: the backend of assisted-service kiosks.",
        subcommands: [Serve.self, Migrate.self, Check.self, StaffCommand.self, BranchCommand.self, KioskCommand.self, DemoCommand.self, ImportCommand.self, TokenCommand.self, Backup.self, Restore.self, Export.self, Erase.self, Purge.self])
}

/// Options shared by every command that opens the database.
struct DatabaseOptions: ParsableArguments {
    @Option(help: "The SQLite database file (env BALIE_DATABASE; default ./balie.sqlite).")
    var database: String?

    var path: String { database ?? Environment.value("DATABASE") ?? "balie.sqlite" }

    func open(migrate: Bool = true, readers: Int? = nil) throws -> AppDatabase {
        // The PostgreSQL store is being built (issue #19): until every repository is there, an address is
        // refused plainly rather than taken for a file name.
        if path.hasPrefix("postgres://") || path.hasPrefix("postgresql://") {
            throw CommandError("PostgreSQL addresses are not served by this version yet; give a SQLite file (--database PATH).")
        }
        do {
            return try AppDatabase(path: path, migrate: migrate, readers: readers)
        } catch {
            throw CommandError("Cannot open the database \(path): \(error)")
        }
    }
}

/// Every option also reads from `BALIE_<OPTION>`; the command line wins.
enum Environment {
    static func value(_ name: String) -> String? {
        ProcessInfo.processInfo.environment["BALIE_" + name].flatMap { $0.isEmpty ? nil : $0 }
    }

    static func int(_ name: String, _ given: Int?, default fallback: Int) throws -> Int {
        if let given { return given }
        guard let text = value(name) else { return fallback }
        guard let number = Int(text) else { throw ValidationError("BALIE_\(name) must be a whole number, not \(text).") }
        return number
    }

    static func flag(_ name: String, _ given: Bool) -> Bool {
        given || ["1", "true", "yes", "on"].contains(value(name)?.lowercased() ?? "")
    }
}

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create the database or bring it to the current schema.")

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let db = try database.open()
        print("Database \(database.path) is at migration \(try db.appliedMigrations().last ?? "none").")
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run SQLite's integrity check on the database.")

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let results: [String]
        do {
            results = try database.open(migrate: false).integrityCheck()
        } catch {
            throw CommandError("The database \(database.path) cannot be read: \(error)")
        }
        if results == ["ok"] {
            print("ok")
        } else {
            results.forEach { print($0) }
            throw ExitCode(1)
        }
    }
}

/// A failure to report in one line, without the usage text.
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
