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

/// `pages/staff_home`.
struct StaffHomePage: PageModel {
    struct Person: TemplateModel {
        var roleName: String, branchName: String
        static let fields: TemplateFields<Self> = [
            "role_name": .text(\.roleName), "branch_name": .text(\.branchName),
        ]
    }

    struct Call: TemplateModel {
        var kiosk: String, groupName: String, when: String
        static let fields: TemplateFields<Self> = [
            "kiosk": .text(\.kiosk), "group_name": .text(\.groupName), "when": .text(\.when),
        ]
    }

    struct OpenSession: TemplateModel {
        var href: String, started: String, who: String, stale: Bool
        static let fields: TemplateFields<Self> = [
            "href": .text(\.href), "started": .text(\.started), "who": .text(\.who), "stale": .flag(\.stale),
        ]
    }

    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel
    var staff: Person
    var calls: [Call]
    var hasCalls: Bool
    var isAdmin: Bool
    var helpsRemotely: Bool
    var canViewAudit: Bool
    var hasOpenSessions: Bool
    var openSessions: [OpenSession]
    var canSwitchBranch: Bool
    var switchBranches: [SelectOption]

    static let fields = TemplateFields<Self>([
        "staff": .object(\.staff), "calls": .list(\.calls), "has_calls": .flag(\.hasCalls), "is_admin": .flag(\.isAdmin),
        "helps_remotely": .flag(\.helpsRemotely), "can_view_audit": .flag(\.canViewAudit),
        "has_open_sessions": .flag(\.hasOpenSessions), "open_sessions": .list(\.openSessions),
        "can_switch_branch": .flag(\.canSwitchBranch), "switch_branches": .list(\.switchBranches),
    ]).including(\.layout)
}

/// `pages/admin_staff`: the staff accounts.
struct AdminStaffPage: PageModel {
    struct Account: TemplateModel {
        var username: String, fullName: String, roleName: String, branch: String, active: Bool, statusText: String
        var toggleAction: String, toggleLabel: String
        static let fields: TemplateFields<Self> = [
            "username": .text(\.username), "full_name": .text(\.fullName), "role_name": .text(\.roleName), "branch": .text(\.branch),
            "active": .flag(\.active), "status_text": .text(\.statusText), "toggle_action": .text(\.toggleAction),
            "toggle_label": .text(\.toggleLabel),
        ]
    }

    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel
    var accounts: [Account]

    static let fields = TemplateFields<Self>(["accounts": .list(\.accounts)]).including(\.layout)
}

/// `pages/customer_search`.
struct CustomerSearchPage: PageModel {
    struct Query: TemplateModel {
        var q: String, postcode: String, birthDate: String
        static let fields: TemplateFields<Self> = ["q": .text(\.q), "postcode": .text(\.postcode), "birth_date": .text(\.birthDate)]
    }

    /// A field's message, absent when the field is fine.
    struct FieldErrors: TemplateModel {
        var q: String?, postcode: String?, birthDate: String?
        static let fields: TemplateFields<Self> = [
            "q": .optionalText(\.q), "postcode": .optionalText(\.postcode), "birth_date": .optionalText(\.birthDate),
        ]
    }

    struct Result: TemplateModel {
        var number: String, name: String, birthDate: String, postcode: String, href: String
        static let fields: TemplateFields<Self> = [
            "number": .text(\.number), "name": .text(\.name), "birth_date": .text(\.birthDate), "postcode": .text(\.postcode),
            "href": .text(\.href),
        ]
    }

    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel
    var query: Query
    var hasErrors: Bool
    var errors: [ErrorSummaryEntry]
    var fieldErrors: FieldErrors
    var searched: Bool
    var hasResults: Bool
    var resultsText: String
    var tooMany: Bool
    var results: [Result]

    static let fields = TemplateFields<Self>([
        "query": .object(\.query), "has_errors": .flag(\.hasErrors), "errors": .list(\.errors), "field_errors": .object(\.fieldErrors),
        "searched": .flag(\.searched), "has_results": .flag(\.hasResults), "results_text": .text(\.resultsText),
        "too_many": .flag(\.tooMany), "results": .list(\.results),
    ]).including(\.layout)
}

/// `pages/language`: the choice of language, for anyone; the layout's `return_to` is where to go after it.
struct LanguagePage: PageModel {
    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel

    static let fields = TemplateFields<Self>([:]).including(\.layout)
}
