import BalieCore
import BalieHTTP
import Foundation
import Testing
@testable import BalieWeb

/// Typed page models (issue #20): every converted page renders from its example model in every language, signed in
/// and not, exactly as the Mustache library renders the same values from dictionaries; every name its template uses
/// is a field of the model.
@Suite struct TypedPageTests {
    private typealias Support = TypedPageSupport

    static func customerPage(language: String, signedIn: Bool, full: Bool) -> CustomerPage {
        let contact = ContactItem(when: "1 december 2026 10:15", channelName: "Telefoon", channelIcon: "phone", topic: Support.tricky,
                                  summary: "Uitgelegd <b>niet</b> vet", outcome: "opgelost", source: "crm & co")
        return CustomerPage(
            layout: Support.layout(language: language, signedIn: signedIn), greeting: "Goedemorgen \(Support.tricky)",
            customer: .init(number: "100234", fullName: Support.tricky, birthDate: "7 maart 1948", postcode: "1011 AB", phone: "+31 6 1234",
                            email: "a&b@example.nl", preferredChannelName: "Brief", languageName: "Türkçe",
                            note: full ? "Hoort slecht; \"langzaam\" praten" : nil),
            hasNote: full, hasNeeds: full, needs: full ? [.init(name: "Grote letters"), .init(name: "Rolstoel")] : [],
            consents: [.init(purpose: "session-log", purposeName: "Sessies", given: true, statusText: "Gegeven", details: "Op 1-12 door Anna",
                             actionGiven: "false", actionLabel: "Intrekken"),
                       .init(purpose: "remote-viewing", purposeName: "Meekijken", given: false, statusText: "Niet gevraagd", details: "",
                             actionGiven: "true", actionLabel: "Geven")],
            consentsAction: "/customers/100234/consents",
            consentMethods: [.init(code: "in-person", name: "Aan de balie"), .init(code: "paper", name: "Op papier")],
            hasFollowUps: full, followUps: full ? [.init(description: "Terugbellen — Piet", due: "3 december 2026", channelName: "Telefoon")] : [],
            hasMessages: full, messages: full ? [.init(title: "Uw aanslag <2026>", sent: "30 november 2026")] : [],
            hasContacts: full, contacts: full ? [contact, contact] : [], hasMoreContacts: full, moreContactsHref: "/customers/100234/contacts?page=1",
            canExport: full, exportHref: "/customers/100234/export", canErase: full, eraseHref: "/customers/100234/erase",
            hasSessionConsent: !full, hasTaskHistory: full,
            taskHistory: full ? [.init(name: "DigiD", entries: [.init(date: "1 december 2026", actorsText: "Klant, medewerker", relianceText: "Ja")])] : [],
            customerLanguage: full ? .init(code: "tr", name: "Türkçe") : nil)
    }

    static func contactsPage(language: String, signedIn: Bool, full: Bool) -> CustomerContactsPage {
        CustomerContactsPage(
            layout: Support.layout(language: language, signedIn: signedIn), customerName: Support.tricky, backHref: "/customers/100234",
            hasContacts: full, contacts: full ? customerPage(language: language, signedIn: signedIn, full: true).contacts : [],
            pageText: "Pagina 2 van 3", prevHref: full ? "/customers/100234/contacts?page=1" : nil,
            nextHref: full ? "/customers/100234/contacts?page=3" : nil)
    }

    private func expectSameBothWays<Model: PageModel>(_ template: String, _ model: Model, language: String) throws {
        try Support.expectSameBothWays(template, model, language: language)
    }

    @Test func theCustomerPagesRenderAsBeforeInEveryLanguage() throws {
        for language in Support.app.localization.languages.map(\.code) {
            for signedIn in [true, false] {
                for full in [true, false] {
                    try expectSameBothWays("pages/customer", Self.customerPage(language: language, signedIn: signedIn, full: full), language: language)
                    try expectSameBothWays("pages/customer_contacts", Self.contactsPage(language: language, signedIn: signedIn, full: full),
                                           language: language)
                }
            }
        }
    }

    @Test func theErrorPageRendersAsBeforeInEveryLanguage() throws {
        for language in Support.app.localization.languages.map(\.code) {
            for signedIn in [true, false] {
                for reference in ["req-1", ""] {
                    var layout = Support.layout(language: language, signedIn: signedIn)
                    layout.requestID = reference
                    let model = ErrorPage(layout: layout, error: .init(title: Support.tricky, message: "Probeer het <later>", status: 404))
                    try expectSameBothWays("pages/error", model, language: language)
                    let html = String(decoding: try Support.app.renderer.render("pages/error", model, language: language), as: UTF8.self)
                    #expect(html.contains("<dd>404</dd>"))
                    #expect(html.contains("<dd>req-1</dd>") == !reference.isEmpty, "the reference shows only when there is one")
                }
            }
            #expect(try Support.app.renderer.compiled("pages/error", for: ErrorPage.self, language: language).unresolved == [])
        }
    }

