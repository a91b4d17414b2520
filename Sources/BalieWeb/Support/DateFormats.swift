import Foundation

/// Date formatters made once per thread and format, not once per date shown: making a DateFormatter
/// was a fifth of the 360° page's CPU. Per thread, because DateFormatter is not safe to share between
/// libmicrohttpd's worker threads on Linux.
final class DateFormats: Sendable {
    private let key = "balie.dateFormatters.\(UUID().uuidString)"

    func string(from date: Date, format: String, timeZone: TimeZone) -> String {
        let storage = Thread.current.threadDictionary
        let formatters = storage[key] as? NSMutableDictionary ?? {
            let created = NSMutableDictionary()
            storage[key] = created
            return created
        }()
        let cacheKey = "\(timeZone.identifier)|\(format)" as NSString
        if let formatter = formatters[cacheKey] as? DateFormatter { return formatter.string(from: date) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = format
        formatters[cacheKey] = formatter
        return formatter.string(from: date)
    }
}
