import BalieCore
import Foundation
import GRDB

extension AppDatabase: CustomerRepository {
    private static let customerColumns = """
        id, number, given_name, family_name, birth_date, postcode, phone, email, preferred_channel, language,
        accessibility_needs, form_of_address, note
        """

    private static func customer(_ row: Row) -> Customer {
        Customer(
            id: row["id"], number: row["number"], givenName: row["given_name"], familyName: row["family_name"],
            birthDate: (row["birth_date"] as String?).flatMap { BirthDate(iso: $0) }, postcode: row["postcode"],
            phone: row["phone"], email: row["email"],
            preferredChannel: (row["preferred_channel"] as String?).flatMap(PreferredChannel.init), language: row["language"],
            accessibilityNeeds: (row["accessibility_needs"] as String).split(separator: ",").compactMap { AccessibilityNeed(rawValue: String($0)) },
            formOfAddress: FormOfAddress(rawValue: row["form_of_address"]) ?? .fullName, note: row["note"])
    }

    private static func summary(_ row: Row) -> CustomerSummary {
        CustomerSummary(number: row["number"], givenName: row["given_name"], familyName: row["family_name"],
                        birthDate: (row["birth_date"] as String?).flatMap { BirthDate(iso: $0) }, postcode: row["postcode"])
    }

    /// The columns `contact(_:)` reads, in its order.
    private static let contactColumns = "id, customer_id, channel, at, topic, summary, outcome, source_system"

    /// A contact row of `contactColumns`, read by position: the 360° page reads two hundred of them per view, and a
    /// look-up by name folds the name's case on every read.
    private static func contact(_ row: Row) -> Contact {
        Contact(id: row[0], customerID: row[1], channel: Channel(rawValue: row[2]) ?? .web,
                at: Date(timeIntervalSince1970: row[3]), topic: row[4], summary: row[5], outcome: row[6], sourceSystem: row[7])
    }

    /// Contacts of a statement over `contactColumns`, decoded while stepping through it (no copy of each row).
    private static func contacts(_ statement: Statement, arguments: StatementArguments) throws -> [Contact] {
        let cursor = try Row.fetchCursor(statement, arguments: arguments)
        var contacts: [Contact] = []
        while let row = try cursor.next() { contacts.append(contact(row)) }
        return contacts
    }

    /// An FTS5 query that asks for every word of `text` as a prefix: "de vri" → `"de"* "vri"*`.
    /// Only letters and digits reach it, so no FTS syntax can be injected.
    static func namePrefixQuery(_ text: String) -> String? {
        let words = SearchText.fold(text).split { !$0.isLetter && !$0.isNumber }.prefix(8)
        guard !words.isEmpty else { return nil }
        return words.map { "\"\($0)\"*" }.joined(separator: " ")
    }

    public func searchCustomers(_ query: CustomerQuery, limit: Int) throws -> [CustomerSummary] {
        let columns = "c.number, c.given_name, c.family_name, c.birth_date, c.postcode"
        return try writer.read { db in
            switch query {
            case .number(let number):
                return try Row.fetchAll(db, sql: "SELECT \(columns) FROM customer c WHERE c.number = ?", arguments: [number]).map(Self.summary)
            case .name(let text):
                guard let match = Self.namePrefixQuery(text) else { return [] }
                // No ORDER BY rank: ranking scores every match (tens of thousands for a common prefix on a
                // million customers) before the limit. The page shows up to `limit - 1` and asks to type
                // more beyond that, so the first matches found, sorted by name, are what it needs.
                let rows = try Row.fetchAll(db, sql: """
                    SELECT \(columns) FROM customer c WHERE c.id IN (SELECT rowid FROM customer_name WHERE customer_name MATCH ? LIMIT ?)
                    """, arguments: [match, limit])
                return rows.map(Self.summary).sorted { ($0.familyName, $0.givenName, $0.number) < ($1.familyName, $1.givenName, $1.number) }
            case .postcodeAndBirthDate(let postcode, let birthDate):
                return try Row.fetchAll(db, sql: """
                    SELECT \(columns) FROM customer c WHERE c.postcode = ? AND c.birth_date = ?
                    ORDER BY c.family_name, c.given_name LIMIT ?
                    """, arguments: [postcode, birthDate.iso, limit]).map(Self.summary)
            }
        }
    }

