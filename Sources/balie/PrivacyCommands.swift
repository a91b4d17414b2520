import ArgumentParser
import BalieCore
import BalieStore
import Foundation

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print everything held about one customer as JSON (the right of access). Audited.")

    enum Kind: String, ExpressibleByArgument { case customer }

    @Argument(help: "customer") var kind: Kind
    @Argument(help: "The customer number.") var number: String
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let db = try database.openStore(connections: 2)
        guard let data = try db.exportCustomerJSON(number: number) else { throw CommandError("No customer \(number).") }
        try db.appendAudit(AuditEvent(at: Date(), action: .customerExported, actorID: nil, subject: number, origin: "cli"))
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}

struct Erase: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Erase one customer's personal data (the right to erasure); sessions stay as anonymous statistics.")

    enum Kind: String, ExpressibleByArgument { case customer }

    @Argument(help: "customer") var kind: Kind
    @Argument(help: "The customer number.") var number: String
    @Option(help: "Why (kept in the audit trail; do not put personal data in it).") var reason: String
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let db = try database.openStore(connections: 2)
        guard let customer = try db.customer(number: number) else { throw CommandError("No customer \(number).") }
        let why: String
        do {
            why = try ErasureRules.reason(reason, customerValues: [customer.number, customer.givenName, customer.familyName])
        } catch .reasonNamesCustomer {
            throw CommandError("The --reason must not name the customer: it stays in the audit trail.")
        } catch {
            throw CommandError("Give a --reason of 3 to 500 characters.")
        }
        let event = AuditEvent(at: Date(), action: .customerErased, actorID: nil, subject: nil, origin: "cli", reason: why)
        guard let erased = try db.eraseCustomer(number: number, audit: event) else { throw CommandError("No customer \(number).") }
        print("Erased: \(erased.contacts) contacts, \(erased.sessionsAnonymised) sessions kept anonymously, \(erased.auditRowsPseudonymised) audit rows no longer name the customer.")
    }
}
