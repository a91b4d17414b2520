import ArgumentParser
import BalieCore
import BalieStore
import Foundation

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a CRM export (CSV with a header row, UTF-8). A file with any bad row imports nothing.",
        discussion: """
            customers: \(CustomerImport.customerColumns.joined(separator: ","))
            contacts:  \(CustomerImport.contactColumns.joined(separator: ","))
            Importing the same file again updates rows instead of adding them (customers by customer_number;
            contacts by customer, channel, time and topic).
            """)

    enum Kind: String, ExpressibleByArgument, CaseIterable { case customers, contacts }

    @Argument(help: "customers or contacts") var kind: Kind
    @Argument(help: "The CSV file.") var file: String
    @Option(help: "The system the contacts come from (default: crm).") var source = "crm"
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else { throw CommandError("Cannot read \(file).") }
        guard let text = String(validating: data, as: UTF8.self) else { throw CommandError("\(file) is not UTF-8.") }
        let db = try database.openStore(connections: 2)
        do {
            let result: (inserted: Int, updated: Int)
            let action: AuditEvent.Action
            switch kind {
            case .customers:
                result = try db.importCustomers(try CustomerImport.customers(fromCSV: text))
                action = .customersImported
            case .contacts:
                result = try db.importContacts(try CustomerImport.contacts(fromCSV: text, sourceSystem: source))
                action = .contactsImported
            }
            try db.appendAudit(AuditEvent(at: Date(), action: action, actorID: nil, subject: nil, origin: "cli",
                                          detail: "\(result.inserted) added, \(result.updated) updated"))
            print("\(kind.rawValue): \(result.inserted) added, \(result.updated) updated.")
        } catch let refused as CustomerImport.Refused {
            FileHandle.standardError.write(Data("Nothing imported from \(file):\n\(refused.description)\n".utf8))
            throw ExitCode(1)
        } catch let unknown as AppDatabase.UnknownCustomers {
            throw CommandError("Nothing imported from \(file): \(unknown.description)")
        }
    }
}
