import BalieCore
import BalieHTTP
import Foundation
import Testing
@testable import BalieWeb

/// The typed page model of the own password change: rendered from example values in every language, refused and
/// not, changed and not, exactly as the Mustache library renders the same values, and every name its template
/// uses is a field of the model.
@Suite struct TypedAccountPageTests {
    static func accountPasswordPage(_ language: String, refused: Bool, changed: Bool) -> AccountPasswordPage {
        let tricky = TypedPageSupport.tricky
        return AccountPasswordPage(
            layout: TypedPageSupport.layout(language: language, signedIn: true),
            errors: refused ? [.init(fieldID: "current_password", text: "Wachtwoord <fout>"), .init(fieldID: "new_password", text: tricky),
                               .init(fieldID: "new_password_again", text: "Niet 'hetzelfde' & zo")] : [],
            fieldErrors: .init(currentPassword: refused ? "Wachtwoord <fout>" : nil, newPassword: refused ? tricky : nil,
                               newPasswordAgain: refused ? "Niet 'hetzelfde' & zo" : nil),
            changed: changed)
    }

    @Test func accountPasswordRendersBothWays() throws {
        for language in TypedPageSupport.languages {
            for refused in [true, false] {
                for changed in [true, false] {
                    try TypedPageSupport.expectSameBothWays(
                        "pages/account_password", Self.accountPasswordPage(language, refused: refused, changed: changed), language: language,
                        escaped: refused ? TypedPageSupport.trickyEscaped : nil)
                }
            }
        }
        #expect(try TypedPageSupport.unresolved("pages/account_password", AccountPasswordPage.self) == [])
    }

    @Test func onlyOneFieldRefusedShowsOnlyItsMessage() throws {
        var page = Self.accountPasswordPage("nl", refused: false, changed: false)
        page.errors = [.init(fieldID: "new_password_again", text: "Niet hetzelfde")]
        page.fieldErrors.newPasswordAgain = "Niet hetzelfde"
        #expect(page.hasErrors)
        try TypedPageSupport.expectSameBothWays("pages/account_password", page, language: "nl", escaped: nil)
    }
}
