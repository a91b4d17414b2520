import BalieCore
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

    /// Every GET route signed in, as each of staff, supervisor, admin and remote that the route lets in, in every
    /// language: 200 (after the route's own redirects, such as /display to the branch's display) with the page in that
    /// language and no missing translation. The objects a route names are there in the state its page shows, those
    /// turned to the customer in the language being tried: a handed-over session for the feedback page, a closed one
    /// for the summary (and enough of them for the insights), a help request of the user's own for the kiosk's help
    /// page, and for a remote helper one of a colleague's that they accepted. API routes once per language, with a
    /// bearer token of every scope.
    @Test func everyGetRouteRendersSignedInInEveryLanguage() throws {
        let app = try makeTestApp { $0.insightsMinimumGroup = 2 }
        let fixture = try EveryRouteFixture(app)
        let target = try #require(try app.database.staff(username: "target")?.id)
        func session(_ language: String) throws -> Int64 {
            try #require(try app.database.createSession(AssistedSession(customerID: nil, staffID: target, kiosk: "test-kiosk", branch: "main",
                                                                        startedAt: Date(), language: language)).id)
        }
        func help(by staffID: Int64, _ language: String) throws -> Int64 {
            try #require(try app.database.createHelpRequest(HelpRequest(kiosk: "test-kiosk", branch: "main", topic: "Rekening", sessionID: nil,
                                                                        requestedBy: staffID, requesterKey: nil, language: language, createdAt: Date())).id)
        }
        var feedbackSession: [String: Int64] = [:], closedSession: [String: Int64] = [:]
        for language in Localization.shippedLanguages {
            feedbackSession[language] = try session(language)
            try app.database.handOver(sessionID: feedbackSession[language]!, channelAdvice: nil)
            closedSession[language] = try session(language)
            try app.database.handOver(sessionID: closedSession[language]!, channelAdvice: nil)
            try app.database.closeSession(sessionID: closedSession[language]!, effortScore: 6, selfReliance: .yes, at: Date(), contact: nil, followUps: [])
        }
        let token = SecureRandom.token()
        _ = try app.database.insertToken(ApiToken(name: "render", scopes: Set(ApiScope.allCases), branches: .all,
                                                  tokenHash: SecretHash.of(token), createdAt: Date()))
        let queries = ["GET /api/v1/customers": "?q=Fatma", "GET /api/v1/customers-by-postcode": "?postcode=1234AB&birth_date=1948-03-07",
                       "GET /insights.csv": "?table=outcomes"]
        let sections = Set(app.localization.table("nl").keys).joined(separator: "|")
        // A key shown as itself (what `Localization.text` falls back to when no language has it): "session.title".
        let untranslated = try Regex("(?:^|[^\\w./#@-])((?:\(sections))(?:\\.[a-z0-9_]+)+)(?![\\w/(-])")
        var rendered = 0
        for role in [StaffRole.staff, .supervisor, .admin, .remote] {
            let user = try #require(try app.database.staff(username: "user-\(role.rawValue)")?.id)
            let helping = try help(by: target, "nl")
            for language in Localization.shippedLanguages {
                let mine = try help(by: user, language)
                let browser = TestBrowser(app)
                browser.cookies["balie_lang"] = language
                #expect(try browser.signIn("user-\(role.rawValue)").status == .seeOther)
                if [.supervisor, .remote].contains(role) && language == Localization.shippedLanguages[0] {
                    let list = try browser.get("/remote")
                    #expect(try browser.post("/remote/requests/\(helping)/accept", form: [("csrf", list.csrfToken ?? "")]).status == .seeOther)
                }
                for route in app.routeList where route.hasPrefix("GET ") {
                    guard app.allowedRoles(route)?.contains(role) ?? true else { continue }
                    // A remote colleague sees no walk-in ticket (BranchAccessMatrixTests): refused as "not found".
                    if route == "GET /queue/tickets/:id" && role == .remote { continue }
                    let isAPI = route.hasPrefix("GET /api/")
                    if isAPI && role != .staff { continue }
                    let id: Int64? = route.hasSuffix("/feedback") ? feedbackSession[language] : route.hasSuffix("/summary") ? closedSession[language]
                        : route.contains("/remote/requests/") ? helping : route.contains("/help/") ? mine : nil
                    browser.extraHeaders = isAPI ? [("Authorization", "Bearer \(token)")] : []
                    var response = try browser.get(fixture.path(route, id: id) + (queries[route] ?? ""))
                    for _ in 0..<3 where [302, 303].contains(response.status.code) {
                        response = try browser.get(try #require(response.headers["Location"]))
                    }
                    let label = "\(route) as \(role.rawValue) in \(language)"
                    #expect(response.status == .ok, "\(label): \(response.status.code) \(response.text.prefix(200))")
                    if response.headers["Content-Type"]?.hasPrefix("text/html") == true {
                        let page = response.text
                        #expect(page.contains(#"lang="\#(language)""#), "\(label)")
                        #expect(!page.contains("{{"), "\(label)")
                        let keys = page.matches(of: untranslated).compactMap { $0.output[1].substring.map(String.init) }
                        #expect(keys.isEmpty, "\(label): \(Set(keys).sorted())")
                    }
                    rendered += 1
                }
            }
        }
        #expect(rendered > 4 * 6 * 30)
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
