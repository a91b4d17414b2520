import BalieCore
import BalieHTTP
import Foundation
import Testing
@testable import BalieWeb

/// Remote support in the application: who sees a help request, the customer's answer stored as a
/// consent, what the colleague may do, and the end on both sides. The real server and the live
/// streams are tested end to end in Tests/e2e/test_remote.py.
@Suite struct HelpTests {
    struct Setup {
        let app: WebApp
        let kiosk: TestBrowser
        let remote: TestBrowser
        let sessionID: Int64
        let taskID: Int64
    }

    func setUp() throws -> Setup {
        let app = try makeTestApp()
        try addStaff(app, "anna", role: .staff)
        try addStaff(app, "remco", role: .remote)
        try addStaff(app, "rita", role: .remote)
        let customer = try app.sqlite.insertCustomer(Customer(number: "100234", givenName: "Fatma", familyName: "Yılmaz", language: "tr"))
        try app.database.recordConsent(Consent(customerID: customer.id!, purpose: .sessionLog, given: true, at: Date(), recordedBy: nil, method: .inPerson))
        let kiosk = TestBrowser(app)
        #expect(try kiosk.signIn("anna").status == .seeOther)
        let remote = TestBrowser(app)
        #expect(try remote.signIn("remco").status == .seeOther)
        let started = try post(kiosk, "/sessions", [("customer", "100234")])
        let sessionID = Int64(started.headers["Location"]!.split(separator: "/").last!)!
        #expect(try post(kiosk, "/sessions/\(sessionID)/tasks", [("task", "mobile-banking")]).status == .seeOther)
        let taskID = try #require(try app.database.session(id: sessionID)?.tasks.first?.id)
        return Setup(app: app, kiosk: kiosk, remote: remote, sessionID: sessionID, taskID: taskID)
    }

    func post(_ browser: TestBrowser, _ path: String, _ fields: [(String, String)]) throws -> Response {
        let page = try browser.get(browser.cookies["balie_session"] == nil ? "/" : "/staff")
        return try browser.post(path, form: [("csrf", page.csrfToken ?? "")] + fields)
    }

    func requestHelp(_ setup: Setup) throws -> Int64 {
        let asked = try post(setup.kiosk, "/sessions/\(setup.sessionID)/help", [])
        #expect(asked.status == .seeOther)
        return Int64(asked.headers["Location"]!.split(separator: "/").last!)!
    }

