import BalieCore
import BalieHTTP
import Foundation
import Testing
@testable import BalieWeb

/// A form post must come from one of our own pages; what browsers send to say so differs (our pages send no
/// referrer, so Chromium posts them with `Origin: null` and Fetch Metadata).
@Suite struct FormOriginTests {
    private func signIn(with headers: [(String, String)]) throws -> (WebApp, Response) {
        let app = try makeTestApp()
        try addStaff(app, "anna", role: .staff)
        let browser = TestBrowser(app)
        browser.extraHeaders = headers
        return (app, try browser.signIn("anna"))
    }

    @Test func chromiumsOwnPostIsAccepted() throws {
        let (_, response) = try signIn(with: [("Host", "balie.test"), ("Origin", "null"), ("Sec-Fetch-Site", "same-origin")])
        #expect(response.status == .seeOther && response.headers["Location"] == "/staff")
    }

    @Test func aMatchingOriginWithoutFetchMetadataIsAccepted() throws {
        let (_, response) = try signIn(with: [("Host", "balie.test"), ("Origin", "http://balie.test")])
        #expect(response.status == .seeOther)
    }

    @Test(arguments: [
        [("Sec-Fetch-Site", "cross-site"), ("Origin", "null")],
        [("Sec-Fetch-Site", "same-site"), ("Origin", "https://other.balie.test")],
        [("Origin", "https://evil.example")],
        [("Origin", "null")],
        [("Referer", "https://evil.example/form")],
        [("Referer", "http://balie.test.evil.example/")],
    ])
    func aPostFromElsewhereIsRefusedAndSignsNobodyIn(_ headers: [(String, String)]) throws {
        let (app, response) = try signIn(with: [("Host", "balie.test")] + headers)
        #expect(response.status == .forbidden, "\(headers)")
        #expect(response.headers.values("Set-Cookie").allSatisfy { !$0.hasPrefix(Authentication.cookieName + "=") })
        #expect(try app.database.recentAudit(limit: 5).allSatisfy { $0.action != .signIn })
    }
}
