import BalieCore
import GRDB
@testable import BalieStore
import Foundation
import Testing

@Suite struct CustomerStoreTests {
    func makeDatabase() throws -> AppDatabase {
        let database = try AppDatabase(inMemoryNamed: UUID().uuidString)
        _ = try database.importCustomers([
            Customer(number: "100", givenName: "Johanna", familyName: "De Vriës", birthDate: BirthDate(iso: "1948-03-07"), postcode: "3512 AB"),
            Customer(number: "101", givenName: "Jan", familyName: "de Vries", birthDate: BirthDate(iso: "1950-01-01"), postcode: "9711 LM"),
            Customer(number: "102", givenName: "Fatma", familyName: "Yılmaz", birthDate: BirthDate(iso: "1948-03-07"), postcode: "3512 AB"),
        ])
        return database
    }

    @Test func nameSearchIgnoresAccentsAndCase() throws {
        let database = try makeDatabase()
        let found = try database.searchCustomers(.name("de vries"), limit: 10).map(\.number).sorted()
        #expect(found == ["100", "101"])
        #expect(try database.searchCustomers(.name("VRIË"), limit: 10).count == 2)
        #expect(try database.searchCustomers(.name("yilmaz"), limit: 10).map(\.number) == ["102"])
        #expect(try database.searchCustomers(.name("joh vri"), limit: 10).map(\.number) == ["100"])
        #expect(try database.searchCustomers(.name("\" OR 1=1 --"), limit: 10).isEmpty)
    }

    @Test func numberAndPostcodeSearch() throws {
        let database = try makeDatabase()
        #expect(try database.searchCustomers(.number("101"), limit: 10).map(\.givenName) == ["Jan"])
        let byBirth = try database.searchCustomers(.postcodeAndBirthDate("3512 AB", BirthDate(iso: "1948-03-07")!), limit: 10)
        #expect(byBirth.map(\.number).sorted() == ["100", "102"])
    }

    @Test func reimportUpdatesInsteadOfDuplicating() throws {
        let database = try makeDatabase()
        let again = try database.importCustomers([Customer(number: "100", givenName: "Johanna", familyName: "Jansen")])
        #expect(again.inserted == 0 && again.updated == 1)
        #expect(try database.customerCount() == 3)
        #expect(try database.searchCustomers(.name("jansen"), limit: 10).map(\.number) == ["100"])
        #expect(try database.searchCustomers(.name("vriës"), limit: 10).map(\.number) == ["101"])
    }

    @Test func contactImportIsAllOrNothing() throws {
        let database = try makeDatabase()
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        let good = Contact(customerID: 0, channel: .phone, at: at, topic: "Toeslag", summary: "", outcome: "", sourceSystem: "crm")
        #expect(throws: AppDatabase.UnknownCustomers.self) {
            try database.importContacts([("100", good), ("999", good)])
        }
        let record = try #require(try database.customerRecord(number: "100", recentContacts: 10))
        #expect(record.contactCount == 0)
        #expect(try database.importContacts([("100", good)]).inserted == 1)
        #expect(try database.importContacts([("100", good)]) == (0, 1))
        #expect(try database.customerRecord(number: "100", recentContacts: 10)?.contactCount == 1)
    }

    @Test func recordShowsLatestConsentUnreadImportantMessagesAndContactsNewestFirst() throws {
        let database = try makeDatabase()
        let id = try #require(try database.customer(number: "100")?.id)
        let base = Date(timeIntervalSince1970: 1_800_000_000)
        for (offset, channel) in [(0.0, Channel.letter), (3600, .chat), (7200, .phone)] {
            try database.insertContact(Contact(customerID: id, channel: channel, at: base + offset, topic: "T\(Int(offset))",
                                               summary: "", outcome: "", sourceSystem: "crm"))
        }
        try database.insertMessage(Message(customerID: id, title: "Aanslag", sentAt: base, isImportant: true, isRead: false))
        try database.insertMessage(Message(customerID: id, title: "Nieuwsbrief", sentAt: base, isImportant: false, isRead: false))
        try database.insertMessage(Message(customerID: id, title: "Gelezen", sentAt: base, isImportant: true, isRead: true))
        try database.recordConsent(Consent(customerID: id, purpose: .sessionLog, given: true, at: base, recordedBy: nil, method: .inPerson))
        try database.recordConsent(Consent(customerID: id, purpose: .sessionLog, given: false, at: base + 10, recordedBy: nil, method: .paper))
        let record = try #require(try database.customerRecord(number: "100", recentContacts: 2))
        #expect(record.recentContacts.map(\.channel) == [.phone, .chat])
        #expect(record.contactCount == 3)
        #expect(record.unreadImportantMessages.map(\.title) == ["Aanslag"])
        #expect(record.consents[.sessionLog]?.consent.given == false)
    }

    @Test func auditTrailCanOnlyGrow() throws {
        let database = try makeDatabase()
        try database.appendAudit(AuditEvent(at: Date(), action: .customerViewed, actorID: nil, subject: "100", origin: "test"))
        #expect(throws: (any Error).self) { try database.writer.write { try $0.execute(sql: "UPDATE audit_event SET subject = 'x'") } }
        #expect(throws: (any Error).self) { try database.writer.write { try $0.execute(sql: "DELETE FROM audit_event") } }
        #expect(try database.audit(subject: "100").count == 1)
    }
}
