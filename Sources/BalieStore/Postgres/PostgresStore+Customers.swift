import BalieCore
import Foundation

// Customers, their contacts, consents, messages and follow-ups, as AppDatabase+Customers.swift (and the
// consent, message and follow-up reads of AppDatabase+Sessions.swift and AppDatabase+Insights.swift) keep them.
// Text is ordered with COLLATE "C": byte order, as SQLite's BINARY, whatever the database's locale.

private let customerColumns = """
    id, number, given_name, family_name, birth_date, postcode, phone, email, preferred_channel, language,
    accessibility_needs, form_of_address, note
    """
private let summaryColumns = "c.number, c.given_name, c.family_name, c.birth_date, c.postcode"
private let contactColumns = "id, customer_id, channel, at, topic, summary, outcome, source_system"

private func readCustomer(_ row: PostgresRow) -> Customer {
    Customer(
        id: row.int64("id"), number: row.string("number"), givenName: row.string("given_name"), familyName: row.string("family_name"),
        birthDate: row["birth_date"].flatMap { BirthDate(iso: $0) }, postcode: row["postcode"], phone: row["phone"], email: row["email"],
        preferredChannel: row["preferred_channel"].flatMap(PreferredChannel.init), language: row["language"],
        accessibilityNeeds: row.string("accessibility_needs").split(separator: ",").compactMap { AccessibilityNeed(rawValue: String($0)) },
        formOfAddress: FormOfAddress(rawValue: row.string("form_of_address")) ?? .fullName, note: row["note"])
}

private func readSummary(_ row: PostgresRow) -> CustomerSummary {
    CustomerSummary(number: row.string("number"), givenName: row.string("given_name"), familyName: row.string("family_name"),
                    birthDate: row["birth_date"].flatMap { BirthDate(iso: $0) }, postcode: row["postcode"])
}

private func readContact(_ row: PostgresRow) -> Contact {
    Contact(id: row.int64("id"), customerID: row.int64("customer_id") ?? 0, channel: Channel(rawValue: row.string("channel")) ?? .web,
            at: row.date("at") ?? Date(timeIntervalSince1970: 0), topic: row.string("topic"), summary: row.string("summary"),
            outcome: row.string("outcome"), sourceSystem: row.string("source_system"))
}

/// SQLite reads a negative LIMIT as none; PostgreSQL refuses it, and reads LIMIT NULL as none.
private func rowLimit(_ limit: Int) -> String? { limit < 0 ? nil : SQL.int(limit) }

/// SQLite reads a negative OFFSET as 0; PostgreSQL refuses it.
private func rowOffset(_ offset: Int) -> String? { SQL.int(max(0, offset)) }

/// The words of a text as name search splits them: folded (`SearchText.fold`, as SQLite's `search_name`),
/// then split where there is neither letter nor digit.
private func searchWords(_ text: String) -> [Substring] {
    SearchText.fold(text).split { !$0.isLetter && !$0.isNumber }
}

/// What `customer.search_name` holds: the folded name (as SQLite writes it), its words joined by single spaces, so
/// that the trigger that fills `customer_name_word` splits it exactly where a query splits, in every locale.
private func searchName(_ customer: Customer) -> String {
    searchWords(customer.fullName).joined(separator: " ")
}

/// The first text after every text that starts with `prefix`, in byte (code point) order: the prefix with its
/// last character raised by one; nil when there is none (the last character is the highest code point).
private func prefixUpperBound(_ prefix: Substring) -> String? {
    var scalars = Array(prefix.unicodeScalars)
    while let last = scalars.popLast() {
        var next = last.value + 1
        if (0xD800...0xDFFF).contains(next) { next = 0xE000 }  // surrogates are no characters
        if let raised = Unicode.Scalar(next) {
            var text = String.UnicodeScalarView()
            text.append(contentsOf: scalars)
            text.append(raised)
            return String(text)
        }
    }
    return nil
}


extension PostgresStatement {
    /// The INSERT of one consent answer (the record keeps every answer; the latest per purpose counts).
    static func insertConsent(_ consent: Consent) -> PostgresStatement {
        PostgresStatement("INSERT INTO consent (customer_id, purpose, given, at, recorded_by, method) VALUES ($1, $2, $3, $4, $5, $6)",
                          [SQL.int(consent.customerID), SQL.text(consent.purpose.rawValue), SQL.bool(consent.given), SQL.time(consent.at),
                           SQL.int(consent.recordedBy), SQL.text(consent.method.rawValue)])
    }
}


