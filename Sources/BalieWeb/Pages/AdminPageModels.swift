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
