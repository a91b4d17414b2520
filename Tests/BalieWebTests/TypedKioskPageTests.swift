import BalieCore
import Foundation
import Testing
@testable import BalieWeb

/// The kiosk, queue and session pages as typed page models (issue #20): each renders from its example values in every
/// language, signed in and not, as the Mustache library renders the same values; every name of its template is a field.
@Suite struct TypedKioskPageTests {
    typealias Support = TypedPageSupport
    static let tricky = Support.tricky

    static func startPage(language: String, signedIn: Bool) -> StartPage {
        StartPage(
            layout: Support.layout(language: language, signedIn: signedIn),
            groups: [.init(href: "/kiosk/topics/government", icon: "government", name: tricky, description: "Belasting & <toeslagen>"),
                     .init(href: "/kiosk/topics/bank", icon: "bank", name: "Bank", description: "Betalen")],
            helpRequestAction: "/kiosk/help")
    }

    @Test func theStartPageRendersAsBefore() throws {
        for language in Support.languages {
            for signedIn in [true, false] {
                let html = try Support.expectSameBothWays("pages/start", Self.startPage(language: language, signedIn: signedIn), language: language)
                #expect(html.contains("href=\"/kiosk/topics/government\""))
                #expect(!html.contains("name=\"group\""))
            }
        }
        #expect(try Support.unresolved("pages/start", StartPage.self) == [])
    }

    static func topicPage(language: String, signedIn: Bool) -> TopicPage {
        TopicPage(
            layout: Support.layout(language: language, signedIn: signedIn),
            group: .init(id: "government", icon: "government", description: "Belasting & <toeslagen>"),
            examples: [.init(name: tricky), .init(name: "DigiD aanvragen")], helpRequestAction: "/kiosk/help")
    }

    @Test func theTopicPageRendersAsBefore() throws {
        for language in Support.languages {
            for signedIn in [true, false] {
                let html = try Support.expectSameBothWays("pages/topic", Self.topicPage(language: language, signedIn: signedIn), language: language)
                // Both forms send the group.
                #expect(html.components(separatedBy: "name=\"group\" value=\"government\"").count == 3)
            }
        }
        #expect(try Support.unresolved("pages/topic", TopicPage.self) == [])
    }

    @Test func theCallStaffDonePageRendersAsBefore() throws {
        for language in Support.languages {
            for signedIn in [true, false] {
                let layout = Support.layout(language: language, signedIn: signedIn)
                let named = try Support.expectSameBothWays("pages/call_staff_done", CallStaffDonePage(layout: layout, groupName: Self.tricky),
                                                           language: language)
                #expect(named.contains("</strong> \(Support.trickyEscaped)"))
                // No group is nil (never "").
                let html = try Support.expectSameBothWays("pages/call_staff_done", CallStaffDonePage(layout: layout, groupName: nil),
                                                          language: language, escaped: nil)
                #expect(!html.contains("</strong> "))
            }
        }
        // `empty(group_name)`, the library's transform, is the compiler's too.
        #expect(try Support.unresolved("pages/call_staff_done", CallStaffDonePage.self) == [])
    }

    @Test func theResetPageRendersAsBefore() throws {
        for language in Support.languages {
            for signedIn in [true, false] {
                let html = try Support.expectSameBothWays("pages/kiosk_reset", KioskResetPage(layout: Support.layout(language: language, signedIn: signedIn)),
                                                          language: language, escaped: signedIn ? Support.trickyEscaped : nil)
                #expect(html.contains("<form method=\"post\" action=\"/kiosk/reset\">\n<input type=\"hidden\" name=\"csrf\" value=\"csrf-token-value\">"))
            }
        }
        #expect(try Support.unresolved("pages/kiosk_reset", KioskResetPage.self) == [])
    }

