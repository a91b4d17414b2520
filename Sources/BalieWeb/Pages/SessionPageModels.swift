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

/// A choice by id: a task of the catalogue, a partner.
struct IdentifiedName: TemplateModel {
    var id: String, name: String
    static let fields: TemplateFields<Self> = ["id": .text(\.id), "name": .text(\.name)]
}

/// `pages/session`: one assisted session for staff: its tasks with their steps and outcomes, notes, unread
/// important messages, asking for remote help and handing the screen to the customer.
struct SessionPage: PageModel {
    /// The session's facts; also the layout's `session` (its sign-in countdown), as the template's `session` is one
    /// object for both.
    struct Info: TemplateModel {
        var id: Int, started: String, kiosk: String, customerHref: String, customerName: String?
        var secondsLeft: Int?, warnSeconds: Int?
        static let fields: TemplateFields<Self> = [
            "id": .number(\.id), "started": .text(\.started), "kiosk": .text(\.kiosk), "customer_href": .text(\.customerHref),
            "customer_name": .optionalText(\.customerName), "seconds_left": .optionalText { $0.secondsLeft.map(String.init) },
            "warn_seconds": .optionalText { $0.warnSeconds.map(String.init) },
        ]
    }

    struct Step: TemplateModel {
        var description: String, actorName: String, reason: String, when: String
        static let fields: TemplateFields<Self> = [
            "description": .text(\.description), "actor_name": .text(\.actorName), "reason": .text(\.reason),
            "has_reason": .flag { !$0.reason.isEmpty }, "when": .text(\.when),
        ]
    }

    struct Task: TemplateModel {
        var id: Int, name: String, groupName: String, outcomeText: String?, steps: [Step]
        var stepAction: String, finishAction: String, partners: [IdentifiedName]
        static let fields: TemplateFields<Self> = [
            "id": .number(\.id), "name": .text(\.name), "group_name": .text(\.groupName), "finished": .flag { $0.outcomeText != nil },
            "outcome_text": .optionalText(\.outcomeText), "has_steps": .flag { !$0.steps.isEmpty }, "steps": .list(\.steps),
            "step_action": .text(\.stepAction), "finish_action": .text(\.finishAction), "has_partners": .flag { !$0.partners.isEmpty },
            "partners": .list(\.partners),
        ]
    }

    struct CatalogGroup: TemplateModel {
        var name: String, tasks: [IdentifiedName]
        static let fields: TemplateFields<Self> = ["name": .text(\.name), "tasks": .list(\.tasks)]
    }

    struct Note: TemplateModel {
        var text: String, when: String
        static let fields: TemplateFields<Self> = ["text": .text(\.text), "when": .text(\.when)]
    }

    struct Message: TemplateModel {
        var title: String, sent: String, readAction: String
        static let fields: TemplateFields<Self> = ["title": .text(\.title), "sent": .text(\.sent), "read_action": .text(\.readAction)]
    }

    /// A remote helper already asked for: its screen and where it stands.
    struct LiveHelp {
        var href: String, statusText: String
    }

    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel
    var info: Info
    var phaseOpen: Bool
    var errors: [ErrorSummaryEntry]
    var tasks: [Task]
    var base: String
    var catalogGroups: [CatalogGroup]
    var stepActors: [CustomerPage.Choice]
    var outcomes: [CustomerPage.Choice]
    var channels: [CustomerPage.Choice]
    var notes: [Note]
    var messages: [Message]
    var liveHelp: LiveHelp?
    /// The help request form sends a `group` when there is one: never from a session.
    let group: TopicGroup? = nil

    static let fields = TemplateFields<Self>([
        "session": .object(\.info), "has_customer": .flag { $0.info.customerName != nil }, "phase_open": .flag(\.phaseOpen),
        "has_errors": .flag { !$0.errors.isEmpty }, "errors": .list(\.errors), "has_tasks": .flag { !$0.tasks.isEmpty },
        "tasks": .list(\.tasks), "add_task_action": .text { $0.base + "/tasks" }, "note_action": .text { $0.base + "/notes" },
        "handover_action": .text { $0.base + "/handover" }, "help_request_action": .text { $0.base + "/help" },
        "catalog_groups": .list(\.catalogGroups), "step_actors": .list(\.stepActors), "outcomes": .list(\.outcomes),
        "channels": .list(\.channels), "has_notes": .flag { !$0.notes.isEmpty }, "notes": .list(\.notes),
        "has_messages": .flag { !$0.messages.isEmpty }, "messages": .list(\.messages), "has_live_help": .flag { $0.liveHelp != nil },
        "help_href": .optionalText { $0.liveHelp?.href }, "help_status_text": .optionalText { $0.liveHelp?.statusText },
        "group": .object(\.group),
    ]).including(\.layout)
}
