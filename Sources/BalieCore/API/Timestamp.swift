import Foundation

/// A moment as the API's clients write it: RFC 3339 in whole seconds, `2026-11-02T10:15:00Z` or with an
/// offset (`+01:00`). Stricter than Foundation's ISO 8601 parser, which turns 30 February into 2 March and
/// takes `24:00:00`: a date that does not exist is refused rather than moved.
public enum Timestamp {
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 20 || bytes.count == 25 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x54, bytes[13] == 0x3A, bytes[16] == 0x3A,
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            year >= 1, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        var offsetSeconds = 0
        if bytes.count == 20 {
            guard bytes[19] == 0x5A || bytes[19] == 0x7A else { return nil }
        } else {
            guard bytes[19] == 0x2B || bytes[19] == 0x2D, bytes[22] == 0x3A, let hours = number(20..<22), let minutes = number(23..<25),
                hours < 24, minutes < 60 else { return nil }
            offsetSeconds = (hours * 3600 + minutes * 60) * (bytes[19] == 0x2D ? -1 : 1)
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard let local = calendar.date(from: parts),
            // The calendar moves 30 February to 2 March: such a date does not exist.
            calendar.dateComponents([.year, .month, .day], from: local) == DateComponents(year: year, month: month, day: day)
        else { return nil }
        return local.addingTimeInterval(-Double(offsetSeconds))
    }
}
