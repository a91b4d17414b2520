/// The customer kiosk's pages (`KioskRoutes`) as typed page data (issue #20).

/// `pages/start`: the task groups as tiles, asking for staff, a number for the queue, help from afar.
struct StartPage: PageModel {
    /// `components/tile`: one task group.
    struct Tile: TemplateModel {
        var href: String, icon: String, name: String, description: String
        static let fields: TemplateFields<Self> = [
            "href": .text(\.href), "icon": .text(\.icon), "name": .text(\.name), "description": .text(\.description),
        ]
    }

    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel
    var groups: [Tile]
    var helpRequestAction: String
    /// The staff call and help request forms send a `group` when there is one: never on the start page.
    let group: TopicGroup? = nil

    static let fields = TemplateFields<Self>([
        "groups": .list(\.groups), "help_request_action": .text(\.helpRequestAction), "group": .object(\.group),
    ]).including(\.layout)
}

/// `pages/topic`: one task group, with example tasks, asking for staff about it.
struct TopicPage: PageModel {
    struct Example: TemplateModel {
        var name: String
        static let fields: TemplateFields<Self> = ["name": .text(\.name)]
    }

    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel
    var group: TopicGroup
    var examples: [Example]
    var helpRequestAction: String

    static let fields = TemplateFields<Self>([
        "group": .object(\.group), "examples": .list(\.examples), "help_request_action": .text(\.helpRequestAction),
    ]).including(\.layout)
}

/// `pages/call_staff_done`: staff are coming, about the group asked for if one was.
struct CallStaffDonePage: PageModel {
    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel
    var groupName: String?

    /// The group's name, nil when none was asked about (the template's `empty(group_name)` also hides "").
    static let fields = TemplateFields<Self>(["group_name": .optionalText(\.groupName)]).including(\.layout)
}

/// `pages/kiosk_reset`: one button that posts the reset; the layout's fields are all it shows.
struct KioskResetPage: PageModel {
    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel

    static let fields = TemplateFields<Self>([:]).including(\.layout)
}

/// `pages/still_there`: the idle reset's warning without JavaScript.
struct StillTherePage: PageModel {
    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel
    /// Where "I am still here" goes back to: it stands for the layout's `return_to` on this page, as before.
    var returnTo: String
    var warnSeconds: Int

    static let fields = TemplateFields<Self>(["return_to": .text(\.returnTo), "warn_seconds": .number(\.warnSeconds)])
        .including(\.layout)
}

/// The task group a page is about: the staff call and help request forms send its `id` (`components/staff_call_form`,
/// `components/help_request_form`), the topic page shows its icon and description.
struct TopicGroup: TemplateModel {
    var id: String, icon: String, description: String
    static let fields: TemplateFields<Self> = ["id": .text(\.id), "icon": .text(\.icon), "description": .text(\.description)]
}

/// `pages/components`: every shared component with made-up data, so that the browser tests check each one.
struct ComponentsPage: PageModel {
    struct DemoCustomer: TemplateModel {
        var number: String, name: String, postcode: String, lastContact: String
        static let fields: TemplateFields<Self> = [
            "number": .text(\.number), "name": .text(\.name), "postcode": .text(\.postcode), "last_contact": .text(\.lastContact),
        ]
    }

    struct Demo: TemplateModel {
        var customers: [DemoCustomer]
        static let fields: TemplateFields<Self> = ["customers": .list(\.customers)]
    }

    static let compiled = CompiledTemplates<Self>()

    var layout: LayoutModel
    var demo = Demo(customers: [
        .init(number: "100234", name: "Fatma Yılmaz", postcode: "3512 AB", lastContact: "12-11-2026"),
        .init(number: "100871", name: "Jan de Vries", postcode: "9711 LM", lastContact: "03-11-2026"),
        .init(number: "101552", name: "Olena Kovalenko", postcode: "1055 XZ", lastContact: "28-10-2026"),
    ])
    /// The example field shows no value typed before.
    let value = ""
    /// The example error summary lists its entry in its block, none from the page.
    let errors: [ErrorSummaryEntry] = []

    static let fields = TemplateFields<Self>(["demo": .object(\.demo), "value": .text(\.value), "errors": .list(\.errors)]).including(\.layout)
}
