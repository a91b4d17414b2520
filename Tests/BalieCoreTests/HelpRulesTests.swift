import BalieCore
import Foundation
import Testing

@Suite struct HelpRulesTests {
    let request = HelpRequest(id: 1, kiosk: "k", branch: "b", topic: "t", sessionID: 5, requestedBy: 2, requesterKey: nil, language: "nl",
                              createdAt: Date(timeIntervalSince1970: 0))

    @Test func theWholeWayThrough() throws {
        let accepted = try HelpRules.accept(request, helperID: 9, at: Date(timeIntervalSince1970: 10))
        #expect(accepted.status == .accepted && accepted.helperID == 9)
        #expect(throws: HelpRules.Refusal.notOpen) { try HelpRules.accept(accepted, helperID: 8, at: Date()) }
        #expect(throws: HelpRules.Refusal.notActive) { try HelpRules.checkHelperAction(accepted, helperID: 9) }
        let active = try HelpRules.answer(accepted, yes: true, at: Date())
        #expect(active.status == .active)
        #expect(throws: HelpRules.Refusal.notAwaitingAnswer) { try HelpRules.answer(active, yes: false, at: Date()) }
        try HelpRules.checkHelperAction(active, helperID: 9)
        #expect(throws: HelpRules.Refusal.notYourRequest) { try HelpRules.checkHelperAction(active, helperID: 8) }
        let ended = try HelpRules.end(active, by: .customer, at: Date())
        #expect(ended.status == .ended && ended.endedBy == .customer)
        #expect(throws: HelpRules.Refusal.alreadyEnded) { try HelpRules.end(ended, by: .helper, at: Date()) }
    }

    @Test func aRequestNobodyTookIsCancelledAndNoIsFinal() throws {
        #expect(try HelpRules.end(request, by: .kiosk, at: Date()).status == .cancelled)
        let declined = try HelpRules.answer(try HelpRules.accept(request, helperID: 9, at: Date()), yes: false, at: Date())
        #expect(declined.status == .declined)
        #expect(throws: HelpRules.Refusal.alreadyEnded) { try HelpRules.end(declined, by: .customer, at: Date()) }
    }

    @Test func messagesAreTrimmedAndLimited() throws {
        #expect(try HelpRules.message("  Tik op Inloggen \n") == "Tik op Inloggen")
        #expect(throws: HelpRules.Refusal.messageEmpty) { try HelpRules.message(" \n ") }
        #expect(try HelpRules.message(String(repeating: "é", count: HelpRules.maxMessageLength)).count == HelpRules.maxMessageLength)
        #expect(throws: HelpRules.Refusal.messageTooLong) { try HelpRules.message(String(repeating: "x", count: HelpRules.maxMessageLength + 1)) }
    }

    @Test func aKioskMayHaveOnlyAFewWaiting() throws {
        try HelpRules.checkRequest(openAtKiosk: HelpRules.maxOpenPerKiosk - 1)
        #expect(throws: HelpRules.Refusal.tooManyOpen) { try HelpRules.checkRequest(openAtKiosk: HelpRules.maxOpenPerKiosk) }
    }
}
