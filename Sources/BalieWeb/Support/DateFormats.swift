import Foundation

/// Dates and times as the pages show them ("dd-MM-yyyy HH:mm", "HH:mm", "yyyy-MM-dd"), worked out from
/// the time zone's offset at that moment and the proleptic Gregorian calendar. On Linux a DateFormatter
/// rebuilds its ICU formatter inside every `string(from:)`, which made dates a quarter of the 360°
/// page's CPU; these patterns need no ICU. Other patterns (none today) fall back to a DateFormatter.
final class DateFormats: Sendable {
    /// The pattern letters understood here, each as a fixed number of digits.
    private static let fields: [(letters: String, width: Int)] = [("yyyy", 4), ("MM", 2), ("dd", 2), ("HH", 2), ("mm", 2), ("ss", 2)]

    func string(from date: Date, format: String, timeZone: TimeZone) -> String {
        guard Self.isNumeric(format) else { return Self.formatterString(from: date, format: format, timeZone: timeZone) }
        // The moment rounded to the nearest millisecond from the reference date, as Foundation hands it
        // to ICU, so that a moment just before a whole second shows the same second as a DateFormatter.
        let millis = Int64(((date.timeIntervalSinceReferenceDate + 978_307_200) * 1000 + 0.5).rounded(.down))
        let utcSeconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        let local = utcSeconds + Int64(timeZone.secondsFromGMT(for: date))
        let civil = CivilTime(secondsSinceEpoch: local)
        var text = ""
        text.reserveCapacity(format.utf8.count)
        var rest = Substring(format)
        while let first = rest.first {
            if let field = Self.fields.first(where: { rest.hasPrefix($0.letters) }) {
                let value: Int64
                switch field.letters {
                case "yyyy": value = civil.year
                case "MM": value = civil.month
                case "dd": value = civil.day
                case "HH": value = civil.hour
                case "mm": value = civil.minute
                default: value = civil.second
                }
                let digits = String(value)
                if digits.count < field.width { text += String(repeating: "0", count: field.width - digits.count) }
                text += digits
                rest = rest.dropFirst(field.letters.count)
            } else {
                text.append(first)
                rest = rest.dropFirst()
            }
        }
        return text
    }

    /// Only the letters above and separators that are not letters (a quote or another letter would
    /// mean something to a DateFormatter).
    static func isNumeric(_ format: String) -> Bool {
        var rest = Substring(format)
        while let first = rest.first {
            if let field = fields.first(where: { rest.hasPrefix($0.letters) }) {
                rest = rest.dropFirst(field.letters.count)
            } else if first.isLetter || first == "'" {
                return false
            } else {
                rest = rest.dropFirst()
            }
        }
        return true
    }

    private static func formatterString(from date: Date, format: String, timeZone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = format
        return formatter.string(from: date)
    }
}

/// Year, month, day and time of day for a count of seconds since 1970-01-01 00:00 in some zone.
struct CivilTime: Equatable {
    let year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64

    init(secondsSinceEpoch seconds: Int64) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        hour = secondOfDay / 3_600
        minute = secondOfDay % 3_600 / 60
        second = secondOfDay % 60
        // Days to a civil date (H. Hinnant, "chrono-compatible low-level date algorithms"): eras of
        // 400 years starting on 1 March, so that the leap day falls at the end of a year.
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }
}
