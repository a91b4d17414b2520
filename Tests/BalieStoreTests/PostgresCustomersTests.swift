import BalieCore
import Foundation
import Testing
@testable import BalieStore

/// The PostgreSQL store's customers, contacts, consents, messages and follow-ups behave as the SQLite store's:
/// every test runs the same body against both and compares what they answer.
@Suite struct PostgresCustomersTests {
    typealias Store = CustomerRepository & StaffRepository & AuditRepository
    let start = Date(timeIntervalSince1970: 1_800_000_000.25)
    let hash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"

    /// An empty SQLite store and an empty PostgreSQL store.
    private func stores() throws -> [any Store] {
        [try AppDatabase(inMemoryNamed: UUID().uuidString), try TestPostgres.store(connections: 2)]
    }

    /// One statement without parameters, in either store (columns the protocol's import leaves alone).
    private func raw(_ sql: String, in store: any Store) throws {
        switch store {
        case let sqlite as AppDatabase: try sqlite.writer.write { try $0.execute(sql: sql) }
        case let postgres as PostgresStore: _ = try postgres.write { try $0.execute(sql) }
        default: Issue.record("unknown store \(type(of: store))")
        }
    }

    private let people = [
        Customer(number: "100", givenName: "Johanna", familyName: "De Vriës", birthDate: BirthDate(iso: "1948-03-07"), postcode: "3512 AB"),
        Customer(number: "101", givenName: "Jan", familyName: "de Vriës", birthDate: BirthDate(iso: "1950-01-01"), postcode: "9711 LM"),
        Customer(number: "102", givenName: "Ayşe", familyName: "Yılmaz", birthDate: BirthDate(iso: "1948-03-07"), postcode: "3512 AB"),
        Customer(number: "103", givenName: "Jan-Willem", familyName: "O’Brien", birthDate: BirthDate(iso: "1948-03-07"), postcode: "3512 AB"),
        Customer(number: "104", givenName: "Olena", familyName: "Шевченко"),
        Customer(number: "105", givenName: "Zoë", familyName: "van der Berg", birthDate: BirthDate(iso: "1948-03-07"), postcode: "3512 AB"),
        Customer(number: "106", givenName: "Jan", familyName: "Jansen"),
        Customer(number: "107", givenName: "Łukasz", familyName: "Straße"),
    ]

