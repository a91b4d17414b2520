import BalieCore
import Foundation
import Testing
@testable import BalieWeb

/// Typed page models of the assisted session and remote help pages (issue #20): each renders from example values in
/// every language exactly as the Mustache library renders the same values, and uses no name its model lacks.
@Suite struct TypedSessionPageTests {
    static let tricky = TypedPageSupport.tricky
    static let languages = TypedPageSupport.languages

    static let choices: [CustomerPage.Choice] = [.init(code: "customer", name: "Klant <zelf>"), .init(code: "staff", name: "Medewerker")]

    // MARK: - session

    static func sessionPage(_ language: String, full: Bool, open: Bool) -> SessionPage {
        var layout = TypedPageSupport.layout(language: language, signedIn: true)
        layout.customerMode = false
        let steps: [SessionPage.Step] = [.init(description: tricky, actorName: "Met hulp", reason: full ? "Brief <kwijt>" : "", when: "10:05")]
        return SessionPage(
            layout: layout,
            info: .init(id: 42, started: "10:00", kiosk: "kiosk-1", customerHref: "/customers/100234",
                        customerName: full ? tricky : nil, secondsLeft: 900, warnSeconds: 120),
            phaseOpen: open, errors: full ? [.init(fieldID: "task", text: "Kies een taak & probeer opnieuw")] : [],
            tasks: full ? [.init(id: 7, name: tricky, groupName: "Overheid", outcomeText: nil, steps: steps, stepAction: "/sessions/42/tasks/7/steps",
                                 finishAction: "/sessions/42/tasks/7/finish", partners: [.init(id: "formulierenbrigade", name: "Formulieren & zo")]),
                           .init(id: 8, name: "Toeslag", groupName: "Geld", outcomeText: "Opgelost \"ja\"", steps: [], stepAction: "/s",
                                 finishAction: "/f", partners: [])] : [],
            base: "/sessions/42",
            catalogGroups: [.init(name: "Overheid", tasks: [.init(id: "digid", name: "DigiD <aanvragen>")])],
            stepActors: choices, outcomes: choices, channels: choices,
            notes: full ? [.init(text: "Notitie 'kort'", when: "10:10")] : [],
            messages: full ? [.init(title: tricky, sent: "1 december", readAction: "/sessions/42/messages/3/read")] : [],
            liveHelp: full ? .init(href: "/help/5", statusText: "Wacht op <collega>") : nil)
    }

    @Test func sessionRendersAsBefore() throws {
        for language in Self.languages {
            for full in [true, false] {
                for open in [true, false] {
                    try TypedPageSupport.expectSameBothWays("pages/session", Self.sessionPage(language, full: full, open: open), language: language,
                                                            escaped: full ? TypedPageSupport.trickyEscaped : nil)
                }
            }
        }
        #expect(try TypedPageSupport.unresolved("pages/session", SessionPage.self) == [])
    }

