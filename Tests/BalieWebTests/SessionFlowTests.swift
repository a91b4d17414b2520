import BalieCore
import BalieHTTP
import Foundation
import Testing
@testable import BalieWeb

@Suite struct SessionFlowTests {
    struct Setup {
        let app: WebApp
        let browser: TestBrowser
        let customerID: Int64
    }

    func setUp(consent: Bool) throws -> Setup {
        let app = try makeTestApp()
        try addStaff(app, "anna", role: .staff)
        let customer = try app.sqlite.insertCustomer(Customer(number: "100234", givenName: "Fatma", familyName: "Yılmaz", language: "tr"))
        if consent {
            try app.database.recordConsent(Consent(customerID: customer.id!, purpose: .sessionLog, given: true, at: Date(), recordedBy: nil, method: .inPerson))
        }
        try app.database.insertMessage(Message(customerID: customer.id!, title: "Voorlopige aanslag", sentAt: Date(), isImportant: true, isRead: false))
        let browser = TestBrowser(app)
        #expect(try browser.signIn("anna").status == .seeOther)
        return Setup(app: app, browser: browser, customerID: customer.id!)
    }

    /// Posts a form of the current session page.
    func post(_ setup: Setup, _ path: String, _ fields: [(String, String)]) throws -> Response {
        let page = try setup.browser.get("/staff")
        return try setup.browser.post(path, form: [("csrf", page.csrfToken ?? "")] + fields)
    }

    func start(_ setup: Setup, customer: String?) throws -> Int64 {
        let response = try post(setup, "/sessions", customer.map { [("customer", $0)] } ?? [])
        #expect(response.status == .seeOther)
        return Int64(response.headers["Location"]!.split(separator: "/").last!)!
    }

    @Test func identifiedSessionWithTwoTasksLandsInTheRecord() throws {
        let setup = try setUp(consent: true)
        let id = try start(setup, customer: "100234")
        #expect(try setup.browser.get("/sessions/\(id)").status == .ok)
        #expect(try post(setup, "/sessions/\(id)/tasks", [("task", "tax-return")]).status == .seeOther)
        #expect(try post(setup, "/sessions/\(id)/tasks", [("task", "mobile-banking")]).status == .seeOther)
        let session = try #require(try setup.app.database.session(id: id))
        let (tax, bank) = (session.tasks[0].id!, session.tasks[1].id!)
        #expect(try post(setup, "/sessions/\(id)/tasks/\(bank)/steps", [("description", "App geïnstalleerd"), ("actor", "customer-with-help"), ("reason", "")]).status == .seeOther)
        #expect(try post(setup, "/sessions/\(id)/tasks/\(bank)/steps", [("description", "Code ingevoerd"), ("actor", "staff-on-behalf"), ("reason", "")]).status == .unprocessableContent)
        #expect(try post(setup, "/sessions/\(id)/tasks/\(bank)/finish", [("outcome", "resolved")]).status == .seeOther)
        #expect(try post(setup, "/sessions/\(id)/handover", []).status == .unprocessableContent, "one task has no outcome yet")
        #expect(try post(setup, "/sessions/\(id)/tasks/\(tax)/finish", [("outcome", "referred"), ("partner", "belastingdienst"), ("detail", "Aanslag en brief meegegeven")]).status == .seeOther)
        let message = try #require(try setup.app.database.customerRecord(number: "100234", recentContacts: 5)?.unreadImportantMessages.first)
        #expect(try post(setup, "/sessions/\(id)/messages/\(message.id!)/read", []).status == .seeOther)
        // Staff cannot give the effort score for the customer before the screen is turned.
        #expect(try post(setup, "/sessions/\(id)/feedback", [("effort", "7")]).status == .seeOther)
        #expect(try setup.app.database.session(id: id)?.effortScore == nil)
        #expect(try post(setup, "/sessions/\(id)/handover", [("channel_advice", "phone")]).status == .seeOther)
        let feedback = try setup.browser.get("/sessions/\(id)/feedback")
        #expect(feedback.text.contains(#"lang="tr""#), "turned to the customer in their language")
        #expect(try post(setup, "/sessions/\(id)/feedback", [("effort", "6"), ("self_reliance", "with-a-little-help")]).status == .seeOther)
        let closed = try #require(try setup.app.database.session(id: id))
        #expect(closed.phase == .closed && closed.effortScore == 6 && closed.selfReliance == .withALittleHelp && closed.channelAdvice == .phone)
        let record = try #require(try setup.app.database.customerRecord(number: "100234", recentContacts: 10))
        #expect(record.recentContacts.filter { $0.channel == .kioskAssisted }.count == 2, "the session and the message read together")
        #expect(record.unreadImportantMessages.isEmpty)
        let summary = try setup.browser.get("/sessions/\(id)/summary")
        #expect(summary.status == .ok && summary.text.contains("Belastingdienst"))
        #expect(try setup.browser.get("/customers/100234").text.contains(setup.app.localization.text("actors.customer_with_help", "nl")))
    }

