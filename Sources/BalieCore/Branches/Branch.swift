import Foundation

/// A place where customers are helped: a library, a municipal office, a bank branch. Its code is how
/// staff, tokens and addresses name it (`/branches/CODE/display`); its name is the one customers know.
public struct Branch: Sendable, Equatable {
    public var id: Int64?
    public var code: String
    public var name: String
    /// An IANA time zone ("Europe/Amsterdam"): times on its pages, its queue day, its opening hours.
    public var timeZone: String
    public var openingHours: WeeklyHours
    /// Days the branch is closed although its weekly hours say open (holidays).
    public var closures: [BirthDate]

    public init(id: Int64? = nil, code: String, name: String, timeZone: String = "Europe/Amsterdam",
                openingHours: WeeklyHours = WeeklyHours(), closures: [BirthDate] = []) {
        self.id = id
        self.code = code
        self.name = name
        self.timeZone = timeZone
        self.openingHours = openingHours
        self.closures = closures
    }

    public var zone: TimeZone { TimeZone(identifier: timeZone) ?? TimeZone(identifier: "Europe/Amsterdam")! }

    /// Whether the branch is open at a moment, by its weekly hours and closure dates.
    public func isOpen(at moment: Date) -> Bool { closing(after: moment) != nil }

    /// When the branch is open at a moment: the minutes until it closes and its closing time (minutes after
    /// midnight, in its own zone). Nil when it is closed then, or keeps no hours at all.
    public func closing(after moment: Date) -> (minutesLeft: Int, closesAt: Int)? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day, .weekday, .hour, .minute], from: moment)
        guard let year = parts.year, let month = parts.month, let day = parts.day, let weekday = parts.weekday,
            let hour = parts.hour, let minute = parts.minute else { return nil }
        if let today = BirthDate(year: year, month: month, day: day), closures.contains(today) { return nil }
        // Calendar counts Sunday as 1; the week here starts on Monday.
        let isoDay = (weekday + 5) % 7 + 1
        let minutes = hour * 60 + minute
        guard let period = openingHours.periods(isoWeekday: isoDay).first(where: { $0.opens <= minutes && minutes < $0.closes }) else { return nil }
        return (period.closes - minutes, period.closes)
    }
}

/// Opening hours for each day of the week: Monday is 1, Sunday 7; a day without periods is closed.
public struct WeeklyHours: Sendable, Equatable {
    public struct Period: Sendable, Equatable {
        /// Minutes after midnight.
        public var opens: Int
        public var closes: Int
        public init(opens: Int, closes: Int) {
            self.opens = opens
            self.closes = closes
        }
    }

    public static let dayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    public private(set) var days: [Int: [Period]] = [:]

    public init() {}

    public func periods(isoWeekday: Int) -> [Period] { days[isoWeekday] ?? [] }

    public mutating func set(isoWeekday: Int, _ periods: [Period]) {
        days[isoWeekday] = periods.isEmpty ? nil : periods.sorted { $0.opens < $1.opens }
    }

    /// "mon=09:00-12:30,13:00-17:00;tue=…": how hours are written in storage, on the command line and in forms.
    public var text: String {
        (1...7).compactMap { day in
            guard let periods = days[day] else { return nil }
            return Self.dayNames[day - 1] + "=" + periods.map { "\(Self.clock($0.opens))-\(Self.clock($0.closes))" }.joined(separator: ",")
        }.joined(separator: ";")
    }

    public static func clock(_ minutes: Int) -> String {
        let hours = minutes / 60, rest = minutes % 60
        return (hours < 10 ? "0" : "") + "\(hours):" + (rest < 10 ? "0" : "") + "\(rest)"
    }

    /// Reads `text`'s form back. A day written twice, an unknown day, an empty or overlapping period is refused.
    public static func parse(_ text: String) throws(BranchRules.Problem) -> WeeklyHours {
        var hours = WeeklyHours()
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return hours }
        for entry in trimmed.split(separator: ";") {
            let pair = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, let index = dayNames.firstIndex(of: pair[0].lowercased()) else { throw .hoursInvalid }
            guard hours.days[index + 1] == nil else { throw .hoursInvalid }
            hours.set(isoWeekday: index + 1, try periods(pair[1]))
        }
        return hours
    }

    /// "09:00-12:30,13:00-17:00"; "closed" or "" for none.
    public static func periods(_ text: String) throws(BranchRules.Problem) -> [Period] {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed.isEmpty || trimmed == "closed" { return [] }
        var result: [Period] = []
        for piece in trimmed.split(separator: ",") {
            let ends = piece.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
            guard ends.count == 2, let opens = minutes(ends[0]), let closes = minutes(ends[1]), opens < closes else { throw .hoursInvalid }
            result.append(Period(opens: opens, closes: closes))
        }
        result.sort { $0.opens < $1.opens }
        for (earlier, later) in zip(result, result.dropFirst()) where later.opens < earlier.closes { throw .hoursInvalid }
        return result
    }

    static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts[0].count <= 2, parts[1].count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]),
            (0...24).contains(hours), (0...59).contains(minutes), hours * 60 + minutes <= 24 * 60 else { return nil }
        return hours * 60 + minutes
    }
}

/// What branches are made of.
public enum BranchRules {
    public static let codeLength = 2...32
    public static let nameLength = 1...100

    public enum Problem: Error, Equatable, Sendable {
        case codeInvalid
        case nameInvalid
        case timeZoneInvalid
        case hoursInvalid
        case closureInvalid
        case unknownBranch
        case codeTaken
    }

    /// Codes are lower-case letters, digits and dashes ("centrum", "stadskantoor-west").
    public static func code(_ text: String) throws(Problem) -> String {
        let code = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard codeLength.contains(code.count), code.first != "-", code.last != "-",
            code.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" })
        else { throw .codeInvalid }
        return code
    }

    public static func name(_ text: String) throws(Problem) -> String {
        let name = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard nameLength.contains(name.count), !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw .nameInvalid }
        return name
    }

    public static func timeZone(_ text: String) throws(Problem) -> String {
        let zone = text.trimmingCharacters(in: .whitespaces)
        guard !zone.isEmpty, zone.count <= 64, TimeZone(identifier: zone) != nil else { throw .timeZoneInvalid }
        return zone
    }

    /// "2026-12-25,2026-12-26".
    public static func closures(_ text: String) throws(Problem) -> [BirthDate] {
        var days: [BirthDate] = []
        for piece in text.split(separator: ",") {
            guard let day = BirthDate(iso: piece.trimmingCharacters(in: .whitespaces)) else { throw .closureInvalid }
            if !days.contains(day) { days.append(day) }
        }
        return days.sorted()
    }

    /// A code made from a stored name ("Bibliotheek Centrum" → "bibliotheek-centrum"), for the migration of
    /// names that were free text.
    public static func code(fromName name: String) -> String {
        var code = ""
        for scalar in SearchText.fold(name).unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) { code.unicodeScalars.append(scalar) }
            else if code.last != "-" && !code.isEmpty { code.append("-") }
        }
        while code.last == "-" { code.removeLast() }
        if code.count < codeLength.lowerBound { code = "branch-" + code }
        return String(code.prefix(codeLength.upperBound))
    }
}