extension PostgresStore: CustomerRepository {
    public func searchCustomers(_ query: CustomerQuery, limit: Int) throws -> [CustomerSummary] {
        switch query {
        case .number(let number):
            return try self.query("SELECT \(summaryColumns) FROM customer c WHERE c.number = $1", [SQL.text(number)]).map(readSummary)
        case .name(let text):
            // Every word of the query (the first 8, as in SQLite) is a prefix of some word of the name: a range of
            // customer_name_word's btree (text_pattern_ops: ~>=~ and ~<~ compare bytes in every collation).
            let words = searchWords(text).prefix(8)
            guard !words.isEmpty else { return [] }
            var conditions: [String] = [], parameters: [String?] = []
            for word in words {
                parameters.append(String(word))
                let from = "$\(parameters.count)"
                if let upper = prefixUpperBound(word) {
                    parameters.append(upper)
                    conditions.append("c.id IN (SELECT customer_id FROM customer_name_word WHERE word ~>=~ \(from) AND word ~<~ $\(parameters.count))")
                } else {
                    conditions.append("c.id IN (SELECT customer_id FROM customer_name_word WHERE word ~>=~ \(from) AND starts_with(word, \(from)))")
                }
            }
            parameters.append(rowLimit(limit))
            // The first matches by id, as SQLite's FTS5 answers them (in rowid order) before its LIMIT, so both
            // stores pick the same `limit` customers; then sorted by name, as there.
            let rows = try self.query("""
                SELECT \(summaryColumns) FROM customer c WHERE \(conditions.joined(separator: " AND ")) ORDER BY c.id LIMIT $\(parameters.count)
                """, parameters)
            return rows.map(readSummary).sorted { ($0.familyName, $0.givenName, $0.number) < ($1.familyName, $1.givenName, $1.number) }
        case .postcodeAndBirthDate(let postcode, let birthDate):
            return try self.query("""
                SELECT \(summaryColumns) FROM customer c WHERE c.postcode = $1 AND c.birth_date = $2
                ORDER BY c.family_name COLLATE "C", c.given_name COLLATE "C", c.id LIMIT $3
                """, [SQL.text(postcode), SQL.text(birthDate.iso), rowLimit(limit)]).map(readSummary)
        }
    }

    public func customer(number: String) throws -> Customer? {
        try query("SELECT \(customerColumns) FROM customer WHERE number = $1", [SQL.text(number)]).first.map(readCustomer)
    }

    public func customerRecord(number: String, recentContacts: Int) throws -> CustomerRecord? {
        // One snapshot for all its parts, as SQLite's one read transaction: the count matches the contacts shown. Every
        // part finds the customer by number itself, so that none waits for another's result: one pipeline, one round trip.
        let customerID = "(SELECT id FROM customer WHERE number = $1)"
        let results = try pool.pipelinedSnapshot([
            PostgresStatement("SELECT \(customerColumns) FROM customer WHERE number = $1", [SQL.text(number)]),
            // The latest entry per purpose counts.
            PostgresStatement("""
                SELECT k.id, k.purpose, k.given, k.at, k.recorded_by, k.method, s.full_name FROM consent k
                LEFT JOIN staff s ON s.id = k.recorded_by
                WHERE k.customer_id = \(customerID) ORDER BY k.at, k.id
                """, [SQL.text(number)]),
            PostgresStatement("""
                SELECT id, description, due, channel FROM follow_up WHERE customer_id = \(customerID) AND NOT done ORDER BY due, id
                """, [SQL.text(number)]),
            PostgresStatement("""
                SELECT id, title, sent_at FROM message WHERE customer_id = \(customerID) AND NOT read AND important ORDER BY sent_at DESC, id
                """, [SQL.text(number)]),
            PostgresStatement("""
                SELECT \(contactColumns) FROM contact WHERE customer_id = \(customerID) ORDER BY at DESC, id DESC LIMIT $2
                """, [SQL.text(number), rowLimit(recentContacts)]),
            PostgresStatement("SELECT count(*) AS n FROM contact WHERE customer_id = \(customerID)", [SQL.text(number)]),
        ])
        guard results.count == 6, let customer = results[0].first.map(readCustomer), let id = customer.id else { return nil }
        var consents: [Consent.Purpose: (consent: Consent, recordedByName: String?)] = [:]
        for row in results[1].all {
            guard let purpose = Consent.Purpose(rawValue: row.string("purpose")), let method = Consent.Method(rawValue: row.string("method"))
            else { continue }
            consents[purpose] = (Consent(id: row.int64("id"), customerID: id, purpose: purpose, given: row.bool("given") ?? false,
                                         at: row.date("at") ?? Date(timeIntervalSince1970: 0), recordedBy: row.int64("recorded_by"),
                                         method: method),
                                 row["full_name"])
        }
        let followUps = results[2].all.map { row in
            FollowUp(id: row.int64("id"), customerID: id, description: row.string("description"),
                     due: row.date("due") ?? Date(timeIntervalSince1970: 0),
                     channel: PreferredChannel(rawValue: row.string("channel")) ?? .letter)
        }
        let messages = results[3].all.map { row in
            Message(id: row.int64("id"), customerID: id, title: row.string("title"), sentAt: row.date("sent_at") ?? Date(timeIntervalSince1970: 0),
                    isImportant: true, isRead: false)
        }
        let contacts = results[4].all.map(readContact)
        let count = results[5].first?.int("n") ?? 0
        return CustomerRecord(customer: customer, consents: consents, openFollowUps: followUps,
                              unreadImportantMessages: messages, recentContacts: contacts, contactCount: count)
    }

