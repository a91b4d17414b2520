import BalieCore
import BalieHTTP
import Foundation
import Logging

/// The Balie application: routes for kiosk and staff pages and the API, security headers, CSRF,
/// translations and error pages. Handlers run on libmicrohttpd's worker threads.
public final class WebApp: HTTPApplication {
    let configuration: WebConfiguration
    let database: any RecordStore
    let logger: Logger
    let staticFiles: StaticFiles
    let renderer: PageRenderer
    let localization: Localization
    let router = Router<WebRoute>()
    let csrfKey: [UInt8]
    /// What a new password may not be, loaded once at start.
    let refusedPasswords: RefusedPasswords
    let authentication: Authentication
    let health: HealthProbe
    let catalog: TaskCatalog
    let openAPIDocument: [UInt8]
    let queueEvents: BranchEvents
    let kioskWrites: RateLimiter
    let addressWrites: RateLimiter
    let helpChannels: HelpChannels
    let dateFormats = DateFormats()
    let attachedServer = ServerReference()
    let startedAt = Date()

    public init(configuration: WebConfiguration, database: any RecordStore, logger: Logger) throws {
        self.configuration = configuration
        self.database = database
        self.logger = logger
        queueEvents = BranchEvents(maxListeners: configuration.maxDisplayStreams, relay: database as? any LiveEventRelay, logger: logger)
        helpChannels = HelpChannels(relay: database as? any LiveEventRelay, logger: logger)
        let shared = database as? any SharedWriteLimits
        kioskWrites = RateLimiter(limit: configuration.anonymousWritesPerKiosk, window: configuration.anonymousWriteWindow, shared: shared)
        addressWrites = RateLimiter(limit: configuration.anonymousWritesPerAddress, window: configuration.anonymousWriteWindow, shared: shared)
        staticFiles = try StaticFiles(
            directory: configuration.wwwDirectory + "/static",
            commonHeaders: Self.securityHeaders(secure: configuration.isTLS))
        let localization = try Localization(directory: configuration.localesDirectory)
        self.localization = localization
        renderer = try PageRenderer(
            directory: configuration.wwwDirectory + "/templates",
            translations: Dictionary(uniqueKeysWithValues: localization.languages.map { ($0.code, localization.table($0.code)) }))
        csrfKey = try database.secret(named: "csrf")
        refusedPasswords = try RefusedPasswordLists.load(directory: configuration.refusedPasswordsDirectory)
        health = HealthProbe(database: database)
        openAPIDocument = Array(try Data(contentsOf: URL(fileURLWithPath: configuration.wwwDirectory + "/openapi.json")))
        catalog = try TaskCatalog.load(from: Data(contentsOf: URL(fileURLWithPath: configuration.taskCatalogPath)))
        authentication = try Authentication(
            database: database, policy: configuration.sessionPolicy, throttle: configuration.signInThrottle,
            hasher: configuration.passwordHasher)
        registerSystemRoutes()
        registerSignInRoutes()
        registerAccountRoutes()
        registerStaffRoutes()
        registerCustomerRoutes()
        registerSessionRoutes()
        registerApiRoutes()
        registerQueueRoutes()
        registerHelpRoutes()
        registerInsightsRoutes()
        registerPrivacyRoutes()
        registerMetricsRoutes()
        registerKioskRoutes()
        registerLanguageRoutes()
        registerShowcaseRoutes()
        registerKioskAdminRoutes()
    }

    func get(_ pattern: String, _ access: Access = .everyone, _ handler: @escaping PageHandler) {
        router.add("GET", pattern, WebRoute(access: access, handler: handler))
    }
    func post(_ pattern: String, _ access: Access = .everyone, _ handler: @escaping PageHandler) {
        router.add("POST", pattern, WebRoute(access: access, handler: handler))
    }

    /// Every route as "METHOD pattern", for tests that walk them all.
    public var routeList: [String] { router.routes.map { "\($0.method) \($0.pattern)" } }

    /// The roles that may use a route ("GET /staff"); nil for a route open to everyone.
    public func allowedRoles(_ route: String) -> Set<StaffRole>? {
        guard let found = router.routes.first(where: { "\($0.method) \($0.pattern)" == route }) else { return nil }
        switch found.handler.access {
        case .roles(let roles): return roles
        case .everyone, .api, .customerKiosk: return nil
        }
    }

    /// Where the audit trail says something happened: the kiosk (if the browser is one) and the client's address.
    func origin(_ request: PageRequest) -> String { "\(request.kiosk?.name ?? "-")/\(request.http.clientAddress)" }

