import BalieCore

/// `pages/remote_home`: the remote colleague's list of help requests (issue #20: typed page data).
struct RemoteHomePage: PageModel {
    struct OpenRequest: TemplateModel {
        var id: Int, kiosk: String, branch: String, topic: String, waitingText: String, acceptAction: String
        static let fields: TemplateFields<Self> = [
            "id": .number(\.id), "kiosk": .text(\.kiosk), "branch": .text(\.branch), "topic": .text(\.topic),
            "waiting_text": .text(\.waitingText), "accept_action": .text(\.acceptAction),
        ]
    }

    struct MyRequest: TemplateModel {
        var id: Int, kiosk: String, topic: String, href: String, statusText: String
        static let fields: TemplateFields<Self> = [
            "id": .number(\.id), "kiosk": .text(\.kiosk), "topic": .text(\.topic), "href": .text(\.href), "status_text": .text(\.statusText),
        ]
    }

    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel
    var hasOpen: Bool
    var openRequests: [OpenRequest]
    var hasMine: Bool
    var myRequests: [MyRequest]
    var wasTaken: Bool
    var eventsURL: String
    var refreshSeconds: Int

    static let fields = TemplateFields<Self>([
        "has_open": .flag(\.hasOpen), "open_requests": .list(\.openRequests), "has_mine": .flag(\.hasMine),
        "my_requests": .list(\.myRequests), "was_taken": .flag(\.wasTaken), "events_url": .text(\.eventsURL),
        "refresh_seconds": .number(\.refreshSeconds),
    ]).including(\.layout)
}

/// Where a help request stands, as both help screens test it (`is_open`, `is_live`, …).
struct HelpStateFlags: TemplateModel {
    var status: HelpRequest.Status
    static let fields: TemplateFields<Self> = [
        "is_open": .flag { $0.status == .open }, "is_accepted": .flag { $0.status == .accepted }, "is_active": .flag { $0.status == .active },
        "is_declined": .flag { $0.status == .declined }, "is_ended": .flag { $0.status == .ended },
        "is_cancelled": .flag { $0.status == .cancelled }, "is_live": .flag { $0.status.isLive },
    ]
}

/// A message or note with the time it was written.
struct TimedText: TemplateModel {
    var text: String, when: String
    static let fields: TemplateFields<Self> = ["text": .text(\.text), "when": .text(\.when)]
}

/// `pages/help_kiosk`: the customer's screen while a remote colleague is asked for, asks consent, or helps.
struct HelpKioskPage: PageModel {
    struct Help: TemplateModel {
        var topic: String, helperName: String, base: String, since: Int
        static let fields: TemplateFields<Self> = [
            "topic": .text(\.topic), "helper_name": .text(\.helperName), "consent_action": .text { $0.base + "/consent" },
            "end_action": .text { $0.base + "/end" }, "events_url": .text { "\($0.base)/events?since=\($0.since)" },
        ]
    }

    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel
    var state: HelpStateFlags
    var help: Help
    var consentQuestion: String
    var consentExplained: String
    var messages: [TimedText]
    var backHref: String
    var refreshSeconds: Int
    var refreshURL: String

    static let fields = TemplateFields<Self>([
        "help": .object(\.help), "consent_question": .text(\.consentQuestion), "consent_explained": .text(\.consentExplained),
        "has_messages": .flag { !$0.messages.isEmpty }, "messages": .list(\.messages), "back_href": .text(\.backHref),
        "refresh_seconds": .number(\.refreshSeconds), "refresh_url": .text(\.refreshURL),
    ]).including(\.state).including(\.layout)
}

/// `pages/remote_request`: the remote colleague's screen of one help request, with the live session once the customer
/// agreed.
struct RemoteRequestPage: PageModel {
    struct Help: TemplateModel {
        var id: Int, kiosk: String, branch: String, topic: String, base: String, since: Int
        static let fields: TemplateFields<Self> = [
            "id": .number(\.id), "kiosk": .text(\.kiosk), "branch": .text(\.branch), "topic": .text(\.topic),
            "message_action": .text { $0.base + "/messages" }, "step_action": .text { $0.base + "/steps" },
            "note_action": .text { $0.base + "/notes" }, "end_action": .text { $0.base + "/end" },
            "events_url": .text { "\($0.base)/events?since=\($0.since)" },
        ]
    }

    struct Step: TemplateModel {
        var description: String, when: String, isCurrent: Bool, actorName: String
        static let fields: TemplateFields<Self> = [
            "description": .text(\.description), "when": .text(\.when), "is_current": .flag(\.isCurrent), "actor_name": .text(\.actorName),
        ]
    }

    struct Task: TemplateModel {
        var id: Int, name: String, outcomeText: String?, steps: [Step]
        static let fields: TemplateFields<Self> = [
            "id": .number(\.id), "name": .text(\.name), "finished": .flag { $0.outcomeText != nil }, "outcome_text": .optionalText(\.outcomeText),
            "has_steps": .flag { !$0.steps.isEmpty }, "steps": .list(\.steps),
        ]
    }

    struct CurrentStep: TemplateModel {
        var description: String, when: String
        static let fields: TemplateFields<Self> = ["description": .text(\.description), "when": .text(\.when)]
    }

    /// What the colleague sees of the session while helping (not the customer's record); empty before that.
    struct LiveSession: TemplateModel {
        var shown = false
        var tasks: [Task] = []
        var currentStep: CurrentStep?
        var notes: [TimedText] = []
        var openTasks: [IdentifiedName] = []
        var stepActors: [CustomerPage.Choice] = []
        static let fields: TemplateFields<Self> = [
            "has_session": .flag(\.shown), "has_tasks": .flag { !$0.tasks.isEmpty }, "tasks": .list(\.tasks),
            "has_current_step": .flag { $0.currentStep != nil }, "current_step": .object(\.currentStep),
            "has_notes": .flag { !$0.notes.isEmpty }, "notes": .list(\.notes), "has_open_tasks": .flag { !$0.openTasks.isEmpty },
            "open_tasks": .list(\.openTasks), "step_actors": .list(\.stepActors),
        ]
    }

    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel
    var state: HelpStateFlags
    var help: Help
    var live: LiveSession
    var sent: [TimedText]
    var messageMax: Int
    var errors: [ErrorSummaryEntry]
    var refreshSeconds: Int

    static let fields = TemplateFields<Self>([
        "help": .object(\.help), "has_sent": .flag { !$0.sent.isEmpty }, "sent": .list(\.sent), "message_max": .number(\.messageMax),
        "has_errors": .flag { !$0.errors.isEmpty }, "errors": .list(\.errors), "refresh_seconds": .number(\.refreshSeconds),
    ]).including(\.live).including(\.state).including(\.layout)
}
