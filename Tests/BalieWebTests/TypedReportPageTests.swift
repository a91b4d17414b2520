import BalieCore
import Foundation
import Testing
@testable import BalieWeb

/// Typed page models of the insights, the access page (export) and the component showcase (issue #20): each renders
/// from example values in every language exactly as the Mustache library renders the same values.
@Suite struct TypedReportPageTests {
    static let tricky = TypedPageSupport.tricky
    static let languages = TypedPageSupport.languages

    // MARK: - insights

    static func insightsPage(_ language: String, full: Bool) -> InsightsPage {
        let section = InsightsPage.Section(
            id: "by_group", heading: "Per groep <taak>", explanation: "Uitleg & meer", header: [.init(text: "Groep"), .init(text: "Aantal")],
            rows: full ? [.init(label: tricky, cells: [.init(text: "12")])] : [], csvHref: "/insights.csv?table=by_group&from=a&to=b",
            chart: full ? .init(svg: "<svg role=\"img\"><title>Per groep &amp; taak</title></svg>", summary: "Het meest: \"DigiD\"") : nil)
        return InsightsPage(
            layout: TypedPageSupport.layout(language: language, signedIn: true),
            filter: .init(from: "2026-11-01", to: "2026-11-30", branches: [.init(code: "n&o", name: tricky, selected: full)],
                          groups: [.init(id: "banking", name: "Bank <zaken>", selected: !full)]),
            tooFew: !full, tooFewText: "Minder dan 5 'sessies'", thresholdText: "Groepen < 5 tonen we niet",
            figures: [.init(label: "Sessies", value: "1.234"), .init(label: "Moeite & zo", value: "2,5")],
            sections: full ? [section, InsightsPage.Section(id: "empty", heading: "Leeg", explanation: "", header: [], rows: [], csvHref: "/x",
                                                            chart: nil)] : [])
    }

    @Test func insightsRendersAsBefore() throws {
        for language in Self.languages {
            for full in [true, false] {
                try TypedPageSupport.expectSameBothWays("pages/insights", Self.insightsPage(language, full: full), language: language,
                                                        escaped: full ? TypedPageSupport.trickyEscaped : nil)
            }
        }
        #expect(try TypedPageSupport.unresolved("pages/insights", InsightsPage.self) == [])
        let html = try TypedPageSupport.expectSameBothWays("pages/insights", Self.insightsPage("nl", full: true), language: "nl")
        #expect(html.contains("<svg role=\"img\"><title>Per groep &amp; taak</title></svg>"), "the chart is written as BarChart made it")
        #expect(html.contains("<figcaption>Het meest: &quot;DigiD&quot;</figcaption>"))
    }

    // MARK: - privacy_export

    static func exportPage(_ language: String, full: Bool) -> PrivacyExportPage {
        PrivacyExportPage(
            layout: TypedPageSupport.layout(language: language, signedIn: true),
            customer: .init(fullName: tricky, number: "100234", birthDate: "1 mei 1950", postcode: "3512 AB", phone: "—", email: "a&b@example.org",
                            preferredChannelName: "Brief", languageName: "Türkçe", address: "mevrouw", needsText: "Grote letters, <voorlezen>",
                            note: "Komt 's ochtends"),
            hasNeeds: full, hasNote: full,
            contacts: full ? [.init(when: "1 nov", channelName: "Telefoon", channelIcon: "phone", topic: tricky, summary: "Samen <gebeld>",
                                    outcome: "Klaar", source: "crm")] : [],
            consents: full ? [.init(purposeName: "Delen", statusText: "Gegeven", when: "2 nov", howName: "Aan de balie & mondeling")] : [],
            messages: full ? [.init(title: "Belastingbrief \"2026\"", sent: "3 nov", importantText: "Ja", readText: "Nee")] : [],
            followUps: full ? [.init(description: "Terugbellen <morgen>", due: "4 nov", channelName: "Telefoon", doneText: "Nee")] : [],
            sessions: full ? [.init(heading: "Sessie 5 nov", finished: "5 nov", kiosk: "k-1", languageName: "Nederlands", effortText: "2 – Makkelijk",
                                    relianceText: "Ja", adviceText: "—",
                                    tasks: [.init(name: tricky, outcomeName: "Opgelost", detail: "Via <app>", partner: "", followUp: "Bel & kijk",
                                                  steps: [.init(description: "Ingelogd", actorName: "Klant", when: "10:00", reason: "")])],
                                    notes: [.init(text: "Notitie 'x'", when: "10:05")])] : [],
            audit: full ? [.init(when: "6 nov", actionName: "Bekeken", roleName: "Medewerker", reason: "Vraag <klant>")] : [],
            intro: "Dit is alles wat Gemeente & Bibliotheek weet", customerHref: "/customers/100234", jsonHref: "/customers/100234/export.json",
            canErase: full, eraseHref: "/customers/100234/erase")
    }

