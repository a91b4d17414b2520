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