    // MARK: - HTTPApplication

    /// Static files are answered by the server before routing (the same prepared answers as below).
    public var preparedFiles: StaticFiles? { staticFiles }

    public func respond(to request: Request) -> Response {
        var request = request
        if configuration.trustedProxy != nil { request.clientAddress = clientAddress(of: request) }
        if request.pathSegments.first == "static", request.method == "GET" || request.method == "HEAD" {
            var response = staticFiles.respond(
                to: request, relativePath: request.pathSegments.dropFirst().joined(separator: "/"))
            response.routePattern = "/static/*"
            if response.status == .notFound { return errorResponse(kind: "not_found", status: .notFound, detail: "No such file.", request: request) }
            return secured(response, request: request, personal: false)
        }
        switch router.match(method: request.method, segments: request.pathSegments) {
        case .notFound:
            return errorResponse(for: HTTPError(.notFound, "No such page."), request: request)
        case .methodNotAllowed(let allowed):
            var response = errorResponse(
                for: HTTPError(.methodNotAllowed, "This address does not take \(request.method).", allowedMethods: allowed),
                request: request)
            response.headers["Allow"] = allowed.joined(separator: ", ")
            return response
        case .found(let route, let parameters):
            var request = request
            request.parameters = parameters
            request.routePattern = route.pattern
            var response = run(route.handler, request)
            response.routePattern = route.pattern
            return response
        }
    }

    public func errorResponse(for error: HTTPError, request: Request) -> Response {
        var response = errorResponse(kind: error.pageKind, status: error.status, detail: error.detail, request: request)
        if !error.allowedMethods.isEmpty { response.headers["Allow"] = error.allowedMethods.joined(separator: ", ") }
        return response
    }

    private func run(_ route: WebRoute, _ request: Request) -> Response {
        if case .api(let scope) = route.access { return runAPI(route, request, scope: scope) }
        var visit = Visit(request: request, localization: localization, csrfKey: csrfKey)
        var clearSessionCookie = false
        var kiosk: Kiosk?
        do {
            kiosk = try requestKiosk(request)
            switch try authentication.lookup(request, origin: "\(kiosk?.name ?? "-")/\(request.clientAddress)") {
            case .active(let signedIn): visit.attach(signedIn)
            case .expired: clearSessionCookie = true
            case .none: break
            }
            if case .customerKiosk = route.access, kiosk?.kind != .customer {
                // Customer mode belongs to an enrolled customer kiosk; staff elsewhere go to their own start.
                if visit.signedIn != nil && request.method == "GET" && request.pathSegments.isEmpty {
                    return secured(.redirect(to: "/staff", status: .found), request: request, personal: true)
                }
                throw PageError.notEnrolled
            }
            if case .roles(let roles) = route.access {
                guard let signedIn = visit.signedIn else {
                    let back = ["GET", "HEAD"].contains(request.method) ? Self.localPath(request) : "/staff"
                    var response = Response.redirect(
                        to: "/sign-in?return=\(Self.queryEscaped(back))" + (clearSessionCookie ? "&expired=1" : ""), status: .found)
                    if clearSessionCookie { response.setCookie(.expired(Authentication.cookieName, secure: isSecure(request))) }
                    return secured(response, request: request, personal: true)
                }
                guard roles.contains(signedIn.staff.role) else {
                    try database.appendAudit(AuditEvent(
                        at: Date(), action: .accessRefused, actorID: signedIn.staffID, actorRole: signedIn.staff.role, subject: nil,
                        origin: "\(kiosk?.name ?? "-")/\(request.clientAddress)",
                        detail: "\(request.method) \(request.routePattern ?? "-"): role", branch: signedIn.workingBranch))
                    throw PageError.forbidden
                }
            }
            var form = QueryParameters()
            if request.method == "POST" && !isAPI(request) {
                guard Self.crossOriginExempt.contains(request.routePattern ?? "") || isSameOrigin(request) else { throw PageError.crossOrigin }
                form = try request.form()
                guard Self.csrfExempt.contains(request.routePattern ?? "") || visit.acceptsCSRF(form["csrf"]) else { throw PageError.csrf }
            }
            var page = PageRequest(http: request, visit: visit, form: form)
            page.kiosk = kiosk
            page.requester = requester(visit, kiosk: kiosk)
            var response = try route.handler(page)
            if clearSessionCookie && !response.headers.values("Set-Cookie").contains(where: { $0.hasPrefix(Authentication.cookieName + "=") }) {
                response.setCookie(.expired(Authentication.cookieName, secure: isSecure(request)))
            }
            // Only pages start a visit: health checks and API clients get no cookie.
            let isPage = response.headers["Content-Type"]?.hasPrefix("text/html") ?? false
            let setsVisit = response.headers.values("Set-Cookie").contains { $0.hasPrefix(Visit.idCookie + "=") }
            if visit.isNew && isPage && !setsVisit {
                response.setCookie(cookie(Visit.idCookie, visit.cookieValue, request))
            }
            return secured(response, request: request, personal: true)
        } catch let error as PageError where error.kind == "not_enrolled" {
            return notEnrolledPage(request, visit: visit)
        } catch {
            return errorResponse(answer(for: error, request), request: request, visit: visit)
        }
    }

