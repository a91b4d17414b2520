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

/// `pages/session_summary`: what was done, for the customer to take home (printable).
struct SessionSummaryPage: PageModel {
    struct Task: TemplateModel {
        var name: String, outcomeText: String
        /// What comes next (a follow-up or a referral); "" when nothing does.
        var nextStep: String
        static let fields: TemplateFields<Self> = [
            "name": .text(\.name), "outcome_text": .text(\.outcomeText), "has_next_step": .flag { !$0.nextStep.isEmpty },
            "next_step": .text(\.nextStep),
        ]
    }

    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel
    var date: String
    var staffName: String
    var organisation: String
    var tasks: [Task]
    var hasFollowUpContact: Bool
    var doneHref: String

    static let fields = TemplateFields<Self>([
        "date": .text(\.date), "staff_name": .text(\.staffName), "organisation": .text(\.organisation), "tasks": .list(\.tasks),
        "has_follow_up_contact": .flag(\.hasFollowUpContact), "done_href": .text(\.doneHref),
    ]).including(\.layout)
}