    public func contacts(customerID: Int64, offset: Int, limit: Int) throws -> [Contact] {
        try query("""
            SELECT \(contactColumns) FROM contact WHERE customer_id = $1 ORDER BY at DESC, id DESC LIMIT $2 OFFSET $3
            """, [SQL.int(customerID), rowLimit(limit), rowOffset(offset)]).map(readContact)
    }

    /// Contacts older than the cursor (time, id), newest first.
    public func contacts(customerID: Int64, before cursor: (at: Date, id: Int64)?, limit: Int) throws -> [Contact] {
        if let cursor {
            return try query("""
                SELECT \(contactColumns) FROM contact
                WHERE customer_id = $1 AND (at < $2 OR (at = $2 AND id < $3)) ORDER BY at DESC, id DESC LIMIT $4
                """, [SQL.int(customerID), SQL.time(cursor.at), SQL.int(cursor.id), rowLimit(limit)]).map(readContact)
        }
        return try query("""
            SELECT \(contactColumns) FROM contact WHERE customer_id = $1 ORDER BY at DESC, id DESC LIMIT $2
            """, [SQL.int(customerID), rowLimit(limit)]).map(readContact)
    }

    public func recordConsent(_ consent: Consent) throws {
        try write(.insertConsent(consent))
    }

    /// Records a consent and its audit row in one transaction.
    public func recordConsent(_ consent: Consent, audit: AuditEvent) throws {
        try write([.insertConsent(consent), .insertAudit(audit)])
    }

    public func importCustomers(_ customers: [Customer]) throws -> (inserted: Int, updated: Int) {
        try write { connection in
            var inserted = 0, updated = 0
            for customer in customers {
                // One atomic upsert per customer: an UPDATE of the number if it exists, else an INSERT whose ON CONFLICT
                // catches an instance that inserted the same number meanwhile. Not INSERT … ON CONFLICT alone: that
                // would take an id from the identity on every update, where SQLite's ids stay without gaps.
                let row = try connection.rows("""
                    WITH updated AS (
                        UPDATE customer SET given_name = $2, family_name = $3, search_name = $13, birth_date = $4, postcode = $5,
                            phone = $6, email = $7, preferred_channel = $8, language = $9
                        WHERE number = $1 RETURNING id
                    ), inserted AS (
                        INSERT INTO customer (number, given_name, family_name, birth_date, postcode, phone, email, preferred_channel, language,
                                              accessibility_needs, form_of_address, note, search_name)
                        SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text, $9::text,
                               $10::text, $11::text, $12::text, $13::text
                        WHERE NOT EXISTS (SELECT 1 FROM updated)
                        ON CONFLICT (number) DO UPDATE SET given_name = excluded.given_name, family_name = excluded.family_name,
                            search_name = excluded.search_name,
                            birth_date = excluded.birth_date, postcode = excluded.postcode, phone = excluded.phone, email = excluded.email,
                            preferred_channel = excluded.preferred_channel, language = excluded.language
                        RETURNING (xmax = 0) AS fresh
                    )
                    SELECT coalesce((SELECT fresh FROM inserted), false) AS inserted
                    """, [SQL.text(customer.number), SQL.text(customer.givenName), SQL.text(customer.familyName), SQL.text(customer.birthDate?.iso),
                          SQL.text(customer.postcode), SQL.text(customer.phone), SQL.text(customer.email),
                          SQL.text(customer.preferredChannel?.rawValue), SQL.text(customer.language),
                          SQL.text(customer.accessibilityNeeds.map(\.rawValue).joined(separator: ",")), SQL.text(customer.formOfAddress.rawValue),
                          SQL.text(customer.note), SQL.text(searchName(customer))]).first
                // xmax = 0 only in a row version the INSERT made: an insert, not a conflict turned update.
                if row?.bool("inserted") == true { inserted += 1 } else { updated += 1 }
            }
            return (inserted, updated)
        }
    }