    public func customer(number: String) throws -> Customer? {
        try writer.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.customerColumns) FROM customer WHERE number = ?", arguments: [number]).map(Self.customer)
        }
    }

    public func customerRecord(number: String, recentContacts: Int) throws -> CustomerRecord? {
        try writer.read { db in
            guard let customer = try Row.fetchOne(db.cachedStatement(sql: "SELECT \(Self.customerColumns) FROM customer WHERE number = ?"),
                                                  arguments: [number]).map(Self.customer), let id = customer.id
            else { return nil }
            var consents: [Consent.Purpose: (consent: Consent, recordedByName: String?)] = [:]
            // The latest entry per purpose counts.
            for row in try Row.fetchAll(db.cachedStatement(sql: """
                SELECT k.id, k.purpose, k.given, k.at, k.recorded_by, k.method, s.full_name FROM consent k
                LEFT JOIN staff s ON s.id = k.recorded_by
                WHERE k.customer_id = ? ORDER BY k.at, k.id
                """), arguments: [id]) {
                guard let purpose = Consent.Purpose(rawValue: row["purpose"]), let method = Consent.Method(rawValue: row["method"]) else { continue }
                consents[purpose] = (Consent(id: row["id"], customerID: id, purpose: purpose, given: row["given"],
                                             at: Date(timeIntervalSince1970: row["at"]), recordedBy: row["recorded_by"], method: method),
                                     row["full_name"])
            }
            let followUps = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT id, description, due, channel FROM follow_up WHERE customer_id = ? AND done = 0 ORDER BY due
                """), arguments: [id]).map { row in
                FollowUp(id: row["id"], customerID: id, description: row["description"], due: Date(timeIntervalSince1970: row["due"]),
                         channel: PreferredChannel(rawValue: row["channel"]) ?? .letter)
            }
            let messages = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT id, title, sent_at FROM message WHERE customer_id = ? AND read = 0 AND important = 1 ORDER BY sent_at DESC
                """), arguments: [id]).map { row in
                Message(id: row["id"], customerID: id, title: row["title"], sentAt: Date(timeIntervalSince1970: row["sent_at"]),
                        isImportant: true, isRead: false)
            }
            let contacts = try Self.contacts(db.cachedStatement(sql: """
                SELECT \(Self.contactColumns) FROM contact WHERE customer_id = ? ORDER BY at DESC, id DESC LIMIT ?
                """), arguments: [id, recentContacts])
            let count = try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM contact WHERE customer_id = ?"), arguments: [id]) ?? 0
            return CustomerRecord(customer: customer, consents: consents, openFollowUps: followUps,
                                  unreadImportantMessages: messages, recentContacts: contacts, contactCount: count)
        }
    }

    public func contacts(customerID: Int64, offset: Int, limit: Int) throws -> [Contact] {
        try writer.read { db in
            try Self.contacts(db.cachedStatement(sql: """
                SELECT \(Self.contactColumns) FROM contact WHERE customer_id = ? ORDER BY at DESC, id DESC LIMIT ? OFFSET ?
                """), arguments: [customerID, limit, offset])
        }
    }

    /// Contacts older than the cursor (time, id), newest first.
    public func contacts(customerID: Int64, before cursor: (at: Date, id: Int64)?, limit: Int) throws -> [Contact] {
        try writer.read { db in
            if let cursor {
                return try Self.contacts(db.cachedStatement(sql: """
                    SELECT \(Self.contactColumns) FROM contact
                    WHERE customer_id = ? AND (at < ? OR (at = ? AND id < ?)) ORDER BY at DESC, id DESC LIMIT ?
                    """), arguments: [customerID, cursor.at.timeIntervalSince1970, cursor.at.timeIntervalSince1970, cursor.id, limit])
            }
            return try Self.contacts(db.cachedStatement(sql: """
                SELECT \(Self.contactColumns) FROM contact WHERE customer_id = ? ORDER BY at DESC, id DESC LIMIT ?
                """), arguments: [customerID, limit])
        }
    }

    public func recordConsent(_ consent: Consent) throws {
        try writer.write { db in
            try db.execute(sql: """
                INSERT INTO consent(customer_id, purpose, given, at, recorded_by, method) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [consent.customerID, consent.purpose.rawValue, consent.given, consent.at.timeIntervalSince1970,
                                 consent.recordedBy, consent.method.rawValue])
        }
    }

    /// Records a consent and its audit row in one transaction.
    public func recordConsent(_ consent: Consent, audit: AuditEvent) throws {
        try writer.write { db in
            try db.execute(sql: """
                INSERT INTO consent(customer_id, purpose, given, at, recorded_by, method) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [consent.customerID, consent.purpose.rawValue, consent.given, consent.at.timeIntervalSince1970,
                                 consent.recordedBy, consent.method.rawValue])
            try Self.appendAudit(audit, in: db)
        }
    }

    public func importCustomers(_ customers: [Customer]) throws -> (inserted: Int, updated: Int) {
        try writer.write { db in
            var inserted = 0, updated = 0
            let statement = try db.cachedStatement(sql: """
                INSERT INTO customer(number, given_name, family_name, birth_date, postcode, phone, email, preferred_channel, language,
                                     accessibility_needs, form_of_address, note, search_name)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(number) DO UPDATE SET given_name = excluded.given_name, family_name = excluded.family_name,
                    search_name = excluded.search_name,
                    birth_date = excluded.birth_date, postcode = excluded.postcode, phone = excluded.phone, email = excluded.email,
                    preferred_channel = excluded.preferred_channel, language = excluded.language
                """)
            for customer in customers {
                let existed = try Bool.fetchOne(db, sql: "SELECT 1 FROM customer WHERE number = ?", arguments: [customer.number]) ?? false
                try statement.execute(arguments: [
                    customer.number, customer.givenName, customer.familyName, customer.birthDate?.iso, customer.postcode,
                    customer.phone, customer.email, customer.preferredChannel?.rawValue, customer.language,
                    customer.accessibilityNeeds.map(\.rawValue).joined(separator: ","), customer.formOfAddress.rawValue, customer.note,
                    SearchText.fold(customer.fullName),
                ])
                if existed { updated += 1 } else { inserted += 1 }
            }
            return (inserted, updated)
        }
    }

    public struct UnknownCustomers: Error, CustomStringConvertible {
        public let numbers: [String]
        public var description: String { "unknown customer_number: \(numbers.prefix(10).joined(separator: ", "))" }
    }

    public func importContacts(_ contacts: [(customerNumber: String, contact: Contact)]) throws -> (inserted: Int, updated: Int) {
        try writer.write { db in
            var ids: [String: Int64] = [:]
            var unknown: [String] = []
            for number in Set(contacts.map(\.customerNumber)) {
                if let id = try Int64.fetchOne(db, sql: "SELECT id FROM customer WHERE number = ?", arguments: [number]) {
                    ids[number] = id
                } else {
                    unknown.append(number)
                }
            }
            guard unknown.isEmpty else { throw UnknownCustomers(numbers: unknown.sorted()) }
            var inserted = 0, updated = 0
            let statement = try db.cachedStatement(sql: """
                INSERT INTO contact(customer_id, channel, at, topic, summary, outcome, source_system) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(customer_id, channel, at, topic) DO UPDATE SET summary = excluded.summary, outcome = excluded.outcome,
                    source_system = excluded.source_system
                """)
            for (number, contact) in contacts {
                let id = ids[number]!
                let existed = try Bool.fetchOne(db, sql: "SELECT 1 FROM contact WHERE customer_id = ? AND channel = ? AND at = ? AND topic = ?",
                                                arguments: [id, contact.channel.rawValue, contact.at.timeIntervalSince1970, contact.topic]) ?? false
                try statement.execute(arguments: [id, contact.channel.rawValue, contact.at.timeIntervalSince1970, contact.topic,
                                                  contact.summary, contact.outcome, contact.sourceSystem])
                if existed { updated += 1 } else { inserted += 1 }
            }
            return (inserted, updated)
        }
    }

    public func insertCustomer(_ customer: Customer) throws -> Customer {
        _ = try importCustomers([customer])
        guard let stored = try self.customer(number: customer.number) else { throw DatabaseError(message: "customer not stored") }
        // Imports leave needs, form of address and note alone; a direct insert sets them.
        try writer.write { db in
            try db.execute(sql: "UPDATE customer SET accessibility_needs = ?, form_of_address = ?, note = ? WHERE id = ?",
                           arguments: [customer.accessibilityNeeds.map(\.rawValue).joined(separator: ","), customer.formOfAddress.rawValue,
                                       customer.note, stored.id])
        }
        var result = customer
        result.id = stored.id
        return result
    }

    public func insertContact(_ contact: Contact) throws {
        try writer.write { db in
            try db.execute(sql: """
                INSERT OR IGNORE INTO contact(customer_id, channel, at, topic, summary, outcome, source_system) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [contact.customerID, contact.channel.rawValue, contact.at.timeIntervalSince1970, contact.topic,
                                 contact.summary, contact.outcome, contact.sourceSystem])
        }
    }

    public func insertMessage(_ message: Message) throws {
        try writer.write { db in
            try db.execute(sql: "INSERT INTO message(customer_id, title, sent_at, important, read) VALUES (?, ?, ?, ?, ?)",
                           arguments: [message.customerID, message.title, message.sentAt.timeIntervalSince1970, message.isImportant, message.isRead])
        }
    }

    public func insertFollowUp(_ followUp: FollowUp) throws {
        try writer.write { db in
            try db.execute(sql: "INSERT INTO follow_up(customer_id, description, due, channel, done) VALUES (?, ?, ?, ?, ?)",
                           arguments: [followUp.customerID, followUp.description, followUp.due.timeIntervalSince1970,
                                       followUp.channel.rawValue, followUp.isDone])
        }
    }

    public func customerNumber(id: Int64) throws -> String? {
        try writer.read { db in try String.fetchOne(db, sql: "SELECT number FROM customer WHERE id = ?", arguments: [id]) }
    }

    public func customerCount() throws -> Int {
        try writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM customer") ?? 0 }
    }
}