    @Test func theRemoteHomeRendersAsBeforeInEveryLanguage() throws {
        for language in Support.app.localization.languages.map(\.code) {
            for full in [true, false] {
                let model = RemoteHomePage(
                    layout: Support.layout(language: language, signedIn: true), hasOpen: full,
                    openRequests: full ? [.init(id: 7, kiosk: "kiosk-1", branch: "noord", topic: Support.tricky, waitingText: "3 minuten",
                                                acceptAction: "/remote/requests/7/accept")] : [],
                    hasMine: full, myRequests: full ? [.init(id: 8, kiosk: "kiosk-2", topic: "DigiD", href: "/remote/requests/8",
                                                            statusText: "Bezig")] : [],
                    wasTaken: !full, eventsURL: "/remote/events?since=12", refreshSeconds: 10)
                if full {
                    try expectSameBothWays("pages/remote_home", model, language: language)
                } else {
                    let typed = String(decoding: try Support.app.renderer.render("pages/remote_home", model, language: language), as: UTF8.self)
                    #expect(typed == Support.reference.render("pages/remote_home", model, translations: Support.app.localization.table(language)))
                }
            }
            #expect(try Support.app.renderer.compiled("pages/remote_home", for: RemoteHomePage.self, language: language).unresolved == [])
        }
    }

    @Test func everyNameOfTheTemplatesIsAFieldOfTheirModels() throws {
        for language in Support.app.localization.languages.map(\.code) {
            #expect(try Support.app.renderer.compiled("pages/customer", for: CustomerPage.self, language: language).unresolved == [])
            #expect(try Support.app.renderer.compiled("pages/customer_contacts", for: CustomerContactsPage.self, language: language).unresolved == [])
        }
    }

    /// Sections on text and numbers open as the library's do: whenever the value is there, even "" and 0.
    @Test func sectionsOnTextAndNumbersOpenAsTheLibrarysDo() throws {
        struct Probe: TemplateModel {
            var text: String, number: Int, maybe: String?
            static let fields: TemplateFields<Self> = ["text": .text(\.text), "number": .number(\.number), "maybe": .optionalText(\.maybe)]
        }
        let nodes = try TemplateSyntax.parse("{{#text}}T{{/text}}{{^text}}t{{/text}}{{#number}}N{{/number}}{{#maybe}}M{{/maybe}}{{^maybe}}m{{/maybe}}"
                                             + "{{#empty(text)}}E{{/empty(text)}}", named: "probe")
        let writer = try TemplateCompiler(translations: [:]).compile(nodes, in: Probe.self)
        func render(_ probe: Probe) -> String {
            var out: [UInt8] = []
            writer(probe, &out)
            return String(decoding: out, as: UTF8.self)
        }
        #expect(render(Probe(text: "", number: 0, maybe: nil)) == "TNmE")
        #expect(render(Probe(text: "x", number: 3, maybe: "")) == "TNM")
    }

    @Test func standaloneLinesAndBlocksFollowTheSpec() throws {
        let nodes = try TemplateSyntax.parse("a\n{{#x}}\n  b\n{{/x}}\n{{$c}}d{{/c}}e\n", named: "t")
        #expect(nodes == [.text("a\n"), .section("x", inverted: false, [.text("  b\n")]), .block("c", [.text("d")]), .text("e\n")])
        #expect(throws: TemplateSyntax.Failure.self) { try TemplateSyntax.parse("{{#x}}open", named: "t") }
        #expect(throws: TemplateSyntax.Failure.self) { try TemplateSyntax.parse("{{/y}}", named: "t") }
    }

    @Test func escapingIsTheSameEverywhere() {
        #expect(HTMLEscaping.escape(Support.tricky) == "Fatma &lt;Yılmaz&gt; &amp; &quot;zoon&quot; &#39;Ali&#39; — مرحبا")
        #expect(HTMLEscaping.escape("<'&\">") == "&lt;&#39;&amp;&quot;&gt;")
        // A quote before a combining mark is escaped too (the character walk of the library missed it).
        #expect(HTMLEscaping.escape("\"\u{301}") == "&quot;\u{301}")
        #expect(HTMLEscaping.escape("plain") == "plain")
    }
}
