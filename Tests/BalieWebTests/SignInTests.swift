import BalieCore
import BalieHTTP
import BalieStore
import Foundation
import Testing
@testable import BalieWeb

@Suite struct SignInTests {
    @Test func wrongPasswordIsRefusedAndAudited() throws {
        let app = try makeTestApp()
        try addStaff(app, "anna", role: .staff)
        let browser = TestBrowser(app)
        let refused = try browser.signIn("anna", password: "not the password")
        #expect(refused.status == .unauthorized)
        #expect(refused.text.contains("aria-invalid"))
        #expect(browser.cookies[Authentication.cookieName] == nil)
        #expect(try app.database.recentAudit(limit: 1).first?.action == .signInFailed)
        #expect(try browser.get("/staff").status == .found)
    }

    @Test func rightPasswordGivesAFreshHashedTokenWithStrictCookie() throws {
        let app = try makeTestApp()
        try addStaff(app, "anna", role: .staff)
        let browser = TestBrowser(app)
        let signedIn = try browser.signIn("anna")
        #expect(signedIn.status == .seeOther)
        #expect(signedIn.headers["Location"] == "/staff")
        let cookie = try #require(signedIn.headers.values("Set-Cookie").first { $0.hasPrefix("balie_session=") })
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"))
        #expect(!cookie.contains("Secure"))
        let first = try #require(browser.cookies[Authentication.cookieName])
        #expect(first.count == 43)
        #expect(try app.database.session(tokenHash: SecretHash.of(first)) != nil)
        let home = try browser.get("/staff")
        #expect(home.status == .ok)
        #expect(home.text.contains("Test anna"))
        #expect(home.headers["Cache-Control"] == "no-store")
        // Signing in again rotates the token and ends the old session.
        try browser.signIn("anna")
        let second = try #require(browser.cookies[Authentication.cookieName])
        #expect(second != first)
        #expect(try app.database.session(tokenHash: SecretHash.of(first)) == nil)
        #expect(try app.database.recentAudit(limit: 1).first?.action == .signIn)
    }

    @Test func secureCookieBehindTLSProxy() throws {
        let app = try makeTestApp { $0.behindTLSProxy = true }
        try addStaff(app, "anna", role: .staff)
        let response = try TestBrowser(app).signIn("anna")
        #expect(response.headers.values("Set-Cookie").contains { $0.hasPrefix("balie_session=") && $0.contains("; Secure") })
        #expect(response.headers["Strict-Transport-Security"] != nil)
    }

    func backdate(_ app: WebApp, _ browser: TestBrowser, created: TimeInterval, seen: TimeInterval) throws {
        let hash = SecretHash.of(browser.cookies[Authentication.cookieName]!)
        var session = try #require(try app.database.session(tokenHash: hash))
        try app.database.deleteSession(tokenHash: hash)
        session.createdAt = Date().addingTimeInterval(-created)
        session.lastSeenAt = Date().addingTimeInterval(-seen)
        try app.database.insertSession(session)
    }

    /// (seconds since sign-in, seconds since the last request): past the idle limit, past the absolute one.
    static let expiredAges: [(TimeInterval, TimeInterval)] = [(60, 901), (36_001, 5)]

    @Test(arguments: expiredAges)
    func idleAndAbsoluteExpiry(created: TimeInterval, seen: TimeInterval) throws {
        let app = try makeTestApp()
        try addStaff(app, "anna", role: .staff)
        let browser = TestBrowser(app)
        try browser.signIn("anna")
        try backdate(app, browser, created: created, seen: seen)
        let expired = try browser.get("/staff")
        #expect(expired.status == .found)
        #expect(expired.headers["Location"]?.hasPrefix("/sign-in?return=/staff") == true)
        #expect(expired.headers["Location"]?.hasSuffix("expired=1") == true)
        #expect(browser.cookies[Authentication.cookieName] == nil)
        #expect(try app.database.recentAudit(limit: 1).first?.action == .sessionExpired)
    }

    @Test func shortenedIdleSettingExpiresForReal() throws {
        let app = try makeTestApp { $0.sessionPolicy.idleTimeout = 1 }
        try addStaff(app, "anna", role: .staff)
        let browser = TestBrowser(app)
        try browser.signIn("anna")
        #expect(try browser.get("/staff").status == .ok)
        Thread.sleep(forTimeInterval: 1.2)
        #expect(try browser.get("/staff").status == .found)
    }

    @Test func formsWithoutTheSessionTokenChangeNothing() throws {
        let app = try makeTestApp()
        try addStaff(app, "anna", role: .staff)
        let browser = TestBrowser(app)
        try browser.signIn("anna")
        let token = try #require(browser.cookies[Authentication.cookieName])
        let refused = try browser.post("/lock", form: [("csrf", "forged")])
        #expect(refused.status == .forbidden)
        #expect(try app.database.session(tokenHash: SecretHash.of(token)) != nil)
        // The anonymous visit's token is not valid for the signed-in session either.
        let visitToken = Visit.csrfToken(visitID: browser.cookies[Visit.idCookie]!, key: app.csrfKey)
        #expect(try browser.post("/sign-out", form: [("csrf", visitToken)]).status == .forbidden)
        #expect(try app.database.session(tokenHash: SecretHash.of(token)) != nil)
    }

