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
        let db = try database.open()
        guard let export = try db.exportCustomer(number: number) else { throw CommandError("No customer \(number).") }
        try db.appendAudit(AuditEvent(at: Date(), action: .customerExported, actorID: nil, subject: number, origin: "cli"))
        let data = try JSONSerialization.data(withJSONObject: export, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
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
        let why = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (3...500).contains(why.count) else { throw CommandError("Give a --reason of 3 to 500 characters.") }
        let db = try database.open()
        let event = AuditEvent(at: Date(), action: .customerErased, actorID: nil, subject: nil, origin: "cli", reason: why)
        guard let erased = try db.eraseCustomer(number: number, audit: event) else { throw CommandError("No customer \(number).") }
        print("Erased: \(erased.contacts) contacts, \(erased.sessionsAnonymised) sessions kept anonymously, \(erased.auditRowsPseudonymised) audit rows no longer name the customer.")
    }
}
