import BalieCore
import BalieHTTP
import Foundation

/// A signed-in person's own account: changing their password (ASVS 5.0 V6.2.2, V6.2.3, V7.4.3).
extension WebApp {
    func registerAccountRoutes() {
        get("/account/password", .anyStaff) { [unowned self] request in
            try accountPasswordPage(request, errors: [:], changed: request.http.query["changed"] != nil, status: .ok)
        }

        post("/account/password", .anyStaff) { [unowned self] request in
            guard let signedIn = request.signedIn else { throw PageError.notFound("No such page.") }
            let current = request.form["current_password"] ?? ""
            let new = request.form["new_password"] ?? ""
            let again = request.form["new_password_again"] ?? ""
            var errors: [String: String] = [:]
            if current.isEmpty {
                errors["current_password"] = "account_password.errors.current_missing"
            } else if current.utf8.count > Self.maxPasswordInput {
                errors["current_password"] = "account_password.errors.current_wrong"
            }
            if new.isEmpty {
                errors["new_password"] = "account_password.errors.new_missing"
            } else if new == current {
                errors["new_password"] = "account_password.errors.same_as_current"
            } else {
                do throws(StaffRules.Problem) {
                    try StaffRules.checkPassword(new, username: signedIn.staff.username, fullName: signedIn.staff.fullName, refused: refusedPasswords)
                } catch {
                    errors["new_password"] = Self.passwordProblemKey(error)
                }
            }
            if again.isEmpty {
                errors["new_password_again"] = "account_password.errors.again_missing"
            } else if again != new {
                errors["new_password_again"] = "account_password.errors.mismatch"
            }
            guard errors.isEmpty else { return try accountPasswordPage(request, errors: errors, changed: false, status: .unprocessableContent) }
            switch try authentication.changePassword(signedIn, current: current, new: new, request: request.http, origin: origin(request)) {
            case .throttled:
                return try accountPasswordPage(request, errors: ["current_password": "account_password.errors.throttled"], changed: false,
                                               status: .tooManyRequests)
            case .wrong:
                return try accountPasswordPage(request, errors: ["current_password": "account_password.errors.current_wrong"], changed: false,
                                               status: .unprocessableContent)
            case .changed:
                // Post, redirect, get: a reload does not post the passwords again.
                return .redirect(to: "/account/password?changed=1")
            }
        }
    }

    static func passwordProblemKey(_ problem: StaffRules.Problem) -> String {
        switch problem {
        case .passwordTooShort: "account_password.errors.too_short"
        case .passwordTooLong: "account_password.errors.too_long"
        case .passwordPersonal: "account_password.errors.personal"
        case .passwordDictionaryWord: "account_password.errors.dictionary_word"
        default: "account_password.errors.too_common"
        }
    }

    private func accountPasswordPage(_ request: PageRequest, errors: [String: String], changed: Bool, status: HTTPStatus) throws -> Response {
        let language = request.language
        let order = ["current_password", "new_password", "new_password_again"].filter { errors[$0] != nil }
        let text = { (field: String) in errors[field].map { self.localization.text($0, language) } }
        let model = AccountPasswordPage(
            layout: layout(request, title: localization.text("account_password.title", language)),
            errors: order.map { ErrorSummaryEntry(fieldID: $0, text: text($0)!) },
            fieldErrors: .init(currentPassword: text("current_password"), newPassword: text("new_password"),
                               newPasswordAgain: text("new_password_again")),
            changed: changed)
        return try page("pages/account_password", model, language: language, status: status)
    }
}
