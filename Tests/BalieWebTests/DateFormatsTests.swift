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

    @Test(arguments: ["Europe/Amsterdam", "UTC", "America/Sao_Paulo", "Asia/Kolkata", "Pacific/Chatham"])
    func sameAsDateFormatter(zoneName: String) throws {
        let zone = try #require(TimeZone(identifier: zoneName))
        let formats = DateFormats()
        var generator = SystemRandomNumberGenerator()
        var moments: [Double] = [0, -1, 951_782_400, 951_868_799, 4_107_542_400, -2_208_988_800,
                                 1_711_846_800, 1_711_846_799, 1_729_990_800, 1_729_990_799, 1_729_994_400]
        for _ in 0..<400 { moments.append(Double.random(in: -2_500_000_000...4_200_000_000, using: &generator)) }
        for _ in 0..<100 { moments.append(Double(Int.random(in: 1_700_000_000...1_800_000_000, using: &generator)) + 0.999) }
        for seconds in moments {
            let date = Date(timeIntervalSince1970: seconds)
            for format in Self.formats {
                #expect(formats.string(from: date, format: format, timeZone: zone) == reference(date, format, zone),
                        "\(seconds) \(format) \(zoneName)")
            }
        }
    }

    @Test func civilTimeOfKnownMoments() {
        #expect(CivilTime(secondsSinceEpoch: 0) == CivilTime(secondsSinceEpoch: 0))
        let leapDay = CivilTime(secondsSinceEpoch: 951_782_400 + 43_200)  // 2000-02-29 12:00
        #expect((leapDay.year, leapDay.month, leapDay.day, leapDay.hour) == (2000, 2, 29, 12))
        let beforeEpoch = CivilTime(secondsSinceEpoch: -1)  // 1969-12-31 23:59:59
        #expect((beforeEpoch.year, beforeEpoch.month, beforeEpoch.day, beforeEpoch.hour, beforeEpoch.minute, beforeEpoch.second)
                == (1969, 12, 31, 23, 59, 59))
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

@Suite struct ByteHTMLEscapingTests {
    @Test func escapesTheFiveCharactersAndNothingElse() {
        #expect(ByteHTMLEscaping.escape("") == "")
        #expect(ByteHTMLEscaping.escape("Jan de Vries, Café Ünal 😀") == "Jan de Vries, Café Ünal 😀")
        #expect(ByteHTMLEscaping.escape("<script>alert('x') & \"y\"</script>")
            == "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;")
        #expect(ByteHTMLEscaping.escape("a<b") == "a&lt;b")
        #expect(ByteHTMLEscaping.escape("&amp;") == "&amp;amp;")
        // A quote with a combining mark is one character to Swift, but still a quote to a browser.
        #expect(ByteHTMLEscaping.escape("\"\u{301}") == "&quot;\u{301}")
    }

    @Test func pagesRenderWithIt() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tpl-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder + "/components", withIntermediateDirectories: true)
        try "<p>{{name}}</p>{{#items}}<li>{{.}}</li>{{/items}}{{> components/note}}".write(
            toFile: folder + "/page.mustache", atomically: true, encoding: .utf8)
        try "<em>{{note}}</em>{{{raw}}}".write(toFile: folder + "/components/note.mustache", atomically: true, encoding: .utf8)
        let renderer = try PageRenderer(directory: folder)
        let html = try renderer.render("page", ["name": "<b>", "items": ["a&b", "c"], "note": "'n'", "raw": "<i>"])
        #expect(html == "<p>&lt;b&gt;</p><li>a&amp;b</li><li>c</li><em>&#39;n&#39;</em><i>")
    }
}