    private func withPeople() throws -> [any Store] {
        let stores = try stores()
        for store in stores { #expect(try store.importCustomers(people) == (people.count, 0)) }
        return stores
    }

    // MARK: - Search

    @Test func nameSearchFindsTheSameCustomersInBothStores() throws {
        let expected: [(String, [String])] = [
            ("de vries", ["100", "101"]),  // sorted by family name (byte order: "De" before "de"), then given name
            ("vri", ["100", "101"]),
            ("VRIË", ["100", "101"]),
            ("joh vri", ["100"]),
            ("vri joh", ["100"]),
            ("jan de vries", ["101"]),
            ("de de", ["100", "101", "105"]),  // a word of the name may answer more than one word of the query ("der" too)
            ("de der", ["105"]),
            ("yilmaz", ["102"]),
            ("Yılmaz", ["102"]),
            ("ayse", ["102"]),
            ("jan", ["106", "103", "101"]),  // "Jan-Willem" too; by family name in byte order: "Jansen", "O’Brien", "de Vriës"
            ("willem", ["103"]),
            ("o'brien", ["103"]),
            ("brien", ["103"]),
            ("jan-willem o’bri", ["103"]),
            ("шев", ["104"]),
            ("ШЕВЧЕНКО", ["104"]),
            ("zoe van der", ["105"]),
            ("lukasz strasse", ["107"]),
            ("straß", ["107"]),
            ("x", []),
            ("vries x", []),
            ("ries", []),  // prefixes only
            ("", []),
            ("  -- ", []),
            ("\" OR 1=1 --", []),
            ("%", []),
            ("j%", ["100", "106", "103", "101"]),  // no wildcards: "j"
            ("_an", []),
        ]
        var outcomes: [[[String]]] = []
        for store in try withPeople() {
            var found: [[String]] = []
            for (query, numbers) in expected {
                let result = try store.searchCustomers(.name(query), limit: 10).map(\.number)
                #expect(result == numbers, "\(type(of: store)): \(query)")
                found.append(result)
            }
            outcomes.append(found)
        }
        #expect(outcomes[0] == outcomes[1])
    }

    @Test func nameSearchReturnsTheFirstMatchesUpToTheLimitAndUsesEightWords() throws {
        var outcomes: [[[CustomerSummary]]] = []
        for store in try withPeople() {
            var found: [[CustomerSummary]] = []
            // The first matches (in the order stored), then by name.
            found.append(try store.searchCustomers(.name("jan"), limit: 2))
            #expect(found.last?.map(\.number) == ["103", "101"])
            found.append(try store.searchCustomers(.name("jan"), limit: 0))
            #expect(found.last?.isEmpty == true)
            found.append(try store.searchCustomers(.name("jan"), limit: -1))
            #expect(found.last?.map(\.number) == ["106", "103", "101"], "a negative limit is none")
            // Words after the eighth are not looked for.
            found.append(try store.searchCustomers(.name("jan de vries jan de vries jan de nobody"), limit: 10))
            #expect(found.last?.map(\.number) == ["101"])
            found.append(try store.searchCustomers(.name("jan de vries jan de vries jan nobody"), limit: 10))
            #expect(found.last?.isEmpty == true)
            #expect(try store.searchCustomers(.name("vri"), limit: 10).first ==
                    CustomerSummary(number: "100", givenName: "Johanna", familyName: "De Vriës", birthDate: BirthDate(iso: "1948-03-07"),
                                    postcode: "3512 AB"))
            outcomes.append(found)
        }
        #expect(outcomes[0] == outcomes[1])
    }

    @Test func aNewNameReplacesTheOldOneInSearch() throws {
        var outcomes: [[[String]]] = []
        for store in try withPeople() {
            #expect(try store.importCustomers([Customer(number: "101", givenName: "Jan", familyName: "Bakker")]) == (0, 1))
            let found = [try store.searchCustomers(.name("vries"), limit: 10).map(\.number),
                         try store.searchCustomers(.name("bakk"), limit: 10).map(\.number),
                         try store.searchCustomers(.name("jan"), limit: 10).map(\.number)]
            #expect(found == [["100"], ["101"], ["101", "106", "103"]])
            outcomes.append(found)
        }
        #expect(outcomes[0] == outcomes[1])
    }

    @Test func numberAndPostcodeSearch() throws {
        var outcomes: [[[CustomerSummary]]] = []
        for store in try withPeople() {
            let birth = BirthDate(iso: "1948-03-07")!
            var found: [[CustomerSummary]] = []
            found.append(try store.searchCustomers(.number("102"), limit: 10))
            #expect(found.last == [CustomerSummary(number: "102", givenName: "Ayşe", familyName: "Yılmaz", birthDate: birth, postcode: "3512 AB")])
            found.append(try store.searchCustomers(.number("999"), limit: 10))
            #expect(found.last?.isEmpty == true)
            // By family name then given name, in byte order: "De Vriës", "O’Brien", "Yılmaz", "van der Berg".
            found.append(try store.searchCustomers(.postcodeAndBirthDate("3512 AB", birth), limit: 10))
            #expect(found.last?.map(\.number) == ["100", "103", "102", "105"])
            found.append(try store.searchCustomers(.postcodeAndBirthDate("3512 AB", birth), limit: 2))
            #expect(found.last?.map(\.number) == ["100", "103"])
            found.append(try store.searchCustomers(.postcodeAndBirthDate("3512 AB", BirthDate(iso: "1950-01-01")!), limit: 10))
            #expect(found.last?.isEmpty == true)
            found.append(try store.searchCustomers(.postcodeAndBirthDate("9711 LM", BirthDate(iso: "1950-01-01")!), limit: -1))
            #expect(found.last?.map(\.number) == ["101"])
            outcomes.append(found)
        }
        #expect(outcomes[0] == outcomes[1])
    }

