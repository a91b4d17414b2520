import Foundation

/// Dates and times as the pages show them ("dd-MM-yyyy HH:mm", "HH:mm", "yyyy-MM-dd"), worked out from
/// the time zone's offset at that moment and the proleptic Gregorian calendar. On Linux a DateFormatter
/// rebuilds its ICU formatter inside every `string(from:)`, which made dates a quarter of the 360°
/// page's CPU; these patterns need no ICU. Other patterns (none today) fall back to a DateFormatter.
final class DateFormats: Sendable {
    /// The pattern letters understood here, each as a fixed number of digits.
    private enum Field: CaseIterable {
        case year, month, day, hour, minute, second

        var letters: String {
            switch self {
            case .year: "yyyy"
            case .month: "MM"
            case .day: "dd"
            case .hour: "HH"
            case .minute: "mm"
            case .second: "ss"
            }
        }

        /// The digits it is written with: as many as its letters.
        var width: Int { self == .year ? 4 : 2 }

        func value(_ civil: CivilTime) -> Int64 {
            switch self {
            case .year: civil.year
            case .month: civil.month
            case .day: civil.day
            case .hour: civil.hour
            case .minute: civil.minute
            case .second: civil.second
            }
        }
    }

    /// A pattern as its parts: fields and the separators between them.
    private enum Part {
        case field(Field)
        case byte(UInt8)
    }

    private static let fieldLetters = Field.allCases.map { ($0, Array($0.letters.utf8)) }

    /// The pattern's parts, or nil when it has letters other than the fields (or a quote), which would mean
    /// something to a DateFormatter. A walk over bytes: the pages format hundreds of dates per view.
    private static func parts(_ format: String) -> [Part]? {
        let bytes = Array(format.utf8)
        var parts: [Part] = []
        parts.reserveCapacity(bytes.count)
        var index = 0
        outer: while index < bytes.count {
            for (field, letters) in fieldLetters where bytes[index...].starts(with: letters) {
                parts.append(.field(field))
                index += letters.count
                continue outer
            }
            let byte = bytes[index]
            // Only ASCII separators: a letter or a quote means something to a DateFormatter, and so may any
            // byte of a character outside ASCII.
            guard byte < 0x80, !(byte >= 0x41 && byte <= 0x5A), !(byte >= 0x61 && byte <= 0x7A), byte != UInt8(ascii: "'") else {
                return nil
            }
            parts.append(.byte(byte))
            index += 1
        }
        return parts
    }

    func string(from date: Date, format: String, timeZone: TimeZone) -> String {
        guard let parts = Self.parts(format) else { return Self.formatterString(from: date, format: format, timeZone: timeZone) }
        // The moment rounded to the nearest millisecond from the reference date, as Foundation hands it
        // to ICU, so that a moment just before a whole second shows the same second as a DateFormatter.
        let millis = Int64(((date.timeIntervalSinceReferenceDate + 978_307_200) * 1000 + 0.5).rounded(.down))
        let utcSeconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        let local = utcSeconds + Int64(timeZone.secondsFromGMT(for: date))
        let civil = CivilTime(secondsSinceEpoch: local)
        var text: [UInt8] = []
        text.reserveCapacity(parts.count + 8)
        for part in parts {
            switch part {
            case .byte(let byte): text.append(byte)
            case .field(let field): Self.appendDigits(field.value(civil), width: field.width, to: &text)
            }
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// `value` in decimal, zero-padded to `width` characters, sign included (a year before 1: "-005"), written
    /// in place from the last digit and then turned around.
    private static func appendDigits(_ value: Int64, width: Int, to text: inout [UInt8]) {
        let start = text.count
        var rest = value.magnitude
        repeat {
            text.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        while text.count - start < width - (value < 0 ? 1 : 0) { text.append(UInt8(ascii: "0")) }
        if value < 0 { text.append(UInt8(ascii: "-")) }
        text[start...].reverse()
    }

    /// Only the letters above and separators that are not letters (a quote or another letter would
    /// mean something to a DateFormatter).
    static func isNumeric(_ format: String) -> Bool { parts(format) != nil }

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
