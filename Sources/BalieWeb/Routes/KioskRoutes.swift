import BalieCore
import BalieHTTP
import Foundation

/// Customer mode: the start screen, a page per task group, asking for a member of staff, and the
/// reset between visitors.
extension WebApp {
    func registerKioskRoutes() {
        get("/", .customerKiosk) { [unowned self] request in
            let language = request.language
            let model = StartPage(
                layout: layout(request, title: localization.text("start.title", language)),
                groups: TaskGroup.allCases.map { group in
                    .init(href: "/kiosk/topics/\(group.rawValue)", icon: group.icon,
                          name: localization.text("groups.\(group.translationKey).name", language),
                          description: localization.text("groups.\(group.translationKey).description", language))
                },
                helpRequestAction: "/kiosk/help")
            return try page("pages/start", model, language: language)
        }

        get("/kiosk/topics/:group", .customerKiosk) { [unowned self] request in
            guard let group = TaskGroup(rawValue: request.parameters["group"] ?? "") else {
                throw PageError.notFound("No such task group.")
            }
            let language = request.language
            let name = localization.text("groups.\(group.translationKey).name", language)
            let model = TopicPage(
                layout: layout(request, title: name),
                group: .init(id: group.rawValue, icon: group.icon,
                             description: localization.text("groups.\(group.translationKey).description", language)),
                examples: group.exampleTasks.map { .init(name: localization.text("tasks.\($0)", language)) },
                helpRequestAction: "/kiosk/help")
            return try page("pages/topic", model, language: language)
        }

        post("/kiosk/call-staff", .customerKiosk) { [unowned self] request in
            var group: TaskGroup?
            if let value = request.form["group"], !value.isEmpty {
                guard let known = TaskGroup(rawValue: value) else { throw PageError.badRequest("Unknown task group.") }
                group = known
            }
            try limitAnonymousWrite(request)
            let kiosk = request.kiosk!
            try database.record(StaffCall(kiosk: kiosk.name, branch: kiosk.branchCode, group: group, at: Date()))
            let query = group.map { "?group=\($0.rawValue)" } ?? ""
            return .redirect(to: "/kiosk/call-staff/done" + query)
        }

        get("/kiosk/call-staff/done", .customerKiosk) { [unowned self] request in
            let language = request.language
            let groupName = request.http.query["group"].flatMap(TaskGroup.init).map {
                localization.text("groups.\($0.translationKey).name", language)
            }
            let model = CallStaffDonePage(layout: layout(request, title: localization.text("call_staff.title", language)), groupName: groupName)
            return try page("pages/call_staff_done", model, language: language)
        }

        get("/kiosk/still-there") { [unowned self] request in
            let language = request.language
            let model = StillTherePage(layout: layout(request, title: localization.text("idle.title", language)),
                                       returnTo: Self.safeReturnPath(request.http.query["return"]),
                                       warnSeconds: configuration.idleWarnSeconds)
            return try page("pages/still_there", model, language: language)
        }

        // A GET changes nothing: a link or a prefetch shows a page whose button resets.
        get("/kiosk/reset") { [unowned self] request in
            try page("pages/kiosk_reset", KioskResetPage(layout: layout(request, title: localization.text("reset_page.title", request.language))),
                     language: request.language)
        }
        post("/kiosk/reset") { [unowned self] request in
            // Remote viewing of this visitor's screen ends with the visit.
            try endHelpOfVisit(request)
            var response = Response.redirect(to: "/")
            response.setCookie(.expired(Visit.languageCookie, secure: request.http.isSecure || configuration.behindTLSProxy))
            response.setCookie(.expired(Visit.idCookie, secure: request.http.isSecure || configuration.behindTLSProxy))
            response.headers["Clear-Site-Data"] = "\"cache\", \"storage\""
            return response
        }
    }
}