    @Test func theStillTherePageRendersAsBefore() throws {
        for language in Support.languages {
            for signedIn in [true, false] {
                let model = StillTherePage(layout: Support.layout(language: language, signedIn: signedIn), returnTo: "/kiosk/topics/bank?a=1&b=2",
                                           warnSeconds: 25)
                let html = try Support.expectSameBothWays("pages/still_there", model, language: language,
                                                          escaped: signedIn ? Support.trickyEscaped : nil)
                // The page's return path stands for the layout's everywhere (the header's language link too), and the
                // idle refresh is replaced by the reset's.
                #expect(html.contains("href=\"/kiosk/topics/bank?a=1&amp;b=2\""))
                #expect(html.contains("/language?return=/kiosk/topics/bank?a=1&amp;b=2"))
                #expect(html.contains("content=\"25;url=/kiosk/reset\"") && !html.contains("still-there?return"))
            }
        }
        #expect(try Support.unresolved("pages/still_there", StillTherePage.self) == [])
    }

    // MARK: - The queue

    @Test func theTakeANumberPageRendersAsBefore() throws {
        for language in Support.languages {
            for signedIn in [true, false] {
                let model = QueueTakePage(
                    layout: Support.layout(language: language, signedIn: signedIn),
                    groups: [.init(id: "government", icon: "government", name: Self.tricky, description: "Belasting & <toeslagen>"),
                             .init(id: "bank", icon: "bank", name: "Bank", description: "Betalen")])
                let html = try Support.expectSameBothWays("pages/queue_take", model, language: language)
                #expect(html.contains("name=\"group\" value=\"bank\"><svg class=\"icon tile__icon\""))
            }
        }
        #expect(try Support.unresolved("pages/queue_take", QueueTakePage.self) == [])
    }

    @Test func theTicketPageRendersAsBefore() throws {
        for language in Support.languages {
            for signedIn in [true, false] {
                for full in [true, false] {
                    let model = QueueTicketPage(
                        layout: Support.layout(language: language, signedIn: signedIn),
                        ticket: .init(code: "B-017", groupName: Self.tricky), peopleAheadText: "3 mensen <voor> u",
                        waitText: "10 à 20 minuten", hasPriority: full, closesText: full ? "Wij sluiten om 17:00 & misschien eerder" : nil)
                    let html = try Support.expectSameBothWays("pages/queue_ticket", model, language: language)
                    #expect(html.contains("<bdi class=\"ticket__code\">B-017</bdi>"))
                    #expect(html.contains("status--warning") == full && html.contains("status--priority") == full)
                }
            }
        }
        #expect(try Support.unresolved("pages/queue_ticket", QueueTicketPage.self) == [])
    }

    static func queueStaffPage(language: String, full: Bool) -> QueueStaffPage {
        let groups: [QueueStaffPage.TransferGroup] = [.init(id: "bank", name: "Bank & geld"), .init(id: "other", name: Self.tricky)]
        return QueueStaffPage(
            layout: Support.layout(language: language, signedIn: true),
            waiting: full ? [.init(code: "A-001", groupName: Self.tricky, priority: true, waited: "12 min"),
                             .init(code: "A-002", groupName: "Bank", priority: false, waited: "3 min")] : [],
            called: full ? [.init(code: "B-003", groupName: "Overheid", calledBy: "Anna <de Vries>", desk: "Balie 2",
                                  recallAction: "/queue/tickets/3/recall", noShowAction: "/queue/tickets/3/no-show",
                                  startAction: "/queue/tickets/3/start", transferAction: "/queue/tickets/3/transfer", transferGroups: groups),
                            .init(code: "B-004", groupName: "Bank", calledBy: "", desk: "",
                                  recallAction: "/queue/tickets/4/recall", noShowAction: "/queue/tickets/4/no-show",
                                  startAction: "/queue/tickets/4/start", transferAction: "/queue/tickets/4/transfer", transferGroups: groups)] : [])
    }

