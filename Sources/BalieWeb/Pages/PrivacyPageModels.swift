/// The privacy pages' typed data (issue #20): erasing a customer in two steps, the done page, the audit trail.

/// A customer as the erasure steps name them.
struct ErasureCustomer: TemplateModel {
    var number: String, fullName: String
    static let fields: TemplateFields<Self> = ["number": .text(\.number), "full_name": .text(\.fullName)]
}

/// A labelled count: what an erasure removes or keeps, what it removed.
struct CountRow: TemplateModel {
    var label: String, count: Int
    static let fields: TemplateFields<Self> = ["label": .text(\.label), "count": .number(\.count)]
}

/// `pages/privacy_erase`: step 1, what goes and what stays, and the reason.
struct PrivacyErasePage: PageModel {
    struct FieldErrors: TemplateModel {
        var reason: String?
        static let fields: TemplateFields<Self> = ["reason": .optionalText(\.reason)]
    }

    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel
    var customer: ErasureCustomer
    var customerHref: String
    var action: String
    var goes: [CountRow]
    var stays: [CountRow]
    var reason: String
    var hasErrors: Bool
    var errors: [ErrorSummaryEntry]
    var fieldErrors: FieldErrors

    static let fields = TemplateFields<Self>([
        "customer": .object(\.customer), "customer_href": .text(\.customerHref), "action": .text(\.action), "goes": .list(\.goes),
        "stays": .list(\.stays), "reason": .text(\.reason), "has_errors": .flag(\.hasErrors), "errors": .list(\.errors),
        "field_errors": .object(\.fieldErrors),
    ]).including(\.layout)
}

/// `pages/privacy_erase_confirm`: step 2, the customer's number typed again.
struct PrivacyEraseConfirmPage: PageModel {
    struct FieldErrors: TemplateModel {
        var confirmNumber: String?
        static let fields: TemplateFields<Self> = ["confirm_number": .optionalText(\.confirmNumber)]
    }

    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel
    var customer: ErasureCustomer
    var customerHref: String
    var action: String
    var reason: String
    var confirmNumber: String
    var confirmLabel: String
    var hasErrors: Bool
    var errors: [ErrorSummaryEntry]
    var fieldErrors: FieldErrors

    static let fields = TemplateFields<Self>([
        "customer": .object(\.customer), "customer_href": .text(\.customerHref), "action": .text(\.action), "reason": .text(\.reason),
        "confirm_number": .text(\.confirmNumber), "confirm_label": .text(\.confirmLabel), "has_errors": .flag(\.hasErrors),
        "errors": .list(\.errors), "field_errors": .object(\.fieldErrors),
    ]).including(\.layout)
}

/// `pages/privacy_erased`: numbers only, nothing that names the customer.
struct PrivacyErasedPage: PageModel {
    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel
    var hasCounts: Bool
    var counts: [CountRow]

    static let fields = TemplateFields<Self>(["has_counts": .flag(\.hasCounts), "counts": .list(\.counts)]).including(\.layout)
}

/// `pages/privacy_audit`: the filter form, its problems, and the rows found.
struct PrivacyAuditPage: PageModel {
    /// The filters as typed, shown again.
    struct Filters: TemplateModel {
        var customer: String, staff: String, from: String, to: String
        static let fields: TemplateFields<Self> = [
            "customer": .text(\.customer), "staff": .text(\.staff), "from": .text(\.from), "to": .text(\.to),
        ]
    }

    struct FieldErrors: TemplateModel {
        var customer: String?, staff: String?, from: String?, to: String?
        static let fields: TemplateFields<Self> = [
            "customer": .optionalText(\.customer), "staff": .optionalText(\.staff), "from": .optionalText(\.from), "to": .optionalText(\.to),
        ]
    }

    struct Row: TemplateModel {
        var when: String, who: String, roleName: String, actionName: String, subject: String, reason: String, origin: String
        static let fields: TemplateFields<Self> = [
            "when": .text(\.when), "who": .text(\.who), "role_name": .text(\.roleName), "action_name": .text(\.actionName),
            "subject": .text(\.subject), "reason": .text(\.reason), "origin": .text(\.origin),
        ]
    }

    /// What a search found (nothing before one).
    struct Results: TemplateModel {
        var searched = false
        var rows: [Row] = []
        var olderHref: String?
        var newestHref: String?
        static let fields: TemplateFields<Self> = [
            "searched": .flag(\.searched), "has_rows": .flag { !$0.rows.isEmpty }, "rows": .list(\.rows),
            "has_pager": .flag { $0.olderHref != nil || $0.newestHref != nil }, "older_href": .optionalText(\.olderHref),
            "newest_href": .optionalText(\.newestHref),
        ]
    }

    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel
    var filters: Filters
    var csvHref: String
    var hasErrors: Bool
    var errors: [ErrorSummaryEntry]
    var fieldErrors: FieldErrors
    var results: Results

    static let fields = TemplateFields<Self>([
        "filters": .object(\.filters), "csv_href": .text(\.csvHref), "has_errors": .flag(\.hasErrors), "errors": .list(\.errors),
        "field_errors": .object(\.fieldErrors),
    ]).including(\.results).including(\.layout)
}
