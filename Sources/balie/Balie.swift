import ArgumentParser
import BalieHTTP
import BalieCore
import BalieStore
import BalieWeb
import Foundation
import Logging

@main
struct Balie: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "balie",
        abstract: "Balie: the backend of assisted-service kiosks.",
        subcommands: [Serve.self, Migrate.self, Check.self, StaffCommand.self, BranchCommand.self, KioskCommand.self, DemoCommand.self, ImportCommand.self, CopyCommand.self, TokenCommand.self, SecretsCommand.self, Backup.self, Restore.self, Export.self, Erase.self, Purge.self])
}

/// Options shared by every command that opens the database.
/// Where the lists of refused passwords are, for every command that sets a password.
struct RefusedPasswordOptions: ParsableArguments {
    @Option(help: "Folder with the lists of refused passwords (env BALIE_REFUSED_PASSWORDS; default ./data/refused-passwords).")
    var refusedPasswords: String?

    /// Installed copy (deploy/README.md), for `balie staff …` run from another folder than /usr/share/balie.
    static let installed = "/usr/share/balie/" + RefusedPasswordLists.defaultDirectory

    var directory: String {
        if let given = refusedPasswords ?? Environment.value("REFUSED_PASSWORDS") { return given }
        let fileManager = FileManager.default
        let local = RefusedPasswordLists.defaultDirectory
        return !fileManager.fileExists(atPath: local) && fileManager.fileExists(atPath: Self.installed) ? Self.installed : local
    }

    func load() throws -> RefusedPasswords {
        do { return try RefusedPasswordLists.load(directory: directory) } catch { throw CommandError("\(error)") }
    }
}

struct DatabaseOptions: ParsableArguments {
    @Option(help: "The SQLite database file, or a PostgreSQL address postgres://… (env BALIE_DATABASE or BALIE_DATABASE_URL; default ./balie.sqlite).")
    var database: String?

    /// A PostgreSQL address (`postgres://…`, also from `BALIE_DATABASE_URL`) rather than a SQLite file.
    var postgresAddress: String? {
        let address = database ?? Environment.value("DATABASE_URL") ?? Environment.value("DATABASE")
        guard let address, Self.isPostgres(address) else { return nil }
        return address
    }

    /// Whether a database address names PostgreSQL (else it is a SQLite file's path).
    static func isPostgres(_ address: String) -> Bool { address.hasPrefix("postgres://") || address.hasPrefix("postgresql://") }

    var path: String { database ?? Environment.value("DATABASE") ?? "balie.sqlite" }

    /// The store the address names: PostgreSQL for an address, SQLite for a file. Migrated to the newest schema.
    func openStore(connections: Int) throws -> any RecordStore {
        if let address = postgresAddress {
            do {
                return try PostgresStore(address: address, connections: connections)
            } catch {
                throw CommandError("Cannot open the PostgreSQL database: \(error)")
            }
        }
        return try open(readers: AppDatabase.readerCount(workerThreads: connections))
    }

    /// The SQLite file, for the commands that only work on one (backups, checks, the demo).
    func open(migrate: Bool = true, readers: Int? = nil) throws -> AppDatabase {
        if postgresAddress != nil {
            throw CommandError("This command works on a SQLite file; give one with --database PATH.")
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
        if let address = database.postgresAddress {
            // The operator's step before instances start as an application role that may not change the schema.
            let applied: [String]
            do {
                applied = try PostgresMigrator(pool: PostgresPool(address: address, size: 1)).migrate()
            } catch {
                throw CommandError("Cannot migrate the PostgreSQL database: \(error)")
            }
            print("The PostgreSQL database is at migration \(applied.last ?? "none").")
            return
        }
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
