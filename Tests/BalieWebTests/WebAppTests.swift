import BalieHTTP
import Foundation
import Testing
@testable import BalieWeb

@Suite struct WebAppTests {
    @Test func startPageIsDutchByDefault() throws {
        let browser = TestBrowser(try makeTestApp())
        let page = try browser.get("/")
        #expect(page.status == .ok)
        #expect(page.headers["Content-Type"] == "text/html; charset=utf-8")
        #expect(page.headers["Cache-Control"] == "no-store")
        #expect(page.text.contains(#"<html lang="nl" dir="ltr""#))
        #expect(page.text.contains("/kiosk/topics/digital-government"))
        #expect(browser.cookies["balie_visit"] != nil)
    }

    @Test func languageChoiceSticksUntilReset() throws {
        let browser = TestBrowser(try makeTestApp())
        let choice = try browser.get("/language?return=/kiosk/topics/banking")
        let token = try #require(choice.csrfToken)
        let chosen = try browser.post("/language", form: [("csrf", token), ("lang", "ar"), ("return", "/kiosk/topics/banking")])
        #expect(chosen.status == .seeOther)
        #expect(chosen.headers["Location"] == "/kiosk/topics/banking")
        #expect(try browser.get("/").text.contains(#"<html lang="ar" dir="rtl""#))
        // A GET only shows the button; nothing is reset by it.
        let page = try browser.get("/kiosk/reset")
        #expect(page.status == .ok)
        #expect(browser.cookies["balie_lang"] == "ar")
        let reset = try browser.post("/kiosk/reset", form: [("csrf", page.csrfToken ?? "")])
        #expect(reset.status == .seeOther)
        #expect(reset.headers["Clear-Site-Data"] != nil)
        #expect(browser.cookies.isEmpty)
        #expect(try browser.get("/").text.contains(#"<html lang="nl""#))
    }

    @Test func returnAddressesStayOnTheSite() {
        #expect(WebApp.safeReturnPath("//evil.example/") == "/")
        #expect(WebApp.safeReturnPath("https://evil.example/") == "/")
        #expect(WebApp.safeReturnPath("/\\evil") == "/")
        #expect(WebApp.safeReturnPath("/kiosk/topics/banking") == "/kiosk/topics/banking")
    }

    @Test func formWithoutValidTokenIsRefusedAndChangesNothing() throws {
        let app = try makeTestApp()
        let browser = TestBrowser(app)
        try browser.get("/")
        for form in [[("lang", "en")], [("csrf", "forged"), ("lang", "en")]] {
            let refused = try browser.post("/language", form: form)
            #expect(refused.status == .forbidden)
            #expect(refused.text.contains(#"lang="nl""#))
        }
        let call = try browser.post("/kiosk/call-staff", form: [("csrf", "forged")])
        #expect(call.status == .forbidden)
        #expect(try app.database.recentStaffCalls(branch: "main", limit: 5).isEmpty)
        #expect(browser.cookies["balie_lang"] == nil)
    }

    @Test func callingStaffIsRecorded() throws {
        let app = try makeTestApp()
        let browser = TestBrowser(app)
        let token = try #require(try browser.get("/kiosk/topics/banking").csrfToken)
        let done = try browser.post("/kiosk/call-staff", form: [("csrf", token), ("group", "banking")])
        #expect(done.status == .seeOther)
        #expect(done.headers["Location"] == "/kiosk/call-staff/done?group=banking")
        let calls = try app.database.recentStaffCalls(branch: "main", limit: 5)
        #expect(calls.map(\.group) == [.banking])
        #expect(calls.first?.kiosk == "test-kiosk")
        #expect(try browser.get("/kiosk/call-staff/done?group=banking").status == .ok)
        let bad = try browser.post("/kiosk/call-staff", form: [("csrf", token), ("group", "<script>")])
        #expect(bad.status == .badRequest)
        #expect(try app.database.recentStaffCalls(branch: "main", limit: 5).count == 1)
    }

    @Test func errorsArePagesOrProblemJSON() throws {
        let browser = TestBrowser(try makeTestApp())
        let page = try browser.get("/no-such-page")
        #expect(page.status == .notFound)
        #expect(page.headers["Content-Type"] == "text/html; charset=utf-8")
        let problem = try browser.get("/api/v1/nothing")
        #expect(problem.status == .notFound)
        #expect(problem.headers["Content-Type"] == "application/problem+json")
        #expect(problem.text.contains(#""type":"/problems/not-found""#))
        let wrongMethod = try browser.send("DELETE", "/healthz")
        #expect(wrongMethod.status == .methodNotAllowed)
        #expect(wrongMethod.headers["Allow"] == "GET, HEAD")
        #expect(try browser.get("/kiosk/topics/<b>").status == .notFound)
    }

    @Test func healthzProbesAFileDatabase() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("balie-\(UUID().uuidString).sqlite").path
        let health = try TestBrowser(try makeTestApp(databasePath: path)).get("/healthz")
        #expect(health.status == .ok)
        #expect(health.text == #"{"status":"ok"}"#)
        #expect(HealthProbe.status(after: CancellationError()) == "database-unavailable")
    }

    @Test func everyGetRouteRendersInEveryLanguage() throws {
        let app = try makeTestApp()
        for language in Localization.shippedLanguages {
            let browser = TestBrowser(app)
            browser.cookies["balie_lang"] = language
            for route in app.routeList where route.hasPrefix("GET ") {
                let path = String(route.dropFirst(4)).replacingOccurrences(of: ":group", with: "other")
                let response = try browser.get(path)
                #expect(response.status.code < 500, "\(route) in \(language)")
                #expect(response.headers["Content-Security-Policy"]?.contains("frame-ancestors 'none'") == true)
                if response.headers["Content-Type"]?.hasPrefix("text/html") == true {
                    #expect(response.text.contains(#"lang="\#(language)""#), "\(route) in \(language)")
                    #expect(!response.text.contains("{{") && !response.text.contains("errors."), "\(route) in \(language)")
                }
            }
        }
    }

    @Test func staticFilesAreFingerprintedAndNotPersonal() throws {
        let app = try makeTestApp()
        let browser = TestBrowser(app)
        let css = app.staticFiles.url(for: "css/balie.css")
        let response = try browser.get(css)
        #expect(response.status == .ok)
        #expect(response.headers["Cache-Control"] == StaticFiles.immutableCacheControl)
        #expect(response.headers["X-Content-Type-Options"] == "nosniff")
        #expect(browser.cookies.isEmpty)
    }
}

@Suite struct ErrorPageTests {
    @Test(arguments: Localization.shippedLanguages)
    func everyErrorKindHasAFriendlyPage(_ language: String) throws {
        let app = try makeTestApp()
        var headers = HTTPHeaders()
        headers.append("Cookie", "balie_lang=\(language)")
        let request = Request(method: "GET", path: "/x", headers: headers, requestID: "r-1")
        for kind in WebApp.errorKinds {
            let page = app.errorResponse(kind: kind, status: .internalServerError, detail: "TECHNICAL-DETAIL-7", request: request)
            #expect(page.status == .internalServerError)
            #expect(page.text.contains(#"lang="\#(language)""#))
            #expect(page.text.contains(app.localization.text("errors.\(kind).title", language)), "\(kind) in \(language)")
            #expect(!page.text.contains("TECHNICAL-DETAIL-7"), "technical detail must not reach the visitor")
        }
    }
}
