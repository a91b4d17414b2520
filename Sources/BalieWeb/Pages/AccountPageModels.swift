import Foundation

/// `pages/account_password`: a signed-in person changes their own password.
struct AccountPasswordPage: PageModel {
    /// A field's message, absent when the field is fine.
    struct FieldErrors: TemplateModel {
        var currentPassword: String?, newPassword: String?, newPasswordAgain: String?
        static let fields: TemplateFields<Self> = [
            "current_password": .optionalText(\.currentPassword), "new_password": .optionalText(\.newPassword),
            "new_password_again": .optionalText(\.newPasswordAgain),
        ]
    }

    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel
    var errors: [ErrorSummaryEntry]
    var fieldErrors: FieldErrors
    /// The change went through (the page after the redirect says so).
    var changed: Bool

    /// The summary shows when a field has a message; it follows from the entries, so the two cannot disagree.
    var hasErrors: Bool { !errors.isEmpty }

    static let fields = TemplateFields<Self>([
        "has_errors": .flag(\.hasErrors), "errors": .list(\.errors), "field_errors": .object(\.fieldErrors), "changed": .flag(\.changed),
    ]).including(\.layout)
}
