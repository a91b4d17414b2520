import Foundation

/// How a customer likes to be contacted.
public enum PreferredChannel: String, CaseIterable, Sendable, Codable {
    case phone, letter, email, app
    case inPerson = "in-person"
}

/// Help a customer needs to be served well; shown first on the 360° page.
public enum AccessibilityNeed: String, CaseIterable, Sendable, Codable {
    case largeText = "large-text"
    case lowVision = "low-vision"
    case hearing
    case readingDifficulty = "reading-difficulty"
    case interpreter
    case extraTime = "extra-time"
}

/// How staff address the customer ("mevrouw De Vries", "Fatma").
public enum FormOfAddress: String, CaseIterable, Sendable, Codable {
    case female, male
    case givenName = "given-name"
    case fullName = "full-name"
}

/// A date of birth without time or zone (what a CRM stores).
public struct BirthDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let year: Int, month: Int, day: Int

    public init?(year: Int, month: Int, day: Int) {
        guard (1900...2100).contains(year), (1...12).contains(month), (1...31).contains(day) else { return nil }
        var components = DateComponents()
        (components.year, components.month, components.day) = (year, month, day)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let date = calendar.date(from: components),
            calendar.component(.day, from: date) == day, calendar.component(.month, from: date) == month
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// "1948-03-07" (ISO 8601, as stored and exchanged).
    public init?(iso text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// "07-03-1948" or "7-3-1948" (how people in the Netherlands write it).
    public init?(dutch text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(whereSeparator: { $0 == "-" || $0 == "/" || $0 == "." })
        guard parts.count == 3, parts[2].count == 4, let d = Int(parts[0]), let m = Int(parts[1]), let y = Int(parts[2]) else {
            return nil
        }
        self.init(year: y, month: m, day: d)
    }

    public var iso: String { String(format: "%04d-%02d-%02d", year, month, day) }
    public var dutch: String { String(format: "%02d-%02d-%04d", day, month, year) }
    public var description: String { iso }

    public static func < (a: BirthDate, b: BirthDate) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }
}

/// A customer as known to the organisation's CRM, with how they like to be contacted and helped.
public struct Customer: Sendable, Equatable {
    public var id: Int64?
    /// The customer number in the CRM; the key for imports and the other channels.
    public var number: String
    public var givenName: String
    public var familyName: String
    public var birthDate: BirthDate?
    public var postcode: String?
    public var phone: String?
    public var email: String?
    public var preferredChannel: PreferredChannel?
    public var language: String?
    public var accessibilityNeeds: [AccessibilityNeed]
    public var formOfAddress: FormOfAddress
    public var note: String?

    public init(id: Int64? = nil, number: String, givenName: String, familyName: String, birthDate: BirthDate? = nil,
                postcode: String? = nil, phone: String? = nil, email: String? = nil,
                preferredChannel: PreferredChannel? = nil, language: String? = nil,
                accessibilityNeeds: [AccessibilityNeed] = [], formOfAddress: FormOfAddress = .fullName, note: String? = nil) {
        self.id = id
        self.number = number
        self.givenName = givenName
        self.familyName = familyName
        self.birthDate = birthDate
        self.postcode = postcode
        self.phone = phone
        self.email = email
        self.preferredChannel = preferredChannel
        self.language = language
        self.accessibilityNeeds = accessibilityNeeds
        self.formOfAddress = formOfAddress
        self.note = note
    }

    public var fullName: String { "\(givenName) \(familyName)" }
}

/// What a search result shows: just enough to pick the right person.
public struct CustomerSummary: Sendable, Equatable {
    public var number: String
    public var givenName: String
    public var familyName: String
    public var birthDate: BirthDate?
    public var postcode: String?

    public init(number: String, givenName: String, familyName: String, birthDate: BirthDate?, postcode: String?) {
        self.number = number
        self.givenName = givenName
        self.familyName = familyName
        self.birthDate = birthDate
        self.postcode = postcode
    }
}
