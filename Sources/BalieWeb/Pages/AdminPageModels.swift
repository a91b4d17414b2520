/// The admin pages' typed data (issue #20): kiosk enrolment, the kiosks and the branches.

/// An `<option>` of a select: a branch, a kind of kiosk.
struct SelectOption: TemplateModel {
    var code: String, name: String, selected: Bool
    static let fields: TemplateFields<Self> = ["code": .text(\.code), "name": .text(\.name), "selected": .flag(\.selected)]
}

/// `pages/enrol`: a browser types the code read aloud.
struct EnrolPage: PageModel {
    struct Form: TemplateModel {
        var code: String
        static let fields: TemplateFields<Self> = ["code": .text(\.code)]
    }

    struct FieldErrors: TemplateModel {
        var code: String?
        static let fields: TemplateFields<Self> = ["code": .optionalText(\.code)]
    }

    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel
    var form: Form
    var hasErrors: Bool
    var errors: [ErrorSummaryEntry]
    var fieldErrors: FieldErrors

    static let fields = TemplateFields<Self>([
        "form": .object(\.form), "has_errors": .flag(\.hasErrors), "errors": .list(\.errors), "field_errors": .object(\.fieldErrors),
    ]).including(\.layout)
}

/// `pages/enrolled`: the browser is a kiosk now.
struct EnrolledPage: PageModel {
    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel
    var kindName: String
    var doneText: String
    var startHref: String
    var autoStart: Bool

    static let fields = TemplateFields<Self>([
        "kind_name": .text(\.kindName), "done_text": .text(\.doneText), "start_href": .text(\.startHref), "auto_start": .flag(\.autoStart),
    ]).including(\.layout)
}

/// `pages/not_enrolled`: the layout only.
struct NotEnrolledPage: PageModel {
    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel

    static let fields = TemplateFields<Self>([:]).including(\.layout)
}

/// `pages/admin_kiosks`.
struct AdminKiosksPage: PageModel {
    struct KioskRow: TemplateModel {
        var name: String, branchName: String, kindName: String, active: Bool, statusText: String, lastSeenText: String, stale: Bool
        var codeAction: String, revokeAction: String
        static let fields: TemplateFields<Self> = [
            "name": .text(\.name), "branch_name": .text(\.branchName), "kind_name": .text(\.kindName), "active": .flag(\.active),
            "status_text": .text(\.statusText), "last_seen_text": .text(\.lastSeenText), "stale": .flag(\.stale),
            "code_action": .text(\.codeAction), "revoke_action": .text(\.revokeAction),
        ]
    }

    struct Form: TemplateModel {
        var name: String
        static let fields: TemplateFields<Self> = ["name": .text(\.name)]
    }

    struct FieldErrors: TemplateModel {
        var name: String?, branch: String?
        static let fields: TemplateFields<Self> = ["name": .optionalText(\.name), "branch": .optionalText(\.branch)]
    }

    /// The code just issued, to read aloud at the kiosk.
    struct NewCode: TemplateModel {
        var code: String, kioskName: String, branchName: String, validUntil: String
        static let fields: TemplateFields<Self> = [
            "code": .text(\.code), "kiosk_name": .text(\.kioskName), "branch_name": .text(\.branchName), "valid_until": .text(\.validUntil),
        ]
    }

    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel
    var kiosks: [KioskRow]
    var hasKiosks: Bool
    var branches: [SelectOption]
    var kinds: [SelectOption]
    var form: Form
    var hasNewCode: Bool
    var newCode: NewCode?
    var hasErrors: Bool
    var errors: [ErrorSummaryEntry]
    var fieldErrors: FieldErrors

    static let fields = TemplateFields<Self>([
        "kiosks": .list(\.kiosks), "has_kiosks": .flag(\.hasKiosks), "branches": .list(\.branches), "kinds": .list(\.kinds),
        "form": .object(\.form), "has_new_code": .flag(\.hasNewCode), "new_code": .object(\.newCode),
        "has_errors": .flag(\.hasErrors), "errors": .list(\.errors), "field_errors": .object(\.fieldErrors),
    ]).including(\.layout)
}

/// `pages/admin_branches`.
struct AdminBranchesPage: PageModel {
    struct BranchRow: TemplateModel {
        var code: String, name: String, timeZone: String, hoursText: String, closuresText: String, kioskCount: Int, editAction: String
        static let fields: TemplateFields<Self> = [
            "code": .text(\.code), "name": .text(\.name), "time_zone": .text(\.timeZone), "hours_text": .text(\.hoursText),
            "closures_text": .text(\.closuresText), "kiosk_count": .number(\.kioskCount), "edit_action": .text(\.editAction),
        ]
    }

    /// The add form, refilled after a refusal.
    struct Form: TemplateModel {
        var code: String, name: String, timeZone: String, hours: String, closures: String
        static let fields: TemplateFields<Self> = [
            "code": .text(\.code), "name": .text(\.name), "time_zone": .text(\.timeZone), "hours": .text(\.hours), "closures": .text(\.closures),
        ]
    }

    struct FieldErrors: TemplateModel {
        var code: String?, name: String?, timeZone: String?, hours: String?, closures: String?
        static let fields: TemplateFields<Self> = [
            "code": .optionalText(\.code), "name": .optionalText(\.name), "time_zone": .optionalText(\.timeZone),
            "hours": .optionalText(\.hours), "closures": .optionalText(\.closures),
        ]
    }

    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel
    var branches: [BranchRow]
    var canAdd: Bool
    var form: Form
    var hasErrors: Bool
    var errors: [ErrorSummaryEntry]
    var fieldErrors: FieldErrors

    static let fields = TemplateFields<Self>([
        "branches": .list(\.branches), "can_add": .flag(\.canAdd), "form": .object(\.form),
        "has_errors": .flag(\.hasErrors), "errors": .list(\.errors), "field_errors": .object(\.fieldErrors),
    ]).including(\.layout)
}
