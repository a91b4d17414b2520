import Foundation
import Testing
@testable import BalieCore

/// What a closed session writes into the shared record, in Dutch whatever the customer's language.
@Suite struct SessionRecordTextTests {
    private let start = Date(timeIntervalSince1970: 1_800_000_000)

    private func session(_ outcomes: [TaskOutcome?], waiting: Int? = 420) -> AssistedSession {
        let tasks = outcomes.enumerated().map { index, outcome in
            SessionTask(id: Int64(index + 1), taskID: "t\(index)", names: ["nl": "Taak \(index + 1)", "en": "Task \(index + 1)"],
                        group: .banking, outcome: outcome, addedAt: start)
        }
        return AssistedSession(id: 9, customerID: 5, staffID: 1, kiosk: "kiosk-1", branch: "noord", startedAt: start,
                               waitingSeconds: waiting, language: "tr", tasks: tasks)
    }

    @Test func aClosedSessionLeavesOneContactWithItsTasksDurationAndWait() {
        let due = start + 7 * 86_400
        let contact = SessionRecordText.closingContact(of: session([.resolved, .followUp(who: "Piet", due: due, channel: .phone)]),
                                                       customerID: 5, at: start + 25 * 60 + 30) { outcome in
            outcome.map { "uitkomst \($0.kind)" } ?? ""
        }
        #expect(contact == Contact(customerID: 5, channel: .kioskAssisted, at: start + 25 * 60 + 30, topic: "Taak 1, Taak 2",
                                   summary: "Taak 1: uitkomst resolved\nTaak 2: uitkomst follow-up\nDuur: 25 min; wachttijd: 7 min",
                                   outcome: "follow-up, resolved", sourceSystem: "balie"))
    }

    @Test func onlyResolvedTasksAreOpgelostAndNoWaitIsLeftOut() {
        let contact = SessionRecordText.closingContact(of: session([.resolved, .resolved], waiting: nil), customerID: 5, at: start + 59) { _ in "klaar" }
        #expect(contact.outcome == "opgelost")
        #expect(contact.summary == "Taak 1: klaar\nTaak 2: klaar\nDuur: 0 min")
    }

    @Test func eachFollowUpOutcomeBecomesAFollowUpSayingWho() {
        let due = start + 86_400
        let followUps = SessionRecordText.followUps(of: session([.resolved, .followUp(who: "Sanne", due: due, channel: .email), nil]),
                                                    customerID: 5)
        #expect(followUps == [FollowUp(customerID: 5, description: "Taak 2 — Sanne", due: due, channel: .email)])
    }

    @Test func aMessageReadTogetherIsAContact() {
        let message = Message(id: 3, customerID: 5, title: "Uw aanslag 2026", sentAt: start, isImportant: true, isRead: false)
        #expect(SessionRecordText.readTogether(message, customerID: 5, at: start + 60)
                == Contact(customerID: 5, channel: .kioskAssisted, at: start + 60, topic: "Bericht samen gelezen",
                           summary: "Uw aanslag 2026", outcome: "gelezen", sourceSystem: "balie"))
    }
}
