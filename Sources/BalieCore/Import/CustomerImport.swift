import Foundation

/// Turns CRM exports into customers and contacts, checking every row. A file with any bad row is
/// refused as a whole, with each problem's line number and reason.
public enum CustomerImport {
    public static let customerColumns = [
        "customer_number", "given_name", "family_name", "birth_date", "postcode", "phone", "email", "preferred_channel", "language",
    ]
    public static let contactColumns = ["customer_number", "channel", "at", "topic", "summary", "outcome"]
    /// The most rows one file may hold.
    public static let maxRows = 2_000_000

    public struct Problem: Error, Equatable, Sendable, CustomStringConvertible {
        public let line: Int
        public let reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    public struct Refused: Error, Sendable, CustomStringConvertible {
        public let problems: [Problem]
        public var description: String { problems.map(\.description).joined(separator: "\n") }
    }

    public static func customers(fromCSV text: String) throws(Refused) -> [Customer] {
        let rows = try table(text, columns: customerColumns)
        var problems: [Problem] = []
        var customers: [Customer] = []
        var seen: [String: Int] = [:]
        for row in rows {
            do {
                let customer = try CustomerRules.customer(
                    number: row.fields[0], givenName: row.fields[1], familyName: row.fields[2], birthDate: row.fields[3],
                    postcode: row.fields[4], phone: row.fields[5], email: row.fields[6], preferredChannel: row.fields[7],
                    language: row.fields[8])
                if let earlier = seen[customer.number] {
                    problems.append(Problem(line: row.line, reason: "customer_number \(customer.number) is also on line \(earlier)"))
                }
                seen[customer.number] = row.line
                customers.append(customer)
            } catch {
                problems.append(Problem(line: row.line, reason: error.reason))
            }
        }
        guard problems.isEmpty else { throw Refused(problems: problems) }
        return customers
    }

    public static func contacts(fromCSV text: String, sourceSystem: String) throws(Refused) -> [(customerNumber: String, contact: Contact)] {
        let rows = try table(text, columns: contactColumns)
        var problems: [Problem] = []
        var contacts: [(String, Contact)] = []
        for row in rows {
            do throws(CustomerRules.Invalid) {
                let number = try CustomerRules.customerNumber(row.fields[0])
                guard let channel = Channel(rawValue: row.fields[1].trimmingCharacters(in: .whitespaces)) else {
                    throw CustomerRules.Invalid(reason: "channel must be one of \(Channel.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                guard let at = CustomerRules.timestamp(row.fields[2]) else {
                    throw CustomerRules.Invalid(reason: "at must be a date and time like 2026-11-02T10:15:00Z")
                }
                let topic = try CustomerRules.text(row.fields[3], field: "topic", required: true, max: 200)
                let summary = try CustomerRules.text(row.fields[4], field: "summary", required: false, max: 2000, multiline: true)
                let outcome = try CustomerRules.text(row.fields[5], field: "outcome", required: false, max: 200)
                contacts.append((number, Contact(customerID: 0, channel: channel, at: at, topic: topic, summary: summary,
                                                 outcome: outcome, sourceSystem: sourceSystem)))
            } catch {
                problems.append(Problem(line: row.line, reason: error.reason))
            }
        }
        guard problems.isEmpty else { throw Refused(problems: problems) }
        return contacts
    }

    private static func table(_ text: String, columns: [String]) throws(Refused) -> [CSV.Record] {
        let records: [CSV.Record]
        do { records = try CSV.parse(text) } catch { throw Refused(problems: [Problem(line: error.line, reason: error.reason)]) }
        guard let header = records.first else { throw Refused(problems: [Problem(line: 1, reason: "the file is empty")]) }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard names == columns else {
            throw Refused(problems: [Problem(line: 1, reason: "the header must be: \(columns.joined(separator: ","))")])
        }
        guard records.count - 1 <= maxRows else { throw Refused(problems: [Problem(line: 1, reason: "more than \(maxRows) rows")]) }
        var problems: [Problem] = []
        for record in records.dropFirst() where record.fields.count != columns.count {
            problems.append(Problem(line: record.line, reason: "\(record.fields.count) fields instead of \(columns.count)"))
        }
        guard problems.isEmpty else { throw Refused(problems: problems) }
        return Array(records.dropFirst())
    }
}

/// Validation of customer fields, shared by imports, the API and pages.
public enum CustomerRules {
    public struct Invalid: Error, Equatable, Sendable {
        public let reason: String
        public init(reason: String) { self.reason = reason }
    }