    @Test func theStaffQueuePageRendersAsBefore() throws {
        for language in Support.languages {
            for full in [true, false] {
                let html = try Support.expectSameBothWays("pages/queue_staff", Self.queueStaffPage(language: language, full: full), language: language)
                #expect(html.contains("action=\"/queue/call-next\"") == full)
                // A ticket called by someone unknown from nowhere shows neither.
                #expect(html.components(separatedBy: "<dt>").count == (full ? 3 : 1))
                #expect(html.contains("id=\"transfer-B-004\"") == full)
            }
        }
        #expect(try Support.unresolved("pages/queue_staff", QueueStaffPage.self) == [])
    }

    @Test func theDisplayRendersAsBefore() throws {
        for language in Support.languages {
            for signedIn in [true, false] {
                for full in [true, false] {
                    var layout = Support.layout(language: language, signedIn: signedIn)
                    layout.customerMode = false
                    layout.staffMode = false
                    layout.staffSignedIn = false
                    let model = QueueDisplayPage(
                        layout: layout, calls: full ? [.init(code: "A-007", desk: Self.tricky), .init(code: "B-002", desk: "")] : [],
                        eventsURL: "/branches/main/display/events", refreshSeconds: 10)
                    let html = try Support.expectSameBothWays("pages/queue_display", model, language: language, escaped: full ? Support.trickyEscaped : nil)
                    #expect(html.contains("<noscript><meta http-equiv=\"refresh\" content=\"10\"></noscript>"))
                    #expect(html.contains("calls__list") == full && !html.contains("idle-dialog") && !html.contains("header__staff"))
                }
            }
        }
        #expect(try Support.unresolved("pages/queue_display", QueueDisplayPage.self) == [])
    }

    // MARK: - Sessions

    @Test func theFeedbackPageRendersAsBefore() throws {
        for language in Support.languages {
            for signedIn in [true, false] {
                for refused in [true, false] {
                    var layout = Support.layout(language: language, signedIn: signedIn)
                    layout.staffSignedIn = false
                    layout.staffMode = false
                    let model = SessionFeedbackPage(
                        layout: layout, errors: refused ? [.init(fieldID: "effort-1", text: "Kies een <antwoord>")] : [],
                        feedbackAction: "/sessions/12/feedback", effortQuestion: "Hoe makkelijk ging het bij \(Self.tricky)?",
                        effortOptions: (1...7).map { .init(value: $0, label: "Stap \($0)") },
                        relianceOptions: [.init(value: "yes", label: "Ja & graag"), .init(value: "no", label: "Nee")])
                    let html = try Support.expectSameBothWays("pages/session_feedback", model, language: language)
                    #expect(html.contains("id=\"effort-7\" name=\"effort\" value=\"7\""))
                    #expect(html.contains("href=\"#effort-1\">Kies een &lt;antwoord&gt;") == refused && !html.contains("header__staff"))
                }
            }
        }
        #expect(try Support.unresolved("pages/session_feedback", SessionFeedbackPage.self) == [])
    }

    @Test func theSummaryRendersAsBefore() throws {
        for language in Support.languages {
            for signedIn in [true, false] {
                var layout = Support.layout(language: language, signedIn: signedIn)
                layout.staffSignedIn = false
                layout.staffMode = false
                let model = SessionSummaryPage(
                    layout: layout, date: "3 december 2026", staffName: "Anna <de Vries>", organisation: "Gemeente & Co",
                    tasks: [.init(name: Self.tricky, outcomeText: "Doorverwezen", nextStep: "Bel de bank"),
                            .init(name: "DigiD", outcomeText: "Opgelost", nextStep: "")],
                    hasFollowUpContact: true, doneHref: "/staff")
                let html = try Support.expectSameBothWays("pages/session_summary", model, language: language)
                #expect(html.components(separatedBy: "summary-task__next").count == 2)
                #expect(html.contains("<bdi>Anna &lt;de Vries&gt;</bdi>, <span dir=\"auto\">Gemeente &amp; Co</span>"))
            }
        }
        #expect(try Support.unresolved("pages/session_summary", SessionSummaryPage.self) == [])
    }
}