    @Test func lockEndsTheSessionAndShowsCustomerMode() throws {
        let app = try makeTestApp()
        try addStaff(app, "anna", role: .staff)
        let browser = TestBrowser(app)
        try browser.signIn("anna")
        let token = try #require(browser.cookies[Authentication.cookieName])
        let home = try browser.get("/staff")
        let locked = try browser.post("/lock", form: [("csrf", home.csrfToken ?? "")])
        #expect(locked.status == .seeOther)
        #expect(locked.headers["Location"] == "/")
        #expect(locked.headers["Clear-Site-Data"]?.contains("cookies") == true)
        #expect(try app.database.session(tokenHash: SecretHash.of(token)) == nil)
        #expect(try app.database.recentAudit(limit: 1).first?.action == .lock)
        #expect(try browser.get("/staff").status == .found)
    }

    @Test func signOutClearsSiteData() throws {
        let app = try makeTestApp()
        try addStaff(app, "anna", role: .staff)
        let browser = TestBrowser(app)
        try browser.signIn("anna")
        let home = try browser.get("/staff")
        let out = try browser.post("/sign-out", form: [("csrf", home.csrfToken ?? "")])
        #expect(out.status == .seeOther)
        #expect(out.headers["Location"] == "/sign-in?signed_out=1")
        #expect(out.headers["Clear-Site-Data"] == "\"cache\", \"cookies\", \"storage\"")
        #expect(browser.cookies[Authentication.cookieName] == nil)
        #expect(try app.database.recentAudit(limit: 1).first?.action == .signOut)
    }

    @Test func fiveFailuresLockTheUsername() throws {
        let app = try makeTestApp()
        try addStaff(app, "anna", role: .staff)
        try addStaff(app, "bram", role: .staff)
        let browser = TestBrowser(app)
        for _ in 0..<5 { #expect(try browser.signIn("anna", password: "wrong password here").status == .unauthorized) }
        let throttled = try browser.signIn("anna")
        #expect(throttled.status == .tooManyRequests)
        #expect(browser.cookies[Authentication.cookieName] == nil)
        #expect(try app.database.recentAudit(limit: 1).first?.action == .signInThrottled)
        // Another username from the same address is not locked by these five.
        #expect(try browser.signIn("bram").status == .seeOther)
    }

    @Test func failuresFromOneAddressAreLimitedToo() throws {
        let app = try makeTestApp { $0.signInThrottle.maxFailuresPerAddress = 3 }
        try addStaff(app, "anna", role: .staff)
        let browser = TestBrowser(app)
        for name in ["x1", "x2", "x3"] { #expect(try browser.signIn(name, password: "wrong password here").status == .unauthorized) }
        #expect(try browser.signIn("anna").status == .tooManyRequests)
    }

    @Test func disabledAccountCannotSignIn() throws {
        let app = try makeTestApp()
        try addStaff(app, "anna", role: .staff, active: false)
        #expect(try TestBrowser(app).signIn("anna").status == .unauthorized)
    }

    @Test func weakerHashIsUpgradedAtSignIn() throws {
        let app = try makeTestApp { $0.passwordHasher = PasswordHasher(memoryKiB: 512, iterations: 2, lanes: 1) }
        try addStaff(app, "anna", role: .staff)
        #expect(try TestBrowser(app).signIn("anna").status == .seeOther)
        let upgraded = try #require(try app.database.staff(username: "anna"))
        #expect(upgraded.passwordHash.hasPrefix("$argon2id$v=19$m=512,t=2,p=1$"))
    }

    @Test(arguments: [
        String(repeating: "a", count: 10_000), "anna\u{0}", "an\u{7}na", "  ", "anna<script>", "ánna",
    ])
    func badUsernamesGetAClearMessage(_ username: String) throws {
        let app = try makeTestApp()
        let response = try TestBrowser(app).signIn(username)
        // A NUL byte is refused by the form decoder (400 page); the others come back to the form with a message.
        #expect([400, 401, 422].contains(response.status.code))
        #expect(response.text.contains(response.status == .badRequest ? "lang=\"nl\"" : "error-summary"))
        #expect(!response.text.contains("<script>"))
    }

    @Test func tooLongPasswordIsRefusedBeforeHashing() throws {
        let app = try makeTestApp()
        try addStaff(app, "anna", role: .staff)
        let response = try TestBrowser(app).signIn("anna", password: String(repeating: "p", count: 100_000))
        #expect(response.status == .unprocessableContent)
    }

    @Test func nothingSecretIsStoredInClear() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("secrets-\(UUID().uuidString).sqlite").path
        let app = try makeTestApp(databasePath: path)
        try addStaff(app, "anna", role: .staff)
        let browser = TestBrowser(app)
        try browser.signIn("anna")
        try browser.signIn("anna", password: "a typed wrong password")
        try browser.signIn("anna")
        let token = try #require(browser.cookies[Authentication.cookieName])
        var bytes = Data()
        for file in [path, path + "-wal"] { bytes += (FileManager.default.contents(atPath: file) ?? Data()) }
        #expect(bytes.count > 0)
        for secret in [testPassword, "a typed wrong password", token] {
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) is stored in clear")
        }
        #expect(bytes.range(of: Data(SecretHash.of(token).utf8)) != nil)
    }
}