    public func importContacts(_ contacts: [(customerNumber: String, contact: Contact)]) throws -> (inserted: Int, updated: Int) {
        try write { connection in
            let numbers = Array(Set(contacts.map(\.customerNumber)))
            var ids: [String: Int64] = [:]
            for row in try connection.rows("SELECT id, number FROM customer WHERE number = ANY ($1::text[])", [SQL.textArray(numbers)]) {
                if let id = row.int64("id") { ids[row.string("number")] = id }
            }
            let unknown = numbers.filter { ids[$0] == nil }
            guard unknown.isEmpty else { throw AppDatabase.UnknownCustomers(numbers: unknown.sorted()) }
            var inserted = 0, updated = 0
            for (number, contact) in contacts {
                // One atomic upsert on the entry's key (customer, channel, time, topic), as for customers above: the
                // UPDATE first, so that an update takes no id from the identity.
                let row = try connection.rows("""
                    WITH updated AS (
                        UPDATE contact SET summary = $5, outcome = $6, source_system = $7
                        WHERE customer_id = $1 AND channel = $2 AND at = $3 AND topic = $4 RETURNING id
                    ), inserted AS (
                        INSERT INTO contact (customer_id, channel, at, topic, summary, outcome, source_system)
                        SELECT $1::bigint, $2::text, $3::double precision, $4::text, $5::text, $6::text, $7::text
                        WHERE NOT EXISTS (SELECT 1 FROM updated)
                        ON CONFLICT (customer_id, channel, at, topic) DO UPDATE SET summary = excluded.summary, outcome = excluded.outcome,
                            source_system = excluded.source_system
                        RETURNING (xmax = 0) AS fresh
                    )
                    SELECT coalesce((SELECT fresh FROM inserted), false) AS inserted
                    """, [SQL.int(ids[number]), SQL.text(contact.channel.rawValue), SQL.time(contact.at), SQL.text(contact.topic),
                          SQL.text(contact.summary), SQL.text(contact.outcome), SQL.text(contact.sourceSystem)]).first
                if row?.bool("inserted") == true { inserted += 1 } else { updated += 1 }
            }
            return (inserted, updated)
        }
    }

    public func insertMessage(_ message: Message) throws {
        try write("INSERT INTO message (customer_id, title, sent_at, important, read) VALUES ($1, $2, $3, $4, $5)",
                  [SQL.int(message.customerID), SQL.text(message.title), SQL.time(message.sentAt), SQL.bool(message.isImportant),
                   SQL.bool(message.isRead)])
    }

    public func insertFollowUp(_ followUp: FollowUp) throws {
        try write("INSERT INTO follow_up (customer_id, description, due, channel, done) VALUES ($1, $2, $3, $4, $5)",
                  [SQL.int(followUp.customerID), SQL.text(followUp.description), SQL.time(followUp.due),
                   SQL.text(followUp.channel.rawValue), SQL.bool(followUp.isDone)])
    }

    public func customerCount() throws -> Int {
        try query("SELECT count(*) AS n FROM customer").first?.int("n") ?? 0
    }

    /// Whether the customer's latest answer for a purpose is yes.
    public func hasConsent(customerID: Int64, purpose: Consent.Purpose) throws -> Bool {
        try query("SELECT given FROM consent WHERE customer_id = $1 AND purpose = $2 ORDER BY at DESC, id DESC LIMIT 1",
                  [SQL.int(customerID), SQL.text(purpose.rawValue)]).first?.bool("given") ?? false
    }

    /// Follow-ups agreed with customers still in the record: (open, done) now.
    public func followUpCounts() throws -> (open: Int, done: Int) {
        let row = try query("SELECT count(*) FILTER (WHERE NOT done) AS open, count(*) FILTER (WHERE done) AS done FROM follow_up").first
        return (row?.int("open") ?? 0, row?.int("done") ?? 0)
    }

    public func customerNumber(id: Int64) throws -> String? {
        try query("SELECT number FROM customer WHERE id = $1", [SQL.int(id)]).first?["number"]
    }

    public func message(id: Int64) throws -> Message? {
        try query("SELECT id, customer_id, title, sent_at, important, read FROM message WHERE id = $1", [SQL.int(id)]).first.map { row in
            Message(id: row.int64("id"), customerID: row.int64("customer_id") ?? 0, title: row.string("title"),
                    sentAt: row.date("sent_at") ?? Date(timeIntervalSince1970: 0), isImportant: row.bool("important") ?? false,
                    isRead: row.bool("read") ?? false)
        }
    }
}
