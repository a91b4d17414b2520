/// The assisted session's pages (`SessionRoutes`) as typed page data (issue #20).

/// `pages/session_feedback`: the customer's two questions at the end of a session, on the customer's screen.
struct SessionFeedbackPage: PageModel {
    struct EffortOption: TemplateModel {
        var value: Int, label: String
        static let fields: TemplateFields<Self> = ["value": .number(\.value), "label": .text(\.label)]
    }

    struct RelianceOption: TemplateModel {
        var value: String, label: String
        static let fields: TemplateFields<Self> = ["value": .text(\.value), "label": .text(\.label)]
    }

    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel
    var errors: [ErrorSummaryEntry]
    var feedbackAction: String
    var effortQuestion: String
    var effortOptions: [EffortOption]
    var relianceOptions: [RelianceOption]

    static let fields = TemplateFields<Self>([
        "has_errors": .flag { !$0.errors.isEmpty }, "errors": .list(\.errors), "feedback_action": .text(\.feedbackAction),
        "effort_question": .text(\.effortQuestion), "effort_options": .list(\.effortOptions), "reliance_options": .list(\.relianceOptions),
    ]).including(\.layout)
}