    @Test func sessionPageShowsTheStepsFormsAndTheCountdown() throws {
        let html = try TypedPageSupport.expectSameBothWays("pages/session", Self.sessionPage("nl", full: true, open: true), language: "nl")
        #expect(html.contains("data-session-seconds=\"900\""), "the layout's countdown reads the page's session object")
        #expect(html.contains("action=\"/sessions/42/tasks/7/steps\"") && html.contains("id=\"actor-7-customer\""),
                "the actor choices inside a task take the task's id")
        #expect(html.contains("<option value=\"formulierenbrigade\">Formulieren &amp; zo</option>"))
        #expect(html.contains("href=\"/help/5\"") && !html.contains("action=\"/sessions/42/help\""), "live help replaces the request form")
        let closed = try TypedPageSupport.expectSameBothWays("pages/session", Self.sessionPage("nl", full: false, open: false), language: "nl", escaped: nil)
        #expect(!closed.contains("action=\"/sessions/42/notes\"") && !closed.contains("action=\"/sessions/42/handover\""))
    }

    // MARK: - help_kiosk

    static func helpKioskPage(_ language: String, status: HelpRequest.Status, full: Bool) -> HelpKioskPage {
        var layout = TypedPageSupport.layout(language: language, signedIn: false)
        layout.staffSignedIn = false
        return HelpKioskPage(
            layout: layout, state: .init(status: status), help: .init(topic: tricky, helperName: "Anna <collega>", base: "/help/5", since: 12),
            consentQuestion: "Mag Anna <meekijken>?", consentExplained: "Anna ziet 'alleen' uw sessie",
            messages: full ? [.init(text: "Klik op \"Volgende\"", when: "10:01")] : [], backHref: full ? "/sessions/42" : "/",
            refreshSeconds: 5, refreshURL: "/help/5?waited=5")
    }

    @Test func helpKioskRendersAsBefore() throws {
        for language in Self.languages {
            for status in HelpRequest.Status.allCases {
                for full in [true, false] {
                    try TypedPageSupport.expectSameBothWays("pages/help_kiosk", Self.helpKioskPage(language, status: status, full: full), language: language)
                }
            }
        }
        #expect(try TypedPageSupport.unresolved("pages/help_kiosk", HelpKioskPage.self) == [])
        let live = try TypedPageSupport.expectSameBothWays("pages/help_kiosk", Self.helpKioskPage("nl", status: .active, full: true), language: "nl")
        #expect(live.contains("data-help-events=\"/help/5/events?since=12\"") && live.contains("url=/help/5?waited=5"))
        let ended = try TypedPageSupport.expectSameBothWays("pages/help_kiosk", Self.helpKioskPage("nl", status: .ended, full: false), language: "nl")
        #expect(!ended.contains("data-help-events"), "an ended request has no live stream")
    }

    // MARK: - remote_request

    static func remoteRequestPage(_ language: String, status: HelpRequest.Status, full: Bool) -> RemoteRequestPage {
        let live = RemoteRequestPage.LiveSession(
            shown: true,
            tasks: [.init(id: 7, name: tricky, outcomeText: nil, steps: [.init(description: "Stap <1>", when: "10:02", isCurrent: true, actorName: "Klant")]),
                    .init(id: 8, name: "Toeslag", outcomeText: "Klaar & goed", steps: [])],
            currentStep: .init(description: "Stap <1>", when: "10:02"), notes: [.init(text: "Let 'op'", when: "10:03")],
            openTasks: [.init(id: "7", name: tricky)], stepActors: choices)
        return RemoteRequestPage(
            layout: TypedPageSupport.layout(language: language, signedIn: true), state: .init(status: status),
            help: .init(id: 5, kiosk: "kiosk-1", branch: "Centrum & Noord", topic: tricky, base: "/remote/requests/5", since: 3),
            live: full ? live : .init(), sent: full ? [.init(text: "Kijk <hier>", when: "10:04")] : [], messageMax: 500,
            errors: full ? [.init(fieldID: "message-text", text: "Schrijf een bericht")] : [], refreshSeconds: 5)
    }

    @Test func remoteRequestRendersAsBefore() throws {
        for language in Self.languages {
            for status in HelpRequest.Status.allCases {
                for full in [true, false] {
                    try TypedPageSupport.expectSameBothWays("pages/remote_request", Self.remoteRequestPage(language, status: status, full: full),
                                                            language: language)
                }
            }
        }
        #expect(try TypedPageSupport.unresolved("pages/remote_request", RemoteRequestPage.self) == [])
        let active = try TypedPageSupport.expectSameBothWays("pages/remote_request", Self.remoteRequestPage("nl", status: .active, full: true), language: "nl")
        #expect(active.contains("maxlength=\"500\"") && active.contains("action=\"/remote/requests/5/steps\"") && active.contains("<option value=\"7\">"))
        let alone = try TypedPageSupport.expectSameBothWays("pages/remote_request", Self.remoteRequestPage("nl", status: .active, full: false), language: "nl")
        #expect(!alone.contains("action=\"/remote/requests/5/notes\""), "no session: no notes form")
    }
}