    @Test func consentYesLetsTheColleagueFollowAndAct() throws {
        let setup = try setUp()
        let id = try requestHelp(setup)
        #expect(try setup.remote.get("/remote").text.contains("/remote/requests/\(id)/accept"))
        // Before accepting, the colleague cannot see the request.
        #expect(try setup.remote.get("/remote/requests/\(id)").status == .notFound)
        #expect(try post(setup.remote, "/remote/requests/\(id)/accept", []).headers["Location"] == "/remote/requests/\(id)")
        // A second colleague is too late.
        let rita = TestBrowser(setup.app)
        try rita.signIn("rita")
        #expect(try post(rita, "/remote/requests/\(id)/accept", []).headers["Location"] == "/remote?taken=1")
        // Accepted, not yet answered: the colleague sees no session.
        let waiting = try setup.remote.get("/remote/requests/\(id)")
        #expect(waiting.status == .ok && !waiting.text.contains("live-session"))
        // The kiosk asks in the customer's language (Turkish), naming the colleague.
        let question = try setup.kiosk.get("/help/\(id)")
        #expect(question.text.contains(#"lang="tr""#) && question.text.contains("Test remco"))
        #expect(try post(setup.kiosk, "/help/\(id)/consent", [("answer", "yes")]).status == .seeOther)
        let customerID = try #require(try setup.app.database.customer(number: "100234")?.id)
        #expect(try setup.app.database.hasConsent(customerID: customerID, purpose: .remoteViewing))
        let live = try setup.remote.get("/remote/requests/\(id)")
        #expect(live.text.contains("live-session"))
        #expect(try post(setup.remote, "/remote/requests/\(id)/messages", [("text", "Tik op Inloggen")]).status == .seeOther)
        #expect(try post(setup.remote, "/remote/requests/\(id)/messages", [("text", String(repeating: "x", count: 501))]).status == .unprocessableContent)
        #expect(try post(setup.remote, "/remote/requests/\(id)/steps",
                         [("task", String(setup.taskID)), ("description", "Wachtwoord hersteld"), ("actor", "customer-with-help")]).status == .seeOther)
        #expect(try post(setup.remote, "/remote/requests/\(id)/notes", [("text", "Klant had de brief niet bij zich")]).status == .seeOther)
        #expect(try setup.kiosk.get("/help/\(id)").text.contains("Tik op Inloggen"))
        let session = try #require(try setup.app.database.session(id: setup.sessionID))
        #expect(session.steps.map(\.description) == ["Wachtwoord hersteld"] && session.notes.map(\.text) == ["Klant had de brief niet bij zich"])
        // The customer ends it: the colleague can do nothing more.
        #expect(try post(setup.kiosk, "/help/\(id)/end", []).status == .seeOther)
        #expect(try setup.app.database.helpRequest(id: id)?.status == .ended)
        #expect(try post(setup.remote, "/remote/requests/\(id)/messages", [("text", "Nog iets")]).status == .unprocessableContent)
        #expect(!(try setup.remote.get("/remote/requests/\(id)").text.contains("live-session")))
        let kinds = try setup.app.database.helpEvents(requestID: id).map(\.kind)
        #expect(kinds.starts(with: [.requested, .accepted, .consentGiven]) && kinds.contains(.viewed) && kinds.last == .ended)
        let audited = Set(try setup.app.database.audit(subject: "100234").map(\.action))
        #expect(audited.isSuperset(of: [.helpRequested, .helpAccepted, .consentRecorded, .remoteViewed, .remoteMessageSent,
                                        .remoteStepAdded, .remoteNoteAdded, .remoteViewingEnded]))
    }

    @Test func consentNoShowsTheColleagueNothing() throws {
        let setup = try setUp()
        let id = try requestHelp(setup)
        _ = try post(setup.remote, "/remote/requests/\(id)/accept", [])
        #expect(try post(setup.kiosk, "/help/\(id)/consent", [("answer", "no")]).status == .seeOther)
        #expect(try setup.app.database.helpRequest(id: id)?.status == .declined)
        let customerID = try #require(try setup.app.database.customer(number: "100234")?.id)
        #expect(!(try setup.app.database.hasConsent(customerID: customerID, purpose: .remoteViewing)))
        #expect(!(try setup.remote.get("/remote/requests/\(id)").text.contains("live-session")))
        #expect(try post(setup.remote, "/remote/requests/\(id)/notes", [("text", "x")]).status == .unprocessableContent)
    }

    @Test func withdrawingConsentEndsTheViewingAtOnce() throws {
        let setup = try setUp()
        let id = try requestHelp(setup)
        _ = try post(setup.remote, "/remote/requests/\(id)/accept", [])
        _ = try post(setup.kiosk, "/help/\(id)/consent", [("answer", "yes")])
        #expect(try post(setup.kiosk, "/customers/100234/consents", [("purpose", "remote-viewing"), ("given", "false"), ("how", "in-person")]).status == .seeOther)
        let help = try #require(try setup.app.database.helpRequest(id: id))
        #expect(help.status == .ended && help.endedBy == .consentWithdrawn)
    }

    @Test func onlyTheKioskThatAskedSeesTheRequest() throws {
        let setup = try setUp()
        let id = try requestHelp(setup)
        #expect(try setup.kiosk.get("/help/\(id)").status == .ok)
        #expect(try TestBrowser(setup.app).get("/help/\(id)").status == .notFound)
        #expect(try setup.remote.get("/help/\(id)").status == .notFound)
        // Customer mode: the visit that asked, and no other.
        let visitor = TestBrowser(setup.app)
        let asked = try post(visitor, "/kiosk/help", [("group", "banking")])
        let location = try #require(asked.headers["Location"])
        #expect(try visitor.get(location).status == .ok)
        #expect(try TestBrowser(setup.app).get(location).status == .notFound)
        // The screen resets between customers: what the visitor asked for ends.
        _ = try post(visitor, "/kiosk/reset", [])
        let customerModeID = Int64(location.split(separator: "/").last!)!
        #expect(try setup.app.database.helpRequest(id: customerModeID)?.status == .cancelled)
    }

    @Test func aKioskCannotFloodTheColleagues() throws {
        let setup = try setUp()
        let visitor = TestBrowser(setup.app)
        for _ in 0..<HelpRules.maxOpenPerKiosk { #expect(try post(visitor, "/kiosk/help", []).status == .seeOther) }
        #expect(try post(visitor, "/kiosk/help", []).status == .tooManyRequests)
    }

    @Test func aFifthStreamOfOneUserReplacesTheOldest() throws {
        let channels = HelpChannels()
        var streams: [ResponseStream] = []
        for _ in 0..<HelpChannels.maxStreamsPerUser + 1 {
            guard case .stream(let stream) = channels.subscribe(requestID: 7, user: "staff:1", lastEventID: nil) else {
                Issue.record("a stream was refused")
                return
            }
            streams.append(stream)
        }
        // The oldest (a page the browser may well have left) is ended; the others stay.
        #expect(streams[0].isClosed && streams.dropFirst().allSatisfy { !$0.isClosed })
        #expect(channels.streamCount == HelpChannels.maxStreamsPerUser)
        guard case .stream = channels.subscribe(requestID: 7, user: "staff:2", lastEventID: nil) else {
            Issue.record("another user was refused")
            return
        }
        #expect(channels.streamCount == HelpChannels.maxStreamsPerUser + 1)
    }

    @Test func aPageStartsItsStreamFromTheNewestEventWhenItWasRendered() throws {
        let channels = HelpChannels()
        let since = channels.lastEventID(requestID: 3)
        channels.publish(requestID: 3, name: "state", data: "{\"status\":\"accepted\"}")
        guard case .stream(let stream) = channels.subscribe(requestID: 3, user: "visit:x", lastEventID: since) else {
            Issue.record("refused")
            return
        }
        #expect(!stream.isClosed && channels.lastEventID(requestID: 3) == since + 1)
    }
}
