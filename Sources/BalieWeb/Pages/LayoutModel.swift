/// What `layout.mustache` and its header, footer and dialogs show on every page (issue #20: typed page data).
struct LayoutModel: TemplateModel {
    struct Assets: TemplateModel {
        var css: String, js: String, icons: String
        static let fields: TemplateFields<Self> = ["css": .text(\.css), "js": .text(\.js), "icons": .text(\.icons)]
    }

    struct LanguageChoice: TemplateModel {
        var code: String, name: String, current: Bool, rtl: Bool
        static let fields: TemplateFields<Self> = [
            "code": .text(\.code), "name": .text(\.name), "current": .flag(\.current), "rtl": .flag(\.rtl),
        ]
    }

    /// The kiosk's reset after a customer leaves it alone.
    struct Idle: TemplateModel {
        var seconds: Int, warnSeconds: Int, resetURL: String, stillThereURL: String
        static let fields: TemplateFields<Self> = [
            "seconds": .number(\.seconds), "warn_seconds": .number(\.warnSeconds), "reset_url": .text(\.resetURL),
            "still_there_url": .text(\.stillThereURL),
        ]
    }

    struct StaffBar: TemplateModel {
        var name: String
        static let fields: TemplateFields<Self> = ["name": .text(\.name)]
    }

    /// The signed-in session's countdown (staff only).
    struct SessionTimer: TemplateModel {
        var secondsLeft: Int, warnSeconds: Int
        static let fields: TemplateFields<Self> = ["seconds_left": .number(\.secondsLeft), "warn_seconds": .number(\.warnSeconds)]
    }

    var lang: String
    var dir: String
    var pageTitle: String
    var assets: Assets
    var languages: [LanguageChoice]
    var returnTo: String
    var csrf: String
    var idle: Idle
    var customerMode: Bool
    var staffMode: Bool
    var staffSignedIn: Bool
    var staffBar: StaffBar
    var requestID: String
    var session: SessionTimer?

    static let fields: TemplateFields<Self> = [
        "lang": .text(\.lang), "dir": .text(\.dir), "page_title": .text(\.pageTitle), "assets": .object(\.assets),
        "languages": .list(\.languages), "return_to": .text(\.returnTo), "csrf": .text(\.csrf), "idle": .object(\.idle),
        "customer_mode": .flag(\.customerMode), "staff_mode": .flag(\.staffMode), "staff_signed_in": .flag(\.staffSignedIn),
        "staff_bar": .object(\.staffBar), "request_id": .text(\.requestID), "session": .object(\.session),
    ]
}
