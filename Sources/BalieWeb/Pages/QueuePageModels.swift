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
