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
