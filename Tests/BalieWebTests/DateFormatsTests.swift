import Foundation
import Testing
@testable import BalieWeb

/// The pages' own date formatting must give exactly what a DateFormatter gives, in the zones a kiosk
/// may run in, across daylight-saving changes, leap days and the turn of centuries.
@Suite struct DateFormatsTests {
    static let formats = ["dd-MM-yyyy HH:mm", "dd-MM-yyyy", "HH:mm", "yyyy-MM-dd", "yyyy-MM-dd HH:mm:ss"]

    func reference(_ date: Date, _ format: String, _ zone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = format
        return formatter.string(from: date)
    }

    /// The fixed moments: the epoch and the second before it, the leap day of 2000 and its last second, 1 March 2100
    /// (no leap day in 2100), 1 January 1900, the last changes to and from summer time in Europe in 2024 (each side
    /// of them), and a moment with a fraction of a second.
    static let moments: [Double] = [0, -1, 951_782_400, 951_868_799, 4_107_542_400, -2_208_988_800,
                                    1_711_846_800, 1_711_846_799, 1_729_990_800, 1_729_990_799, 1_729_994_400, 1_700_000_000.999]

    /// Those moments as "yyyy-MM-dd HH:mm:ss", worked out apart from Foundation (Python's zoneinfo on the system's
    /// time-zone database, the fraction dropped). Left out (nil): 1 January 1900 in Amsterdam, on which time-zone
    /// databases disagree (Amsterdam Mean Time, +0:19:32, in the system's; since tzdata 2022b Amsterdam follows
    /// Brussels, +0:00 then, which is what Foundation has).
    static let expected: [String: [String?]] = [
        "Europe/Amsterdam": ["1970-01-01 01:00:00", "1970-01-01 00:59:59", "2000-02-29 01:00:00", "2000-03-01 00:59:59",
                             "2100-03-01 01:00:00", nil, "2024-03-31 03:00:00", "2024-03-31 01:59:59",
                             "2024-10-27 02:00:00", "2024-10-27 02:59:59", "2024-10-27 03:00:00", "2023-11-14 23:13:20"],
        "UTC": ["1970-01-01 00:00:00", "1969-12-31 23:59:59", "2000-02-29 00:00:00", "2000-02-29 23:59:59",
                "2100-03-01 00:00:00", "1900-01-01 00:00:00", "2024-03-31 01:00:00", "2024-03-31 00:59:59",
                "2024-10-27 01:00:00", "2024-10-27 00:59:59", "2024-10-27 02:00:00", "2023-11-14 22:13:20"],
        "America/Sao_Paulo": ["1969-12-31 21:00:00", "1969-12-31 20:59:59", "2000-02-28 21:00:00", "2000-02-29 20:59:59",
                              "2100-02-28 21:00:00", "1899-12-31 20:53:32", "2024-03-30 22:00:00", "2024-03-30 21:59:59",
                              "2024-10-26 22:00:00", "2024-10-26 21:59:59", "2024-10-26 23:00:00", "2023-11-14 19:13:20"],
        "Asia/Kolkata": ["1970-01-01 05:30:00", "1970-01-01 05:29:59", "2000-02-29 05:30:00", "2000-03-01 05:29:59",
                         "2100-03-01 05:30:00", "1900-01-01 05:21:10", "2024-03-31 06:30:00", "2024-03-31 06:29:59",
                         "2024-10-27 06:30:00", "2024-10-27 06:29:59", "2024-10-27 07:30:00", "2023-11-15 03:43:20"],
        "Pacific/Chatham": ["1970-01-01 12:45:00", "1970-01-01 12:44:59", "2000-02-29 13:45:00", "2000-03-01 13:44:59",
                            "2100-03-01 13:45:00", "1900-01-01 12:15:00", "2024-03-31 14:45:00", "2024-03-31 14:44:59",
                            "2024-10-27 14:45:00", "2024-10-27 14:44:59", "2024-10-27 15:45:00", "2023-11-15 11:58:20"],
    ]

    @Test(arguments: ["Europe/Amsterdam", "UTC", "America/Sao_Paulo", "Asia/Kolkata", "Pacific/Chatham"])
    func knownMoments(zoneName: String) throws {
        let zone = try #require(TimeZone(identifier: zoneName))
        let formats = DateFormats()
        for (seconds, expected) in zip(Self.moments, try #require(Self.expected[zoneName])) {
            guard let expected else { continue }
            let date = Date(timeIntervalSince1970: seconds)
            #expect(formats.string(from: date, format: "yyyy-MM-dd HH:mm:ss", timeZone: zone) == expected, "\(seconds) \(zoneName)")
            // The other numeric formats are parts of the same fields.
            let day = expected.prefix(10), time = expected.dropFirst(11)
            let dutchDay = "\(day.suffix(2))-\(day.dropFirst(5).prefix(2))-\(day.prefix(4))"
            #expect(formats.string(from: date, format: "yyyy-MM-dd", timeZone: zone) == String(day))
            #expect(formats.string(from: date, format: "dd-MM-yyyy", timeZone: zone) == dutchDay)
            #expect(formats.string(from: date, format: "HH:mm", timeZone: zone) == String(time.prefix(5)))
            #expect(formats.string(from: date, format: "dd-MM-yyyy HH:mm", timeZone: zone) == "\(dutchDay) \(time.prefix(5))")
        }
    }

