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

/// `pages/privacy_export`: everything held about one customer, readable and printable (AVG art. 15).
struct PrivacyExportPage: PageModel {
    struct Record: TemplateModel {
        var fullName: String, number: String, birthDate: String, postcode: String, phone: String, email: String
        var preferredChannelName: String, languageName: String, address: String, needsText: String, note: String
        static let fields: TemplateFields<Self> = [
            "full_name": .text(\.fullName), "number": .text(\.number), "birth_date": .text(\.birthDate), "postcode": .text(\.postcode),
            "phone": .text(\.phone), "email": .text(\.email), "preferred_channel_name": .text(\.preferredChannelName),
            "language_name": .text(\.languageName), "address": .text(\.address), "needs_text": .text(\.needsText), "note": .text(\.note),
        ]
    }

    struct Consent: TemplateModel {
        var purposeName: String, statusText: String, when: String, howName: String
        static let fields: TemplateFields<Self> = [
            "purpose_name": .text(\.purposeName), "status_text": .text(\.statusText), "when": .text(\.when), "how_name": .text(\.howName),
        ]
    }

    struct Message: TemplateModel {
        var title: String, sent: String, importantText: String, readText: String
        static let fields: TemplateFields<Self> = [
            "title": .text(\.title), "sent": .text(\.sent), "important_text": .text(\.importantText), "read_text": .text(\.readText),
        ]
    }

    struct FollowUp: TemplateModel {
        var description: String, due: String, channelName: String, doneText: String
        static let fields: TemplateFields<Self> = [
            "description": .text(\.description), "due": .text(\.due), "channel_name": .text(\.channelName), "done_text": .text(\.doneText),
        ]
    }

    struct Step: TemplateModel {
        var description: String, actorName: String, when: String, reason: String
        static let fields: TemplateFields<Self> = [
            "description": .text(\.description), "actor_name": .text(\.actorName), "when": .text(\.when), "reason": .text(\.reason),
            "has_reason": .flag { !$0.reason.isEmpty },
        ]
    }

    struct Task: TemplateModel {
        var name: String, outcomeName: String, detail: String, partner: String, followUp: String, steps: [Step]
        static let fields: TemplateFields<Self> = [
            "name": .text(\.name), "outcome_name": .text(\.outcomeName), "detail": .text(\.detail), "has_detail": .flag { !$0.detail.isEmpty },
            "partner": .text(\.partner), "has_partner": .flag { !$0.partner.isEmpty }, "follow_up": .text(\.followUp),
            "has_follow_up": .flag { !$0.followUp.isEmpty }, "has_steps": .flag { !$0.steps.isEmpty }, "steps": .list(\.steps),
        ]
    }

    struct Session: TemplateModel {
        var heading: String, finished: String, kiosk: String, languageName: String, effortText: String, relianceText: String
        var adviceText: String, tasks: [Task], notes: [TimedText]
        static let fields: TemplateFields<Self> = [
            "heading": .text(\.heading), "finished": .text(\.finished), "kiosk": .text(\.kiosk), "language_name": .text(\.languageName),
            "effort_text": .text(\.effortText), "reliance_text": .text(\.relianceText), "advice_text": .text(\.adviceText),
            "has_tasks": .flag { !$0.tasks.isEmpty }, "tasks": .list(\.tasks), "has_notes": .flag { !$0.notes.isEmpty },
            "notes": .list(\.notes),
        ]
    }

    struct AuditRow: TemplateModel {
        var when: String, actionName: String, roleName: String, reason: String
        static let fields: TemplateFields<Self> = [
            "when": .text(\.when), "action_name": .text(\.actionName), "role_name": .text(\.roleName), "reason": .text(\.reason),
        ]
    }

    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel
    var customer: Record
    var hasNeeds: Bool
    var hasNote: Bool
    var contacts: [ContactItem]
    var consents: [Consent]
    var messages: [Message]
    var followUps: [FollowUp]
    var sessions: [Session]
    var audit: [AuditRow]
    var intro: String
    var customerHref: String
    var jsonHref: String
    var canErase: Bool
    var eraseHref: String

    static let fields = TemplateFields<Self>([
        "customer": .object(\.customer), "has_needs": .flag(\.hasNeeds), "has_note": .flag(\.hasNote),
        "has_contacts": .flag { !$0.contacts.isEmpty }, "contacts": .list(\.contacts), "has_consents": .flag { !$0.consents.isEmpty },
        "consents": .list(\.consents), "has_messages": .flag { !$0.messages.isEmpty }, "messages": .list(\.messages),
        "has_follow_ups": .flag { !$0.followUps.isEmpty }, "follow_ups": .list(\.followUps), "has_sessions": .flag { !$0.sessions.isEmpty },
        "sessions": .list(\.sessions), "has_audit": .flag { !$0.audit.isEmpty }, "audit": .list(\.audit), "intro": .text(\.intro),
        "customer_href": .text(\.customerHref), "json_href": .text(\.jsonHref), "can_erase": .flag(\.canErase),
        "erase_href": .text(\.eraseHref),
    ]).including(\.layout)
}