    public static func customerNumber(_ text: String) throws(Invalid) -> String {
        let number = text.trimmingCharacters(in: .whitespaces)
        guard (1...32).contains(number.count),
            number.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) || ("A"..."Z").contains($0) || ("a"..."z").contains($0) || $0 == "-" })
        else { throw Invalid(reason: "customer_number must be 1 to 32 letters, digits or dashes") }
        return number
    }

    public static func text(_ value: String, field: String, required: Bool, max: Int, multiline: Bool = false) throws(Invalid) -> String {
        let text = value.trimmingCharacters(in: .whitespaces)
        if required && text.isEmpty { throw Invalid(reason: "\(field) is empty") }
        guard text.count <= max else { throw Invalid(reason: "\(field) is longer than \(max) characters") }
        let allowedControls: Set<Unicode.Scalar> = multiline ? ["\n", "\t"] : []
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && !allowedControls.contains($0) }) else {
            throw Invalid(reason: "\(field) holds control characters")
        }
        return text
    }

    /// Dutch postcodes ("1234 AB", any case and spacing); nil when empty.
    public static func postcode(_ value: String) throws(Invalid) -> String? {
        let compact = value.uppercased().filter { !$0.isWhitespace }
        if compact.isEmpty { return nil }
        let chars = Array(compact)
        guard chars.count == 6, chars[0] != "0", chars[0...3].allSatisfy({ $0.isASCII && $0.isNumber }),
            chars[4...5].allSatisfy({ $0.isASCII && $0.isLetter })
        else { throw Invalid(reason: "postcode must look like 1234 AB") }
        return String(chars[0...3]) + " " + String(chars[4...5])
    }

    public static func customer(number: String, givenName: String, familyName: String, birthDate: String, postcode: String,
                                phone: String, email: String, preferredChannel: String, language: String) throws(Invalid) -> Customer {
        let customerNumber = try customerNumber(number)
        let given = try text(givenName, field: "given_name", required: true, max: 100)
        let family = try text(familyName, field: "family_name", required: true, max: 100)
        var birth: BirthDate?
        let birthText = birthDate.trimmingCharacters(in: .whitespaces)
        if !birthText.isEmpty {
            guard let parsed = BirthDate(iso: birthText) else { throw Invalid(reason: "birth_date must be a real date like 1948-03-07") }
            birth = parsed
        }
        let phoneText = try text(phone, field: "phone", required: false, max: 20)
        guard phoneText.allSatisfy({ $0.isASCII && ($0.isNumber || " +-()".contains($0)) }) else {
            throw Invalid(reason: "phone may only hold digits, spaces and + - ( )")
        }
        let emailText = try text(email, field: "email", required: false, max: 254)
        if !emailText.isEmpty {
            let parts = emailText.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !emailText.contains(where: \.isWhitespace) else {
                throw Invalid(reason: "email is not an e-mail address")
            }
        }
        let channelText = preferredChannel.trimmingCharacters(in: .whitespaces)
        var channel: PreferredChannel?
        if !channelText.isEmpty {
            guard let parsed = PreferredChannel(rawValue: channelText) else {
                throw Invalid(reason: "preferred_channel must be one of \(PreferredChannel.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            channel = parsed
        }
        let languageText = language.trimmingCharacters(in: .whitespaces).lowercased()
        guard languageText.isEmpty || (languageText.count == 2 && languageText.allSatisfy { $0.isASCII && $0.isLetter }) else {
            throw Invalid(reason: "language must be a two-letter code such as nl or tr")
        }
        return Customer(
            number: customerNumber, givenName: given, familyName: family, birthDate: birth, postcode: try Self.postcode(postcode),
            phone: phoneText.isEmpty ? nil : phoneText, email: emailText.isEmpty ? nil : emailText,
            preferredChannel: channel, language: languageText.isEmpty ? nil : languageText)
    }

    /// "2026-11-02T10:15:00Z", "2026-11-02T10:15:00+01:00" (strict RFC 3339, as the API reads it) or
    /// "2026-11-02 10:15" (read as UTC). A day that does not exist is refused, not moved to the next month.
    public static func timestamp(_ value: String) -> Date? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let date = Timestamp.parse(text) { return date }
        let plain = DateFormatter()
        plain.locale = Locale(identifier: "en_US_POSIX")
        plain.timeZone = TimeZone(identifier: "UTC")
        plain.isLenient = false
        for format in ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd'T'HH:mm"] {
            plain.dateFormat = format
            if let date = plain.date(from: text) { return date }
        }
        return nil
    }
}
