/// The staff pages' typed data (issue #20): sign-in, the staff home, the accounts, the customer search.

/// `components/error_summary`: one entry of `errors`, linking to its field.
struct ErrorSummaryEntry: TemplateModel {
    var fieldID: String, text: String
    static let fields: TemplateFields<Self> = ["field_id": .text(\.fieldID), "text": .text(\.text)]
}

/// `pages/sign_in`.
struct SignInPage: PageModel {
    struct Form: TemplateModel {
        var username: String
        static let fields: TemplateFields<Self> = ["username": .text(\.username)]
    }

    /// A field's message, absent when the field is fine.
    struct FieldErrors: TemplateModel {
        var username: String?, password: String?
        static let fields: TemplateFields<Self> = ["username": .optionalText(\.username), "password": .optionalText(\.password)]
    }

    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel
    var form: Form
    var hasErrors: Bool
    var errors: [ErrorSummaryEntry]
    var fieldErrors: FieldErrors
    var returnToAfter: String
    var notice: String?

    static let fields = TemplateFields<Self>([
        "form": .object(\.form), "has_errors": .flag(\.hasErrors), "errors": .list(\.errors), "field_errors": .object(\.fieldErrors),
        "return_to_after": .text(\.returnToAfter), "notice": .optionalText(\.notice),
    ]).including(\.layout)
}