    @Test func privacyExportRendersAsBefore() throws {
        for language in Self.languages {
            for full in [true, false] {
                try TypedPageSupport.expectSameBothWays("pages/privacy_export", Self.exportPage(language, full: full), language: language)
            }
        }
        #expect(try TypedPageSupport.unresolved("pages/privacy_export", PrivacyExportPage.self) == [])
        let empty = try TypedPageSupport.expectSameBothWays("pages/privacy_export", Self.exportPage("nl", full: false), language: "nl")
        #expect(!empty.contains("/customers/100234/erase"), "only admins see the erase link")
    }

    /// The page is made from the store's export as both stores give it: typed values, read by column.
    @Test func theExportPresenterReadsTheStoredColumns() throws {
        let app = TypedPageSupport.app
        let customer = Customer(number: "100234", givenName: "Zoë", familyName: "Yılmaz")
        let export = ExportRecord([
            "customer": .record(ExportRecord(["number": .text("100234")])),
            "contacts": .rows([ExportRecord(["at": .real(1_800_000_000), "channel": .text("phone"), "topic": .text("Toeslag"),
                                             "summary": .text("Samen"), "outcome": .null, "source_system": .text("crm")])]),
            "consents": .rows([ExportRecord(["purpose": .text("share-with-partners"), "given": .integer(0), "at": .integer(1_800_000_000),
                                             "method": .text("desk")])]),
            "messages": .rows([]), "follow_ups": .rows([]),
            "sessions": .rows([ExportRecord([
                "started_at": .real(1_800_000_000), "finished_at": .null, "kiosk": .text("k-1"), "language": .text("tr"),
                "effort_score": .integer(2), "self_reliance": .null, "channel_advice": .text(""),
                "tasks": .rows([ExportRecord(["id": .integer(9), "task_id": .text("unknown-task"), "names": .text("{\"nl\":\"Iets ouds\"}"),
                                              "outcome": .text("resolved"), "outcome_detail": .text(""), "partner": .null])]),
                "steps": .rows([ExportRecord(["session_task_id": .integer(9), "description": .text("Stap"), "actor": .text("customer"),
                                              "at": .real(1_800_000_060), "reason": .null]),
                                ExportRecord(["session_task_id": .integer(10), "description": .text("Andere taak"), "actor": .text("staff"),
                                              "at": .real(1_800_000_060), "reason": .null])]),
                "notes": .rows([]),
            ])]),
            "audit": .rows([ExportRecord(["at": .real(1_800_000_000), "action": .text("customer-viewed"), "actor_role": .null, "reason": .null])]),
        ])
        let page = CustomerExportPresenter(app: app, language: "nl")
            .page(layout: TypedPageSupport.layout(language: "nl", signedIn: true), customer: customer, export: export)
        #expect(page.contacts.map(\.topic) == ["Toeslag"] && page.contacts.first?.channelIcon == "phone")
        #expect(page.consents.first?.statusText == app.localization.text("consent.withdrawn", "nl"), "0 is a withdrawn consent")
        let session = try #require(page.sessions.first)
        #expect(session.finished == app.localization.text("privacy_pages.export.not_finished", "nl") && session.languageName == "Türkçe")
        #expect(session.adviceText == "—" && session.relianceText == "—", "NULL and empty text read as nothing")
        #expect(session.tasks.map(\.name) == ["Iets ouds"], "a task no longer in the catalogue keeps its stored name")
        #expect(session.tasks.first?.steps.map(\.description) == ["Stap"], "steps go with their own task")
        #expect(page.audit.first?.reason == "—" && page.audit.first?.roleName == app.localization.text("privacy_pages.audit.no_staff", "nl"))
        try TypedPageSupport.expectSameBothWays("pages/privacy_export", page, language: "nl", escaped: nil)
    }

    // MARK: - components

    @Test func componentsRendersAsBefore() throws {
        for language in Self.languages {
            var layout = TypedPageSupport.layout(language: language, signedIn: false)
            layout.customerMode = false
            layout.staffMode = true
            let html = try TypedPageSupport.expectSameBothWays("pages/components", ComponentsPage(layout: layout), language: language, escaped: nil)
            let field = try #require(TypedPageSupport.app.localization.plainTable(language)["components"] as? [String: any Sendable])
            let number = try #require(field["customer_number"] as? [String: any Sendable])
            #expect(html.contains(HTMLEscaping.escape(try #require(number["label"] as? String))),
                    "the field inside {{#t.components.customer_number}} reads the group's label")
            #expect(html.contains("Olena Kovalenko"))
        }
        let missing = try TypedPageSupport.unresolved("pages/components", ComponentsPage.self)
        #expect(missing.isEmpty, "\(missing)")
    }
}