    /// Many more moments against DateFormatter, the same in every run so that a failure can be repeated: spread
    /// evenly over 1890–2103 (and over 2023–2027 with a fraction just under a second) by the golden ratio's
    /// multiples, which fall on no fixed period of days or hours.
    @Test(arguments: ["Europe/Amsterdam", "UTC", "America/Sao_Paulo", "Asia/Kolkata", "Pacific/Chatham"])
    func sameAsDateFormatter(zoneName: String) throws {
        let zone = try #require(TimeZone(identifier: zoneName))
        let formats = DateFormats()
        let golden = 0.618_033_988_749_894_9
        func spread(_ i: Int) -> Double { (Double(i) * golden).truncatingRemainder(dividingBy: 1) }
        var moments = Self.moments
        for i in 1...400 { moments.append(-2_500_000_000 + 6_700_000_000 * spread(i)) }
        for i in 1...100 { moments.append((1_700_000_000 + 100_000_000 * spread(i + 400)).rounded(.down) + 0.999) }
        for seconds in moments {
            let date = Date(timeIntervalSince1970: seconds)
            for format in Self.formats {
                #expect(formats.string(from: date, format: format, timeZone: zone) == reference(date, format, zone),
                        "\(seconds) \(format) \(zoneName)")
            }
        }
    }

    @Test func civilTimeOfKnownMoments() {
        let epoch = CivilTime(secondsSinceEpoch: 0)
        #expect((epoch.year, epoch.month, epoch.day, epoch.hour, epoch.minute, epoch.second) == (1970, 1, 1, 0, 0, 0))
        let leapDay = CivilTime(secondsSinceEpoch: 951_782_400 + 43_200)  // 2000-02-29 12:00
        #expect((leapDay.year, leapDay.month, leapDay.day, leapDay.hour) == (2000, 2, 29, 12))
        let beforeEpoch = CivilTime(secondsSinceEpoch: -1)  // 1969-12-31 23:59:59
        #expect((beforeEpoch.year, beforeEpoch.month, beforeEpoch.day, beforeEpoch.hour, beforeEpoch.minute, beforeEpoch.second)
                == (1969, 12, 31, 23, 59, 59))
        let noLeapDay = CivilTime(secondsSinceEpoch: 4_107_542_400 - 1)  // 2100-02-28 23:59:59: 2100 is not a leap year
        #expect((noLeapDay.year, noLeapDay.month, noLeapDay.day, noLeapDay.second) == (2100, 2, 28, 59))
        let century = CivilTime(secondsSinceEpoch: -2_208_988_800)  // 1900-01-01 00:00:00
        #expect((century.year, century.month, century.day, century.hour) == (1900, 1, 1, 0))
    }

    /// Every field zero-padded to its width, small and large values alike, separators copied as they are.
    @Test func fieldsArePaddedToTheirWidth() {
        let zone = TimeZone(identifier: "UTC")!
        // 0009-02-03 04:05:06 UTC: one digit in every field, the year too.
        let early = Date(timeIntervalSince1970: -61_880_270_094)
        #expect(DateFormats().string(from: early, format: "yyyy-MM-dd HH:mm:ss", timeZone: zone) == "0009-02-03 04:05:06")
        // 2026-12-31 23:59:59 UTC: no padding.
        let late = Date(timeIntervalSince1970: 1_798_761_599)
        #expect(DateFormats().string(from: late, format: "dd/MM/yyyy HH.mm.ss", timeZone: zone) == "31/12/2026 23.59.59")
    }

    @Test func otherPatternsFallBackToAFormatter() {
        #expect(!DateFormats.isNumeric("EEEE d MMMM"))
        #expect(!DateFormats.isNumeric("HH'h'mm"))
        #expect(DateFormats.isNumeric("dd-MM-yyyy HH:mm"))
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        let zone = TimeZone(identifier: "UTC")!
        #expect(DateFormats().string(from: date, format: "EEEE d MMMM", timeZone: zone) == reference(date, "EEEE d MMMM", zone))
    }
}

@Suite struct HTMLEscapingTests {
    @Test func escapesTheFiveCharactersAndNothingElse() {
        #expect(HTMLEscaping.escape("") == "")
        #expect(HTMLEscaping.escape("Jan de Vries, Café Ünal 😀") == "Jan de Vries, Café Ünal 😀")
        #expect(HTMLEscaping.escape("<script>alert('x') & \"y\"</script>")
            == "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;")
        #expect(HTMLEscaping.escape("a<b") == "a&lt;b")
        #expect(HTMLEscaping.escape("&amp;") == "&amp;amp;")
        // A quote with a combining mark is one character to Swift, but still a quote to a browser.
        #expect(HTMLEscaping.escape("\"\u{301}") == "&quot;\u{301}")
    }

    @Test func pagesRenderWithIt() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tpl-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder + "/components", withIntermediateDirectories: true)
        try "<p>{{name}}</p>{{#items}}<li>{{label}}</li>{{/items}}{{> components/note}}".write(
            toFile: folder + "/page.mustache", atomically: true, encoding: .utf8)
        try "<em>{{note}}</em>{{{raw}}}".write(toFile: folder + "/components/note.mustache", atomically: true, encoding: .utf8)
        struct Item: TemplateModel {
            var label: String
            static let fields: TemplateFields<Self> = ["label": .text(\.label)]
        }
        struct Page: PageModel {
            var name: String, items: [Item], note: String, raw: String
            static let fields: TemplateFields<Self> = ["name": .text(\.name), "items": .list(\.items), "note": .text(\.note), "raw": .text(\.raw)]
            static let compiled = CompiledTemplates<Self>()
        }
        let renderer = try PageRenderer(directory: folder)
        let page = Page(name: "<b>", items: [.init(label: "a&b"), .init(label: "c")], note: "'n'", raw: "<i>")
        let html = String(decoding: try renderer.render("page", page, language: "nl"), as: UTF8.self)
        #expect(html == "<p>&lt;b&gt;</p><li>a&amp;b</li><li>c</li><em>&#39;n&#39;</em><i>")
    }
}