    @Test func withoutConsentNothingPersonalIsKept() throws {
        let setup = try setUp(consent: false)
        let id = try start(setup, customer: "100234")
        #expect(try setup.app.database.session(id: id)?.customerID == nil)
        try post(setup, "/sessions/\(id)/tasks", [("task", "pay-bill")])
        let task = try #require(try setup.app.database.session(id: id)?.tasks.first?.id)
        try post(setup, "/sessions/\(id)/tasks/\(task)/steps", [("description", "Rekening van Fatma betaald"), ("actor", "customer-alone")])
        try post(setup, "/sessions/\(id)/notes", [("text", "Woont bij haar dochter")])
        try post(setup, "/sessions/\(id)/tasks/\(task)/finish", [("outcome", "resolved")])
        try post(setup, "/sessions/\(id)/handover", [])
        try post(setup, "/sessions/\(id)/feedback", [("skip", "1")])
        let closed = try #require(try setup.app.database.session(id: id))
        #expect(closed.phase == .closed && closed.customerID == nil && closed.effortScore == nil)
        #expect(closed.steps.map(\.description) == [""] && closed.steps.first?.actor == .customerAlone)
        #expect(closed.notes.isEmpty)
        #expect(try setup.app.database.customerRecord(number: "100234", recentContacts: 10)?.contactCount == 0)
    }

    @Test func consentWithdrawnDuringTheSessionKeepsItOutOfTheRecord() throws {
        let setup = try setUp(consent: true)
        let id = try start(setup, customer: "100234")
        try post(setup, "/sessions/\(id)/tasks", [("task", "pay-bill")])
        let task = try #require(try setup.app.database.session(id: id)?.tasks.first?.id)
        try post(setup, "/sessions/\(id)/tasks/\(task)/finish", [("outcome", "resolved")])
        try post(setup, "/customers/100234/consents", [("purpose", "session-log"), ("given", "false"), ("how", "in-person")])
        try post(setup, "/sessions/\(id)/handover", [])
        try post(setup, "/sessions/\(id)/feedback", [("effort", "5")])
        let closed = try #require(try setup.app.database.session(id: id))
        #expect(closed.phase == .closed && closed.customerID == nil && closed.effortScore == 5)
        #expect(try setup.app.database.customerRecord(number: "100234", recentContacts: 10)?.contactCount == 0)
    }

    @Test func anonymousSessionFromStaffHome() throws {
        let setup = try setUp(consent: true)
        let id = try start(setup, customer: nil)
        #expect(try setup.app.database.session(id: id)?.customerID == nil)
        #expect(try setup.browser.get("/staff").text.contains("/sessions/\(id)"), "open sessions are listed to resume")
    }

    @Test func unknownTaskAndBadOutcomesAreRefusedClearly() throws {
        let setup = try setUp(consent: true)
        let id = try start(setup, customer: "100234")
        #expect(try post(setup, "/sessions/\(id)/tasks", [("task", "<script>")]).status == .unprocessableContent)
        try post(setup, "/sessions/\(id)/tasks", [("task", "tax-return")])
        let task = try #require(try setup.app.database.session(id: id)?.tasks.first?.id)
        #expect(try post(setup, "/sessions/\(id)/tasks/\(task)/finish", [("outcome", "referred"), ("partner", "bank"), ("detail", "x")]).status == .unprocessableContent)
        #expect(try post(setup, "/sessions/\(id)/tasks/\(task)/finish", [("outcome", "follow-up"), ("who", "Anna"), ("due", "2020-01-01"), ("channel", "phone")]).status == .unprocessableContent)
        #expect(try setup.browser.get("/sessions/999999").status == .notFound)
    }
}