    // MARK: - Errors

    func isAPI(_ request: Request) -> Bool { request.pathSegments.first == "api" }

    /// The answer to a handler's error (`ErrorAnswer`), with what the log and the metrics must know of failures.
    func answer(for error: any Error, _ request: Request) -> ErrorAnswer {
        let answer = ErrorAnswer(error)
        if let problem = StorageProblem.of(error) {
            database.commits.recordFailure()
            logger.error("storage unavailable", metadata: ["problem": .string(problem.rawValue), "id": .string(request.requestID)])
        } else if answer.isFailure {
            logger.error("handler failed", metadata: ["route": .string(request.routePattern ?? "-"),
                                                      "error": .string(String(describing: type(of: error))), "id": .string(request.requestID)])
        }
        return answer
    }

    /// An error's answer as problem JSON (API) or a friendly page in the visitor's language.
    func errorResponse(_ answer: ErrorAnswer, request: Request, visit: Visit? = nil) -> Response {
        var response = errorResponse(kind: answer.kind, status: answer.status, detail: answer.detail, request: request, visit: visit)
        if let seconds = answer.retryAfter { response.headers["Retry-After"] = String(seconds) }
        return response
    }

    /// An error as problem JSON (API) or a friendly page in the visitor's language.
    func errorResponse(kind: String, status: HTTPStatus, detail: String, request: Request, visit: Visit? = nil) -> Response {
        if isAPI(request) {
            let problem = Problem(
                type: ErrorAnswer.problemType(kind: kind),
                title: Self.problemTitle(kind: kind, status: status, localization: localization), status: status.code, detail: detail,
                instance: nil, requestID: request.requestID)
            return secured(problem.response, request: request, personal: false)
        }
        let visit = visit ?? Visit(request: request, localization: localization, csrfKey: csrfKey)
        let page = PageRequest(http: request, visit: visit, form: QueryParameters())
        let language = visit.language.code
        let title = localization.text("errors.\(kind).title", language)
        let model = ErrorPage(layout: layout(page, title: title),
                              error: .init(title: title, message: localization.text("errors.\(kind).message", language), status: status.code))
        let response = (try? self.page("pages/error", model, language: language, status: status))
            ?? .html("<!doctype html><title>\(status.code)</title><p>\(status.code) \(status.reason)</p>", status: status)
        return secured(response, request: request, personal: true)
    }

    /// The English title of an error kind, or the status's reason phrase when the pages have no text for it.
    static func problemTitle(kind: String, status: HTTPStatus, localization: Localization) -> String {
        let key = "errors.\(kind).title"
        let text = localization.text(key, "en")
        return text == key ? status.reason : text
    }

    // MARK: - Pages

    /// Renders a page from its typed model (issue #20).
    func page<Model: PageModel>(_ template: String, _ model: Model, language: String, status: HTTPStatus = .ok) throws -> Response {
        Response(status: status, contentType: "text/html; charset=utf-8", bytes: try renderer.render(template, model, language: language))
    }

    /// What every page's layout shows.
    func layout(_ request: PageRequest, title: String) -> LayoutModel {
        let language = request.visit.language
        let returnTo = ["GET", "HEAD"].contains(request.http.method) ? Self.localPath(request.http) : "/"
        return LayoutModel(
            lang: language.code, dir: language.isRightToLeft ? "rtl" : "ltr", pageTitle: title,
            assets: .init(css: staticFiles.url(for: "css/balie.css"), js: staticFiles.url(for: "js/balie.js"),
                          icons: staticFiles.url(for: "icons/icons.svg")),
            languages: localization.languages.map { .init(code: $0.code, name: $0.ownName, current: $0.code == language.code, rtl: $0.isRightToLeft) },
            returnTo: returnTo, csrf: request.visit.csrfToken,
            idle: .init(seconds: configuration.idleSeconds, warnSeconds: configuration.idleWarnSeconds, resetURL: "/kiosk/reset",
                        stillThereURL: "/kiosk/still-there?return=" + Self.queryEscaped(returnTo)),
            customerMode: request.signedIn == nil, staffMode: request.signedIn != nil, staffSignedIn: request.signedIn != nil,
            staffBar: .init(name: request.signedIn?.staff.fullName ?? ""), requestID: request.http.requestID,
            session: request.signedIn.map {
                .init(secondsLeft: configuration.sessionPolicy.secondsLeft(of: $0.session, at: Date()),
                      warnSeconds: Int(configuration.sessionPolicy.warningBefore))
            })
    }

