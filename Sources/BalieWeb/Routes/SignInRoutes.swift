import BalieCore
import BalieHTTP
import Foundation

/// Staff sign-in, sign-out, locking the kiosk, and extending a session before it times out.
extension WebApp {
    /// Form limits: longer input is refused with a message, before any hashing.
    static let maxUsernameInput = StaffRules.usernameLength.upperBound
    static let maxPasswordInput = StaffRules.maximumPasswordLength

    func registerSignInRoutes() {
        get("/sign-in") { [unowned self] request in
            var notice: String?
            if request.http.query["signed_out"] != nil { notice = "sign_in.notices.signed_out" }
            if request.http.query["expired"] != nil { notice = "sign_in.notices.session_expired" }
            if request.http.query["locked"] != nil { notice = "sign_in.notices.locked" }
            return try signInPage(request, username: "", errors: [:], notice: notice, status: .ok)
        }

        post("/sign-in") { [unowned self] request in
            let rawUsername = request.form["username"] ?? ""
            let password = request.form["password"] ?? ""
            var errors: [String: String] = [:]
            var username = ""
            if rawUsername.trimmingCharacters(in: .whitespaces).isEmpty {
                errors["username"] = "sign_in.errors.username_missing"
            } else if rawUsername.count > Self.maxUsernameInput {
                errors["username"] = "sign_in.errors.username_too_long"
            } else if let normalized = try? StaffRules.normalizedUsername(rawUsername) {
                username = normalized
            } else {
                errors["username"] = "sign_in.errors.invalid_characters"
            }
            if password.isEmpty {
                errors["password"] = "sign_in.errors.password_missing"
            } else if password.utf8.count > Self.maxPasswordInput {
                errors["password"] = "sign_in.errors.password_too_long"
            }
            let refill = String(rawUsername.prefix(Self.maxUsernameInput))
            guard errors.isEmpty else {
                return try signInPage(request, username: refill, errors: errors, notice: nil, status: .unprocessableContent)
            }
            switch try authentication.signIn(username: username, password: password, request: request.http, origin: origin(request)) {
            case .throttled:
                return try signInPage(request, username: refill, errors: ["username": "sign_in.errors.throttled"], notice: nil, status: .tooManyRequests)
            case .wrong:
                return try signInPage(request, username: refill, errors: ["password": "sign_in.errors.wrong"], notice: nil, status: .unauthorized)
            case .success(_, let token):
                var response = Response.redirect(to: Self.safeReturnPath(request.form["return"].flatMap { $0.isEmpty ? nil : $0 } ?? "/staff"))
                response.setCookie(cookie(Authentication.cookieName, token, request.http))
                return response
            }
        }

        post("/sign-out", .anyStaff) { [unowned self] request in
            try endSession(request, action: .signOut, then: "/sign-in?signed_out=1")
        }

        post("/lock", .anyStaff) { [unowned self] request in
            try endSession(request, action: .lock, then: "/")
        }

        // One tap keeps the session (the warning dialog posts here; WCAG 2.2.1).
        post("/session/extend", .anyStaff) { request in
            .redirect(to: Self.safeReturnPath(request.form["return"]))
        }
    }

    private func endSession(_ request: PageRequest, action: AuditEvent.Action, then location: String) throws -> Response {
        if let signedIn = request.signedIn { try authentication.end(signedIn, action: action, origin: origin(request)) }
        var response = Response.redirect(to: location)
        response.setCookie(.expired(Authentication.cookieName, secure: isSecure(request.http)))
        response.setCookie(.expired(Visit.idCookie, secure: isSecure(request.http)))
        response.setCookie(.expired(Visit.languageCookie, secure: isSecure(request.http)))
        response.headers["Clear-Site-Data"] = "\"cache\", \"cookies\", \"storage\""
        return response
    }

    private func signInPage(_ request: PageRequest, username: String, errors: [String: String], notice: String?,
                            status: HTTPStatus) throws -> Response {
        let language = request.language
        let order = ["username", "password"].filter { errors[$0] != nil }
        var layout = layout(request, title: localization.text("sign_in.title", language))
        layout.customerMode = false
        let model = SignInPage(
            layout: layout,
            form: .init(username: username),
            hasErrors: !errors.isEmpty,
            errors: order.map { ErrorSummaryEntry(fieldID: $0, text: localization.text(errors[$0]!, language)) },
            fieldErrors: .init(username: errors["username"].map { localization.text($0, language) },
                               password: errors["password"].map { localization.text($0, language) }),
            returnToAfter: Self.safeReturnPath(request.http.query["return"] ?? request.form["return"] ?? "/staff"),
            notice: notice.map { localization.text($0, language) })
        return try page("pages/sign_in", model, language: language, status: status)
    }
}
