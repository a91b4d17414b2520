import BalieCore
import BalieHTTP
import Foundation
import Testing
@testable import BalieWeb

@Suite struct CustomerPageTests {
    func makeApp() throws -> (WebApp, TestBrowser) {
        let app = try makeTestApp()
        try addStaff(app, "anna", role: .staff)
        var customer = Customer(number: "100234", givenName: "Johanna", familyName: "de Vriës", birthDate: BirthDate(iso: "1948-03-07"),
                                postcode: "3512 AB", phone: "06-12345678", preferredChannel: .letter, language: "tr",
                                accessibilityNeeds: [.lowVision, .extraTime], formOfAddress: .female, note: "Komt met haar zoon.")
        customer = try app.sqlite.insertCustomer(customer)
        let id = customer.id!
        let base = Date(timeIntervalSince1970: 1_790_000_000)
        for (offset, channel, topic) in [(0.0, Channel.letter, "Aanslag"), (86_400, .chat, "Zorgtoeslag"), (172_800, .phone, "DigiD kwijt")] {
            try app.sqlite.insertContact(Contact(customerID: id, channel: channel, at: base + offset, topic: topic,
                                                   summary: "Samenvatting \(topic)", outcome: "uitgelegd", sourceSystem: "crm"))
        }
        try app.database.insertMessage(Message(customerID: id, title: "Voorlopige aanslag 2027", sentAt: base, isImportant: true, isRead: false))
        let browser = TestBrowser(app)
        #expect(try browser.signIn("anna").status == .seeOther)
        return (app, browser)
    }

    @Test func searchFindsByNameWithoutAccentsAndByPostcodeAndBirthDate() throws {
        let (app, browser) = try makeApp()
        let byName = try browser.get("/customers?q=de+vries")
        #expect(byName.status == .ok)
        #expect(byName.text.contains("/customers/100234"))
        #expect(try browser.get("/customers?q=100234").text.contains("/customers/100234"))
        #expect(try browser.get("/customers?postcode=3512ab&birth_date=7-3-1948").text.contains("/customers/100234"))
        #expect(try browser.get("/customers?postcode=3512ab&birth_date=").status == .unprocessableContent)
        #expect(try browser.get("/customers?q=").status == .unprocessableContent)
        let searches = try app.database.recentAudit(limit: 10).filter { $0.action == .customerSearched }
        #expect(searches.count == 3)
        #expect(searches.allSatisfy { $0.subject == nil && !($0.detail ?? "").contains("vries") })
    }

    @Test func threeSixtyPageShowsTheRecordAndLeavesOneAuditRow() throws {
        let (app, browser) = try makeApp()
        let page = try browser.get("/customers/100234")
        #expect(page.status == .ok)
        #expect(page.headers["Cache-Control"] == "no-store")
        let html = page.text
        #expect(html.contains("De Vriës"))
        #expect(html.contains("Voorlopige aanslag 2027"))
        #expect(html.contains("Komt met haar zoon."))
        let phone = try #require(html.range(of: "DigiD kwijt")), chat = try #require(html.range(of: "Zorgtoeslag"))
        let letter = try #require(html.range(of: "Aanslag</"))
        #expect(phone.lowerBound < chat.lowerBound && chat.lowerBound < letter.lowerBound, "newest first")
        #expect(html.contains(app.localization.text("needs.low_vision", "nl")))
        let views = try app.database.audit(subject: "100234")
        #expect(views.count == 1)
        #expect(views.first?.action == .customerViewed)
        #expect(views.first?.actorRole == .staff)
        try browser.get("/customers/100234")
        #expect(try app.database.audit(subject: "100234").count == 2)
    }

    @Test func consentIsRecordedWithWhoAndHow() throws {
        let (app, browser) = try makeApp()
        let page = try browser.get("/customers/100234")
        let done = try browser.post("/customers/100234/consents", form: [
            ("csrf", page.csrfToken ?? ""), ("purpose", "remote-viewing"), ("given", "true"), ("how", "on-screen"),
        ])
        #expect(done.status == .seeOther)
        let record = try #require(try app.database.customerRecord(number: "100234", recentContacts: 1))
        #expect(record.consents[.remoteViewing]?.consent.given == true)
        #expect(record.consents[.remoteViewing]?.recordedByName == "Test anna")
        #expect(try app.database.audit(subject: "100234").map(\.action) == [.customerViewed, .consentRecorded])
        let bad = try browser.post("/customers/100234/consents", form: [("csrf", page.csrfToken ?? ""), ("purpose", "x"), ("given", "true"), ("how", "paper")])
        #expect(bad.status == .badRequest)
    }

    @Test func unknownCustomerIs404AndRemoteStaffMayNotLook() throws {
        let (app, browser) = try makeApp()
        #expect(try browser.get("/customers/999999").status == .notFound)
        try addStaff(app, "yusuf", role: .remote)
        let remote = TestBrowser(app)
        try remote.signIn("yusuf")
        #expect(try remote.get("/customers/100234").status == .forbidden)
        #expect(try app.database.audit(subject: "100234").isEmpty)
    }

    @Test func greetingUsesFormOfAddressAndTimeOfDay() throws {
        let (app, _) = try makeApp()
        let customer = try #require(try app.database.customer(number: "100234"))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = app.configuration.timeZone
        let afternoon = calendar.date(from: DateComponents(year: 2026, month: 11, day: 23, hour: 14))!
        #expect(app.greeting(for: customer, language: "nl", at: afternoon).contains("De Vriës"))
        #expect(app.greeting(for: customer, language: "nl", at: afternoon).hasPrefix(
            app.localization.text("greetings.afternoon", "nl", ["name": ""]).trimmingCharacters(in: .whitespaces).prefix(5)))
    }

    @Test func contactHistoryPages() throws {
        let (_, browser) = try makeApp()
        let first = try browser.get("/customers/100234/contacts?page=1")
        #expect(first.status == .ok)
        #expect(first.text.contains("Zorgtoeslag"))
        #expect(try browser.get("/customers/100234/contacts?page=abc").status == .badRequest)
    }
}
