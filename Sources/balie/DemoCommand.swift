import ArgumentParser
import BalieCore
import BalieStore
import Foundation

/// `balie demo`: the demo data of `serve --demo` in a database file, for a prepared copy (the end-to-end
/// tests build one per run) or a look at the pages without starting in demo mode.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Fill an empty database with demo data: branches, kiosks, staff (password demo-kiosk-2026), customers and six months of sessions.")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "The task catalogue file (env BALIE_TASK_CATALOG; default ./deploy/task-catalog.json).") var taskCatalog: String?

    func run() throws {
        let path = taskCatalog ?? Environment.value("TASK_CATALOG") ?? "deploy/task-catalog.json"
        let catalog: TaskCatalog
        do {
            catalog = try TaskCatalog.load(from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw CommandError("Cannot read the task catalogue \(path): \(error)")
        }
        if let address = database.postgresAddress {
            let store: PostgresStore
            do { store = try PostgresStore(address: address, connections: 1) } catch { throw CommandError("Cannot open the PostgreSQL database: \(error)") }
            guard let summary = try DemoData.fill(store, catalog: catalog) else {
                throw CommandError("The database already has staff or customers; demo data only goes into an empty database.")
            }
            print(summary)
            return
        }
        let db = try database.open()
        guard let summary = try DemoData.fill(db, catalog: catalog) else {
            throw CommandError("The database \(database.path) already has staff or customers; demo data only goes into an empty database.")
        }
        // One file without a write-ahead log beside it, ready to be copied.
        try db.checkpoint()
        print(summary)
    }
}