    // MARK: - Customers

    @Test func customersRoundTripAndReimportLeavesNeedsAndNoteAlone() throws {
        var outcomes: [[Customer?]] = []
        for store in try stores() {
            let full = Customer(number: "200", givenName: "Fatma", familyName: "Yılmaz", birthDate: BirthDate(iso: "1948-03-07"),
                                postcode: "3512 AB", phone: "0612345678", email: "f@example.org", preferredChannel: .inPerson, language: "tr")
            #expect(try store.importCustomers([full, Customer(number: "201", givenName: "Piet", familyName: "Jansen")]) == (2, 0))
            #expect(try store.customerCount() == 2)
            let stored = try #require(try store.customer(number: "200"))
            var expected = full
            expected.id = 1
            #expect(stored == expected)
            #expect(try store.customer(number: "201")?.id == 2)
            #expect(try store.customer(number: "999") == nil)
            #expect(try store.customerNumber(id: 2) == "201")
            #expect(try store.customerNumber(id: 99) == nil)

            // The import sets neither needs, form of address nor note; what another way set stays.
            try raw("UPDATE customer SET accessibility_needs = 'large-text,hearing,unknown', form_of_address = 'female', note = 'Komt met dochter' WHERE number = '200'",
                    in: store)
            let changed = Customer(number: "200", givenName: "Fatma", familyName: "Yılmaz-Öz", postcode: "1011 AA", preferredChannel: .letter)
            // The same number twice in one import: inserted once, then updated.
            #expect(try store.importCustomers([Customer(number: "202", givenName: "Anna", familyName: "Bos"), changed,
                                               Customer(number: "202", givenName: "Anna", familyName: "Bos-Kok")]) == (1, 2))
            let again = try #require(try store.customer(number: "200"))
            #expect(again == Customer(id: 1, number: "200", givenName: "Fatma", familyName: "Yılmaz-Öz", postcode: "1011 AA",
                                      preferredChannel: .letter, accessibilityNeeds: [.largeText, .hearing], formOfAddress: .female,
                                      note: "Komt met dochter"))
            #expect(try store.customer(number: "202")?.familyName == "Bos-Kok")
            #expect(try store.customerCount() == 3)
            #expect(try store.searchCustomers(.name("oz"), limit: 10).map(\.number) == ["200"])
            outcomes.append([stored, again, try store.customer(number: "202")])
        }
        #expect(outcomes[0] == outcomes[1])
    }

    @Test func aCustomerImportIsAllOrNothing() throws {
        for store in try stores() {
            #expect(try store.importCustomers([Customer(number: "300", givenName: "Kees", familyName: "Smit")]) == (1, 0))
            #expect(throws: (any Error).self) {
                try store.importCustomers([Customer(number: "301", givenName: "Els", familyName: "Berg"),
                                           Customer(number: "300", givenName: "Kees", familyName: "Smid"),
                                           Customer(number: "302", givenName: "Leeg", familyName: "")])  // refused by CHECK
            }
            #expect(try store.customerCount() == 1)
            #expect(try store.customer(number: "300")?.familyName == "Smit")
            #expect(try store.searchCustomers(.name("berg"), limit: 10).isEmpty && store.searchCustomers(.name("smid"), limit: 10).isEmpty)
            #expect(try store.importCustomers([]) == (0, 0))
        }
    }

    /// Two instances importing the same file at once (PostgreSQL only: SQLite has one writer): neither fails, each
    /// customer is inserted once, and the other instance counts it as updated.
    @Test func instancesImportingTheSameCustomersAtOnceInsertEachOnce() throws {
        let address = try TestPostgres.server().newDatabase()
        let instances = [try PostgresStore(address: address, connections: 1), try PostgresStore(address: address, connections: 1)]
        let batch = (0..<60).map { Customer(number: "\(500 + $0)", givenName: "Naam\($0)", familyName: "Achternaam") }
        let results = LockedBox<[Result<(inserted: Int, updated: Int), Error>]>([])
        let contactResults = LockedBox<[Result<(inserted: Int, updated: Int), Error>]>([])
        for instance in instances {
            Thread {
                let outcome = Result { try instance.importCustomers(batch) }
                results.update { $0.append(outcome) }
                let contacts = batch.map { (customerNumber: $0.number, contact: contact(0, .phone, 0, "Import")) }
                let contactOutcome = Result { try instance.importContacts(contacts) }
                contactResults.update { $0.append(contactOutcome) }
            }.start()
        }
        let deadline = Date().addingTimeInterval(60)
        while contactResults.value.count < 2 && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        let counts = try results.value.map { try $0.get() }
        #expect(counts.count == 2 && counts.map(\.inserted).reduce(0, +) == 60 && counts.map(\.updated).reduce(0, +) == 60)
        let contactCounts = try contactResults.value.map { try $0.get() }
        #expect(contactCounts.count == 2 && contactCounts.map(\.inserted).reduce(0, +) == 60 && contactCounts.map(\.updated).reduce(0, +) == 60)
        #expect(try instances[0].customerCount() == 60)
        #expect(try instances[1].searchCustomers(.name("naam5"), limit: -1).map(\.number) == ["505", "550", "551", "552", "553", "554", "555", "556", "557", "558", "559"])
        #expect(try instances[0].customerRecord(number: "559", recentContacts: 5)?.contactCount == 1)
    }

    // MARK: - Contacts

    private func contact(_ customerID: Int64, _ channel: Channel, _ offset: TimeInterval, _ topic: String, summary: String = "") -> Contact {
        Contact(customerID: customerID, channel: channel, at: start + offset, topic: topic, summary: summary, outcome: "opgelost", sourceSystem: "crm")
    }

    @Test func contactImportIsAllOrNothingAndUpdatesTheSameEntry() throws {
        var outcomes: [[Contact]] = []
        for store in try withPeople() {
            let good = contact(0, .phone, 0, "Toeslag")
            let error = #expect(throws: AppDatabase.UnknownCustomers.self) {
                try store.importContacts([("100", good), ("999", good), ("998", good), ("999", good)])
            }
            #expect(error?.numbers == ["998", "999"])
            #expect(try store.customerRecord(number: "100", recentContacts: 10)?.contactCount == 0)

            #expect(try store.importContacts([("100", good), ("101", good), ("100", contact(0, .letter, 0, "Toeslag")),
                                              ("100", contact(0, .phone, 0.5, "Toeslag"))]) == (4, 0))
            // The same customer, channel, time and topic: updated (twice in one import too), not added.
            #expect(try store.importContacts([("100", contact(0, .phone, 0, "Toeslag", summary: "Eerst")),
                                              ("100", contact(0, .phone, 0, "Toeslag", summary: "Daarna")),
                                              ("101", contact(0, .phone, 0, "Huur"))]) == (1, 2))
            #expect(try store.importContacts([]) == (0, 0))
            let contacts = try store.contacts(customerID: 1, offset: 0, limit: 10)
            #expect(contacts.map(\.id) == [4, 3, 1], "newest first, then the later id")
            #expect(contacts.last?.summary == "Daarna" && contacts.last?.at == start && contacts.last?.customerID == 1)
            #expect(try store.customerRecord(number: "101", recentContacts: 10)?.contactCount == 2)
            outcomes.append(contacts + (try store.contacts(customerID: 2, offset: 0, limit: 10)))
        }
        #expect(outcomes[0] == outcomes[1])
    }

    @Test func contactsPageByOffsetAndByCursorNewestFirst() throws {
        var outcomes: [[[Contact]]] = []
        for store in try withPeople() {
            // Two at the same time: the later id first.
            _ = try store.importContacts([("100", contact(0, .letter, 0, "A")), ("100", contact(0, .chat, 3600.125, "B")),
                                          ("100", contact(0, .phone, 3600.125, "C")), ("100", contact(0, .web, 7200, "D")),
                                          ("101", contact(0, .web, 9000, "E"))])
            var pages: [[Contact]] = []
            pages.append(try store.contacts(customerID: 1, offset: 0, limit: 2))
            #expect(pages.last?.map(\.topic) == ["D", "C"])
            pages.append(try store.contacts(customerID: 1, offset: 2, limit: 2))
            #expect(pages.last?.map(\.topic) == ["B", "A"])
            pages.append(try store.contacts(customerID: 1, offset: 4, limit: 2))
            #expect(pages.last?.isEmpty == true)
            pages.append(try store.contacts(customerID: 1, offset: -3, limit: -1))
            #expect(pages.last?.map(\.topic) == ["D", "C", "B", "A"], "negative offset is 0, negative limit none")
            pages.append(try store.contacts(customerID: 99, offset: 0, limit: 10))
            #expect(pages.last?.isEmpty == true)

            pages.append(try store.contacts(customerID: 1, before: nil, limit: 2))
            #expect(pages.last?.map(\.topic) == ["D", "C"])
            let last = try #require(pages.last?.last)
            pages.append(try store.contacts(customerID: 1, before: (last.at, last.id!), limit: 2))
            #expect(pages.last?.map(\.topic) == ["B", "A"], "the one at the same time with a lower id comes next")
            pages.append(try store.contacts(customerID: 1, before: (start, 1), limit: 2))
            #expect(pages.last?.isEmpty == true)
            pages.append(try store.contacts(customerID: 1, before: (start + 3600.125, 99), limit: -1))
            #expect(pages.last?.map(\.topic) == ["C", "B", "A"])
            pages.append(try store.contacts(customerID: 1, before: nil, limit: 0))
            #expect(pages.last?.isEmpty == true)
            outcomes.append(pages)
        }
        #expect(outcomes[0] == outcomes[1])
    }

    // MARK: - The record, consents, messages, follow-ups

    @Test func theRecordShowsLatestConsentsOpenFollowUpsUnreadImportantMessagesAndRecentContacts() throws {
        struct Outcome: Equatable {
            let customer: Customer, consents: [String], followUps: [FollowUp], messages: [Message], contacts: [Contact], count: Int
        }
        var outcomes: [Outcome] = []
        for store in try withPeople() {
            let anna = try store.insertStaff(Staff(username: "anna", fullName: "Anna de Boer", role: .staff, branches: [], passwordHash: hash))
            _ = try store.importContacts([("100", contact(0, .letter, 0, "A")), ("100", contact(0, .chat, 3600, "B")),
                                          ("100", contact(0, .phone, 7200, "C")), ("101", contact(0, .web, 9000, "E"))])
            try store.insertMessage(Message(customerID: 1, title: "Aanslag", sentAt: start, isImportant: true, isRead: false))
            try store.insertMessage(Message(customerID: 1, title: "Nieuwsbrief", sentAt: start, isImportant: false, isRead: false))
            try store.insertMessage(Message(customerID: 1, title: "Gelezen", sentAt: start, isImportant: true, isRead: true))
            try store.insertMessage(Message(customerID: 1, title: "Herinnering", sentAt: start + 60, isImportant: true, isRead: false))
            try store.insertMessage(Message(customerID: 2, title: "Ander", sentAt: start, isImportant: true, isRead: false))
            try store.insertFollowUp(FollowUp(customerID: 1, description: "Later bellen", due: start + 86400, channel: .phone))
            try store.insertFollowUp(FollowUp(customerID: 1, description: "Brief sturen", due: start + 3600, channel: .letter))
            try store.insertFollowUp(FollowUp(customerID: 1, description: "Gedaan", due: start, channel: .email, isDone: true))
            try store.insertFollowUp(FollowUp(customerID: 2, description: "Ander", due: start, channel: .app))
            // The latest per purpose counts, by time (then id), whatever the order recorded.
            try store.recordConsent(Consent(customerID: 1, purpose: .sessionLog, given: false, at: start + 10, recordedBy: anna.id, method: .paper))
            try store.recordConsent(Consent(customerID: 1, purpose: .sessionLog, given: true, at: start, recordedBy: nil, method: .inPerson))
            try store.recordConsent(Consent(customerID: 1, purpose: .followUp, given: true, at: start, recordedBy: nil, method: .phone))
            try store.recordConsent(Consent(customerID: 1, purpose: .followUp, given: false, at: start, recordedBy: anna.id, method: .onScreen))
            try store.recordConsent(Consent(customerID: 2, purpose: .remoteViewing, given: true, at: start, recordedBy: nil, method: .onScreen))

            let record = try #require(try store.customerRecord(number: "100", recentContacts: 2))
            #expect(record.customer == (try store.customer(number: "100")))
            #expect(record.recentContacts.map(\.topic) == ["C", "B"])
            #expect(record.contactCount == 3)
            #expect(record.unreadImportantMessages == [
                Message(id: 4, customerID: 1, title: "Herinnering", sentAt: start + 60, isImportant: true, isRead: false),
                Message(id: 1, customerID: 1, title: "Aanslag", sentAt: start, isImportant: true, isRead: false),
            ])
            #expect(record.openFollowUps == [
                FollowUp(id: 2, customerID: 1, description: "Brief sturen", due: start + 3600, channel: .letter),
                FollowUp(id: 1, customerID: 1, description: "Later bellen", due: start + 86400, channel: .phone),
            ])
            #expect(record.consents.count == 2)
            #expect(record.consents[.sessionLog]?.consent == Consent(id: 1, customerID: 1, purpose: .sessionLog, given: false, at: start + 10,
                                                                     recordedBy: anna.id, method: .paper))
            #expect(record.consents[.sessionLog]?.recordedByName == "Anna de Boer")
            #expect(record.consents[.followUp]?.consent.id == 4 && record.consents[.followUp]?.consent.given == false)
            #expect(record.consents[.remoteViewing] == nil)
            #expect(try store.customerRecord(number: "100", recentContacts: -1)?.recentContacts.count == 3)
            #expect(try store.customerRecord(number: "100", recentContacts: 0)?.recentContacts.isEmpty == true)
            #expect(try store.customerRecord(number: "999", recentContacts: 10) == nil)

            let empty = try #require(try store.customerRecord(number: "106", recentContacts: 10))
            #expect(empty.consents.isEmpty && empty.openFollowUps.isEmpty && empty.unreadImportantMessages.isEmpty)
            #expect(empty.recentContacts.isEmpty && empty.contactCount == 0)

            outcomes.append(Outcome(customer: record.customer,
                                    consents: record.consents.map { "\($0.key.rawValue) \($0.value.consent.id!) \($0.value.recordedByName ?? "-")" }.sorted(),
                                    followUps: record.openFollowUps, messages: record.unreadImportantMessages,
                                    contacts: record.recentContacts, count: record.contactCount))
        }
        #expect(outcomes[0] == outcomes[1])
    }

    @Test func hasConsentAnswersTheLatestEntry() throws {
        var outcomes: [[Bool]] = []
        for store in try withPeople() {
            var answers: [Bool] = []
            answers.append(try store.hasConsent(customerID: 1, purpose: .sessionLog))
            try store.recordConsent(Consent(customerID: 1, purpose: .sessionLog, given: true, at: start, recordedBy: nil, method: .inPerson))
            answers.append(try store.hasConsent(customerID: 1, purpose: .sessionLog))
            answers.append(try store.hasConsent(customerID: 1, purpose: .remoteViewing))
            answers.append(try store.hasConsent(customerID: 2, purpose: .sessionLog))
            // Withdrawn later.
            try store.recordConsent(Consent(customerID: 1, purpose: .sessionLog, given: false, at: start + 1, recordedBy: nil, method: .paper))
            answers.append(try store.hasConsent(customerID: 1, purpose: .sessionLog))
            // At the same time: the later entry counts.
            try store.recordConsent(Consent(customerID: 1, purpose: .sessionLog, given: true, at: start + 1, recordedBy: nil, method: .paper))
            answers.append(try store.hasConsent(customerID: 1, purpose: .sessionLog))
            // An entry dated earlier changes nothing.
            try store.recordConsent(Consent(customerID: 1, purpose: .sessionLog, given: false, at: start - 100, recordedBy: nil, method: .paper))
            answers.append(try store.hasConsent(customerID: 1, purpose: .sessionLog))
            #expect(answers == [false, true, false, false, false, true, true])
            outcomes.append(answers)
        }
        #expect(outcomes[0] == outcomes[1])
    }

    @Test func aConsentWithItsAuditRowIsOneTransaction() throws {
        var outcomes: [[AuditEvent]] = []
        for store in try withPeople() {
            let audit = AuditEvent(at: start, action: .consentRecorded, actorID: nil, actorRole: .staff, subject: "100", origin: "10.0.0.1",
                                   detail: "session-log: yes", reason: "aan de balie", branch: "centrum")
            try store.recordConsent(Consent(customerID: 1, purpose: .sessionLog, given: true, at: start, recordedBy: nil, method: .onScreen),
                                    audit: audit)
            #expect(try store.hasConsent(customerID: 1, purpose: .sessionLog))
            let rows = try store.audit(subject: "100")
            var expected = audit
            expected.id = 1
            #expect(rows == [expected])
            // A consent the database refuses (no such customer) leaves no audit row either.
            #expect(throws: (any Error).self) {
                try store.recordConsent(Consent(customerID: 99, purpose: .sessionLog, given: true, at: start, recordedBy: nil, method: .onScreen),
                                        audit: AuditEvent(at: start, action: .consentRecorded, actorID: nil, subject: "999", origin: "x"))
            }
            #expect(try store.audit(subject: "999").isEmpty)
            #expect(throws: (any Error).self) {
                try store.recordConsent(Consent(customerID: 99, purpose: .sessionLog, given: true, at: start, recordedBy: nil, method: .onScreen))
            }
            #expect(try store.hasConsent(customerID: 99, purpose: .sessionLog) == false)
            outcomes.append(rows)
        }
        #expect(outcomes[0] == outcomes[1])
    }

    @Test func messagesAndFollowUpCounts() throws {
        var outcomes: [[Message?]] = []
        for store in try withPeople() {
            #expect(try store.followUpCounts() == (0, 0))
            try store.insertMessage(Message(customerID: 2, title: "Aanslag 2026", sentAt: start, isImportant: true, isRead: false))
            try store.insertMessage(Message(customerID: 1, title: "Nieuwsbrief", sentAt: start + 0.5, isImportant: false, isRead: true))
            #expect(throws: (any Error).self) {
                try store.insertMessage(Message(customerID: 99, title: "Niemand", sentAt: start, isImportant: false, isRead: false))
            }
            let messages = [try store.message(id: 1), try store.message(id: 2), try store.message(id: 3)]
            #expect(messages == [Message(id: 1, customerID: 2, title: "Aanslag 2026", sentAt: start, isImportant: true, isRead: false),
                                 Message(id: 2, customerID: 1, title: "Nieuwsbrief", sentAt: start + 0.5, isImportant: false, isRead: true),
                                 nil])
            for (index, done) in [false, true, false, true, true].enumerated() {
                try store.insertFollowUp(FollowUp(customerID: Int64(index % 2 + 1), description: "Taak \(index)", due: start, channel: .email,
                                                  isDone: done))
            }
            #expect(throws: (any Error).self) {
                try store.insertFollowUp(FollowUp(customerID: 99, description: "Niemand", due: start, channel: .email))
            }
            #expect(try store.followUpCounts() == (2, 3))
            outcomes.append(messages)
        }
        #expect(outcomes[0] == outcomes[1])
    }
}
