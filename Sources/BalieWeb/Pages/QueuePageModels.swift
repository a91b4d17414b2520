/// The walk-in queue's pages (`QueueRoutes`) as typed page data (issue #20).

/// `pages/queue_take`: one submit button per task group for a numbered ticket.
struct QueueTakePage: PageModel {
    struct Group: TemplateModel {
        var id: String, icon: String, name: String, description: String
        static let fields: TemplateFields<Self> = [
            "id": .text(\.id), "icon": .text(\.icon), "name": .text(\.name), "description": .text(\.description),
        ]
    }

    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel
    var groups: [Group]

    static let fields = TemplateFields<Self>(["groups": .list(\.groups)]).including(\.layout)
}

/// `pages/queue_ticket`: the number taken, the people ahead and the wait.
struct QueueTicketPage: PageModel {
    struct Ticket: TemplateModel {
        var code: String, groupName: String
        static let fields: TemplateFields<Self> = ["code": .text(\.code), "group_name": .text(\.groupName)]
    }

    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel
    var ticket: Ticket
    var peopleAheadText: String
    var waitText: String
    var hasPriority: Bool
    /// Said when the wait may run past closing time; nil when it will not.
    var closesText: String?

    static let fields = TemplateFields<Self>([
        "ticket": .object(\.ticket), "people_ahead_text": .text(\.peopleAheadText), "wait_text": .text(\.waitText),
        "has_priority": .flag(\.hasPriority), "closes_text": .optionalText(\.closesText),
    ]).including(\.layout)
}

/// `pages/queue_staff`: the branch's waiting and called tickets for staff.
struct QueueStaffPage: PageModel {
    struct Waiting: TemplateModel {
        var code: String, groupName: String, priority: Bool, waited: String
        static let fields: TemplateFields<Self> = [
            "code": .text(\.code), "group_name": .text(\.groupName), "priority": .flag(\.priority), "waited": .text(\.waited),
        ]
    }

    struct TransferGroup: TemplateModel {
        var id: String, name: String
        static let fields: TemplateFields<Self> = ["id": .text(\.id), "name": .text(\.name)]
    }

    struct Called: TemplateModel {
        var code: String, groupName: String
        /// Who called and from where; "" when unknown (not shown).
        var calledBy: String, desk: String
        var recallAction: String, noShowAction: String, startAction: String, transferAction: String
        var transferGroups: [TransferGroup]
        static let fields: TemplateFields<Self> = [
            "code": .text(\.code), "group_name": .text(\.groupName), "called_by": .text(\.calledBy), "desk": .text(\.desk),
            "recall_action": .text(\.recallAction), "no_show_action": .text(\.noShowAction), "start_action": .text(\.startAction),
            "transfer_action": .text(\.transferAction), "transfer_groups": .list(\.transferGroups),
        ]
    }

    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel
    var waiting: [Waiting]
    var called: [Called]

    static let fields = TemplateFields<Self>([
        "has_waiting": .flag { !$0.waiting.isEmpty }, "waiting": .list(\.waiting),
        "has_called": .flag { !$0.called.isEmpty }, "called": .list(\.called),
    ]).including(\.layout)
}

/// `pages/queue_display`: the waiting room's screen of recent calls; its layout is in neither customer nor staff mode.
struct QueueDisplayPage: PageModel {
    struct Call: TemplateModel {
        var code: String, desk: String
        static let fields: TemplateFields<Self> = ["code": .text(\.code), "desk": .text(\.desk)]
    }

    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel
    /// Newest first.
    var calls: [Call]
    var eventsURL: String
    var refreshSeconds: Int

    static let fields = TemplateFields<Self>([
        "has_calls": .flag { !$0.calls.isEmpty }, "calls": .list(\.calls), "events_url": .text(\.eventsURL),
        "refresh_seconds": .number(\.refreshSeconds),
    ]).including(\.layout)
}
