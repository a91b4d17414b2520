import BalieCore
import Foundation
import Testing

@Suite struct TimestampTests {
    @Test func wholeSecondsWithAZoneAreRead() {
        #expect(Timestamp.parse("2026-11-02T10:15:00Z") == Date(timeIntervalSince1970: 1_793_614_500))
        #expect(Timestamp.parse("2026-11-02T11:15:00+01:00") == Date(timeIntervalSince1970: 1_793_614_500))
        #expect(Timestamp.parse("2026-11-02T06:15:00-04:00") == Date(timeIntervalSince1970: 1_793_614_500))
        #expect(Timestamp.parse("2028-02-29T00:00:00Z") != nil)  // a leap day
    }

    @Test(arguments: ["2026-02-30T10:00:00Z", "2027-02-29T10:00:00Z", "2026-04-31T10:00:00Z", "2026-11-02T24:00:00Z",
                      "2026-11-02T10:60:00Z", "2026-11-02T10:15:60Z", "2026-13-02T10:15:00Z", "2026-00-02T10:15:00Z",
                      "2026-11-02t10:15:00Z", "2026-11-02T10:15:00", "2026-11-02T10:15:00.5Z", "2026-11-02T10:15Z",
                      "2026-11-02T10:15:00+99:99", "2026-11-02T10:15:00GMT", " 2026-11-02T10:15:00Z", "2026-1-02T10:15:00Z",
                      "٢٠٢٦-11-02T10:15:00Z", ""])
    func whatDoesNotExistOrIsNotWrittenSoIsRefused(_ text: String) {
        #expect(Timestamp.parse(text) == nil, "\(text)")
    }
}