    /// The request's path and query, rebuilt for a "return to" link.
    static func localPath(_ request: Request) -> String {
        let path = "/" + request.pathSegments.map(queryEscaped).joined(separator: "/")
        guard !request.query.isEmpty else { return path }
        return path + "?" + request.query.map { "\(queryEscaped($0.name))=\(queryEscaped($0.value))" }.joined(separator: "&")
    }

    static func queryEscaped(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~/")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// A return address is only followed when it is a path on this site: it starts with one "/", and has
    /// no backslash, no "//" and no control character or white space anywhere (browsers drop tabs and line
    /// breaks from URLs, so "/\t/evil.example" would become "//evil.example").
    static func safeReturnPath(_ candidate: String?) -> String {
        guard let candidate, candidate.hasPrefix("/"), !candidate.contains("//"), !candidate.contains("\\"),
            !candidate.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0.properties.isWhitespace
                || $0.properties.generalCategory == .format }),
            candidate.utf8.count <= 2048
        else { return "/" }
        return candidate
    }

    /// Routes that a form from another origin may post to: the launcher's exchange of a kiosk secret is
    /// posted from a local file (origin "null") and is authenticated by the secret itself.
    static let crossOriginExempt: Set<String> = ["/enrol/device"]
    /// Routes without the CSRF token: those above, and the page's timeout post, which arrives when the session
    /// (that the token is bound to) may have just ended; it can only end a session, and its origin is checked.
    static let csrfExempt: Set<String> = crossOriginExempt.union(["/session-expired"])

    /// A state-changing form must come from our own pages. A browser that sends Fetch Metadata says so itself
    /// (`Sec-Fetch-Site: same-origin`); our pages send no referrer, so Chromium posts their forms with
    /// `Origin: null`, which alone proves nothing. Without Fetch Metadata, `Origin` (or else `Referer`) must be
    /// the public origin (`--public-origin`), or by default this request's own scheme and Host.
    func isSameOrigin(_ request: Request) -> Bool {
        if let site = request.headers["Sec-Fetch-Site"]?.lowercased() { return site == "same-origin" }
        let expected: String
        if let configured = configuration.publicOrigin {
            expected = configured
        } else {
            guard let host = request.headers["Host"] else { return request.headers["Origin"] == nil && request.headers["Referer"] == nil }
            expected = (isSecure(request) ? "https://" : "http://") + host
        }
        if let origin = request.headers["Origin"] { return origin == expected }
        if let referer = request.headers["Referer"] { return referer == expected || referer.hasPrefix(expected + "/") }
        // Scripts and old clients that send none of these still need the CSRF token.
        return true
    }

    // MARK: - Headers and cookies

    func cookie(_ name: String, _ value: String, _ request: Request) -> Cookie {
        Cookie(name: name, value: value, secure: isSecure(request))
    }

    /// Served over TLS, directly or behind a proxy that terminates it.
    func isSecure(_ request: Request) -> Bool { request.isSecure || configuration.isTLS }

    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        + "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

    /// The headers every response carries.
    static func securityHeaders(secure: Bool) -> HTTPHeaders {
        var headers = HTTPHeaders([
            ("Content-Security-Policy", contentSecurityPolicy), ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "no-referrer"),
            ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
            ("X-Frame-Options", "DENY"), ("Cross-Origin-Opener-Policy", "same-origin"),
        ])
        if secure { headers.append("Strict-Transport-Security", "max-age=31536000") }
        return headers
    }

    /// Security headers on every response; `no-store` on everything that can show personal data.
    /// (Prepared static answers carry them already.)
    func secured(_ response: Response, request: Request, personal: Bool) -> Response {
        var response = response
        if case .prepared = response.body { return response }
        for field in Self.securityHeaders(secure: isSecure(request)) { response.headers[field.name] = field.value }
        if personal { response.headers["Cache-Control"] = "no-store" }
        return response
    }
}
