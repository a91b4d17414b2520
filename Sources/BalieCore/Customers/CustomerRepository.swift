import Foundation

/// Everything the 360° page shows about one customer.
public struct CustomerRecord: Sendable {
    public var customer: Customer
    public var consents: [Consent.Purpose: (consent: Consent, recordedByName: String?)]
    public var openFollowUps: [FollowUp]
    public var unreadImportantMessages: [Message]
    public var recentContacts: [Contact]
    public var contactCount: Int

    public init(customer: Customer, consents: [Consent.Purpose: (consent: Consent, recordedByName: String?)],
                openFollowUps: [FollowUp], unreadImportantMessages: [Message], recentContacts: [Contact], contactCount: Int) {
        self.customer = customer
        self.consents = consents
        self.openFollowUps = openFollowUps
        self.unreadImportantMessages = unreadImportantMessages
        self.recentContacts = recentContacts
        self.contactCount = contactCount
    }
}

/// How staff look a customer up.
public enum CustomerQuery: Sendable, Equatable {
    case number(String)
    /// Prefixes of words of the name, accents and case ignored.
    case name(String)
    case postcodeAndBirthDate(String, BirthDate)

    /// The shape of the query, for the audit trail (never its values).
    public var shape: String {
        switch self {
        case .number: "number"
        case .name: "name"
        case .postcodeAndBirthDate: "postcode+birth-date"
        }
    }
}

public protocol CustomerRepository: Sendable {
    /// At most `limit` matches, in name order.
    func searchCustomers(_ query: CustomerQuery, limit: Int) throws -> [CustomerSummary]
    func customer(number: String) throws -> Customer?
    func customerRecord(number: String, recentContacts: Int) throws -> CustomerRecord?
    func contacts(customerID: Int64, offset: Int, limit: Int) throws -> [Contact]
    func recordConsent(_ consent: Consent) throws

    /// Inserts or updates (by customer number) all, or none when one fails.
    func importCustomers(_ customers: [Customer]) throws -> (inserted: Int, updated: Int)
    /// Inserts contacts (by customer number) or updates the same entry (customer, channel, time, topic): all or none.
    func importContacts(_ contacts: [(customerNumber: String, contact: Contact)]) throws -> (inserted: Int, updated: Int)

    func insertMessage(_ message: Message) throws
    func insertFollowUp(_ followUp: FollowUp) throws
    func customerCount() throws -> Int
    func hasConsent(customerID: Int64, purpose: Consent.Purpose) throws -> Bool
    /// Follow-ups of every customer: still to do, and done.
    func followUpCounts() throws -> (open: Int, done: Int)
    /// Contacts newest first, after a cursor (the API's pages).
    func contacts(customerID: Int64, before cursor: (at: Date, id: Int64)?, limit: Int) throws -> [Contact]
    /// A consent with its audit row, in one transaction.
    func recordConsent(_ consent: Consent, audit: AuditEvent) throws
    func customerNumber(id: Int64) throws -> String?
    func message(id: Int64) throws -> Message?
}
