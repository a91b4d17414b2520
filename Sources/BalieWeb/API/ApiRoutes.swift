import BalieCore
import BalieHTTP
import Crypto
import Foundation

/// The channel API under /api/v1: other channels (CRM, contact centre, app) read and write the shared
/// record with a bearer token. Every error is problem JSON; every use is in the audit trail.
extension WebApp {
    /// Named limits of the API.
    enum ApiLimits {
        static let defaultPageLength = 20
        static let maxPageLength = 100
        static let maxIdempotencyKey = 200
        static let maxTextField = 2000
        static let channelsFromOtherSystems: [Channel] = [.phone, .email, .chat, .app, .letter, .web]
    }

    func registerApiRoutes() {
        get("/api/v1/openapi.json") { [openAPIDocument] _ in
            Response(contentType: "application/json", bytes: openAPIDocument)
        }
        get("/api/v1/customers", .api(.customersRead)) { [unowned self] request in try apiSearch(request) }
        get("/api/v1/customers-by-postcode", .api(.customersRead)) { [unowned self] request in try apiSearch(request) }
        get("/api/v1/customers/:number", .api(.customersRead)) { [unowned self] request in
            guard let record = try database.customerRecord(number: try apiNumber(request), recentContacts: 0) else { throw ApiError.notFound }
            auditApiView(.customerViewed, subject: record.customer.number, request)
            return try etagged(.json(ApiCustomer(record)), request)
        }
        get("/api/v1/customers/:number/contacts", .api(.contactsRead)) { [unowned self] request in try apiContacts(request) }
        post("/api/v1/customers/:number/contacts", .api(.contactsWrite)) { [unowned self] request in try apiAddContact(request) }
        get("/api/v1/sessions", .api(.sessionsRead)) { [unowned self] request in try apiSessions(request) }
        get("/api/v1/sessions/:id", .api(.sessionsRead)) { [unowned self] request in
            guard let id = Int64(request.parameters["id"] ?? ""), id > 0 else { throw ApiError.invalid("id must be a positive whole number.") }
            // A session of a branch the token is not granted answers exactly like one that does not exist.
            guard let session = try database.session(id: id), request.apiToken!.branches.contains(session.branch) else { throw ApiError.notFound }
            return try etagged(.json(ApiSession(session, customerNumber: try session.customerID.flatMap(database.customerNumber))), request)
        }
        get("/api/v1/help-requests", .api(.sessionsRead)) { [unowned self] request in try apiHelpRequests(request) }
    }

    // MARK: - Authentication and dispatch

    func runAPI(_ route: WebRoute, _ request: Request, scope: ApiScope) -> Response {
        var token: ApiToken?
        var response: Response
        let pending = PendingAudit()
        do {
            if let tags = request.headers["If-None-Match"], tags.utf8.count > 200 {
                throw HTTPError.malformed("If-None-Match is longer than 200 characters.")
            }
            guard let header = request.headers["Authorization"], header.hasPrefix("Bearer ") else { throw ApiError.unauthorized }
            let found = try bearerToken(String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces), request)
            token = found
            guard found.scopes.contains(scope) else { throw ApiError.forbidden(scope) }
            var page = PageRequest(http: request, visit: Visit(request: request, localization: localization, csrfKey: csrfKey), form: QueryParameters())
            page.apiToken = found
            page.apiAudit = pending
            response = try route.handler(page)
        } catch {
            response = apiProblem(error, request: request)
        }
        if let token {
            // Each use of a token is audited: which client, which route, the answer (never the query values).
            // Written together with what the handler saw; if that cannot be stored, the answer is withheld.
            let own = AuditEvent(
                at: Date(), action: .apiRequest, actorID: nil, subject: request.parameters["number"], origin: "api:\(token.name)/\(request.clientAddress)",
                detail: "\(request.method) \(request.routePattern ?? "-") \(response.status.code)")
            do {
                try database.appendAudit(pending.events + [own])
            } catch where !pending.events.isEmpty {
                response = apiProblem(error, request: request)
            } catch {}
        }
        var secured = secured(response, request: request, personal: true)
        if response.status == .unauthorized { secured.headers["WWW-Authenticate"] = "Bearer realm=\"balie\"" }
        if response.status == .serviceUnavailable { secured.headers["Retry-After"] = "30" }
        return secured
    }

    /// The sign-in throttle's failures stand for wrong bearer tokens too, under a key no username can have, so that
    /// guessing tokens from one address is stopped as guessing passwords is (per address; SignInThrottle).
    static let bearerThrottleKey = "(bearer token)"

    /// The active token a bearer names, or the refusal: throttled (429), unknown or revoked (401, counted towards
    /// the throttle), expired (401 saying so). Each refusal is audited, never with the token's text.
    private func bearerToken(_ text: String, _ request: Request, now: Date = Date()) throws -> ApiToken {
        let throttle = authentication.throttle
        let origin = "api/\(request.clientAddress)"
        func refuse(_ reason: String, _ error: ApiError, name: String? = nil) throws -> Never {
            try database.appendAudit(AuditEvent(at: now, action: .tokenRefused, actorID: nil, subject: name, origin: origin,
                                                detail: "\(reason): \(request.method) \(request.routePattern ?? "-")"))
            throw error
        }
        let failures = try database.signInFailures(clientAddress: request.clientAddress, since: now.addingTimeInterval(-throttle.window))
        if throttle.isLocked(failuresForUsername: 0, failuresFromAddress: failures) { try refuse("throttled", .throttled(Int(throttle.window))) }
        guard let found = try database.token(hash: SecretHash.of(text)) else {
            try database.recordSignInFailure(username: Self.bearerThrottleKey, clientAddress: request.clientAddress, at: now)
            try refuse("unknown token", .unauthorized)
        }
        switch found.state(at: now) {
        case .active: return found
        case .revoked:
            try database.recordSignInFailure(username: Self.bearerThrottleKey, clientAddress: request.clientAddress, at: now)
            try refuse("revoked token", .unauthorized, name: found.name)
        case .expired: try refuse("expired token", .expired(found.expiresAt), name: found.name)
        }
    }

    enum ApiError: Error {
        case unauthorized
        /// The token was right but its time is over (`balie token add --expires-in`, or the end of a rotation's overlap).
        case expired(Date)
        /// Too many wrong bearer tokens from this address; the seconds to wait.
        case throttled(Int)
        case forbidden(ApiScope)
        case notFound
        case invalid(String)
        case conflict(String)
    }

    func apiProblem(_ error: Error, request: Request) -> Response {
        errorResponse(answer(for: error, request), request: request)
    }

    // MARK: - Customers and contacts

    private func apiSearch(_ request: PageRequest) throws -> Response {
        let query = request.http.query
        let limit = try apiLimit(request)
        let search: CustomerQuery
        if request.http.routePattern == "/api/v1/customers" {
            guard let q = query["q"], (1...WebApp.maxSearchInput).contains(q.count), !Self.hasControlCharacters(q) else {
                throw ApiError.invalid("q must be 1 to \(WebApp.maxSearchInput) characters, without control characters.")
            }
            search = q.contains(where: \.isNumber) ? .number(q) : .name(q)
        } else {
            guard let postcode = (try? CustomerRules.postcode(query["postcode"] ?? "")) ?? nil else {
                throw ApiError.invalid("postcode must look like 1234 AB.")
            }
            guard let birth = BirthDate(iso: query["birth_date"] ?? "") else { throw ApiError.invalid("birth_date must be a date like 1948-03-07.") }
            search = .postcodeAndBirthDate(postcode, birth)
        }
        let results = try database.searchCustomers(search, limit: limit)
        request.apiAudit?.append(AuditEvent(at: Date(), action: .customerSearched, actorID: nil, subject: nil,
                                            origin: "api:\(request.apiToken!.name)/\(request.http.clientAddress)",
                                            detail: "\(search.shape): \(results.count) shown"))
        return try etagged(.json(ApiPage(items: results.map(ApiCustomerSummary.init), next_cursor: nil)), request)
    }

    private func apiContacts(_ request: PageRequest) throws -> Response {
        guard let customer = try database.customer(number: try apiNumber(request)), let id = customer.id else { throw ApiError.notFound }
        let limit = try apiLimit(request)
        var cursor: (at: Date, id: Int64)?
        if let text = request.http.query["cursor"] {
            let parts = text.split(separator: "_")
            guard parts.count == 2, let at = Double(parts[0]), at.isFinite, let contactID = Int64(parts[1]) else {
                throw ApiError.invalid("cursor is not one this API gave out.")
            }
            cursor = (Date(timeIntervalSince1970: at), contactID)
        }
        let contacts = try database.contacts(customerID: id, before: cursor, limit: limit + 1)
        let shown = Array(contacts.prefix(limit))
        let next = contacts.count > limit ? shown.last.map { "\($0.at.timeIntervalSince1970)_\($0.id!)" } : nil
        auditApiView(.contactsViewed, subject: customer.number, request)
        return try etagged(.json(ApiPage(items: shown.map(ApiContact.init), next_cursor: next)), request)
    }

    private func apiAddContact(_ request: PageRequest) throws -> Response {
        guard let key = request.http.headers["Idempotency-Key"], (1...ApiLimits.maxIdempotencyKey).contains(key.count),
            key.allSatisfy({ $0.isASCII && !$0.isWhitespace })
        else { throw ApiError.invalid("An Idempotency-Key header (1 to \(ApiLimits.maxIdempotencyKey) visible ASCII characters) is needed.") }
        guard let customer = try database.customer(number: try apiNumber(request)), let customerID = customer.id else { throw ApiError.notFound }
        let contact = try ContactInput.parse(request.http, customerID: customerID, source: request.apiToken!.name)
        let requestHash = SHA256.hash(data: request.http.body + Array(customer.number.utf8)).hexString
        let (result, replayed) = try database.addContactOnce(tokenID: request.apiToken!.id!, key: key, requestHash: requestHash, contact: contact) { stored in
            IdempotentResult(requestHash: requestHash, status: 201, body: Response.json(ApiContact(stored)).bodyBytes)
        }
        guard result.requestHash == requestHash else {
            throw ApiError.conflict("This Idempotency-Key was used for a different request.")
        }
        var response = Response(status: HTTPStatus(result.status, "Created"), contentType: "application/json", bytes: result.body)
        if replayed { response.headers["Idempotent-Replayed"] = "true" }
        return response
    }

    // MARK: - Sessions

    private func apiSessions(_ request: PageRequest) throws -> Response {
        let query = request.http.query
        let limit = try apiLimit(request)
        func day(_ name: String) throws -> Date? {
            guard let text = query[name] else { return nil }
            guard let date = Self.calendarDay(text, timeZone: configuration.timeZone) else {
                throw ApiError.invalid("\(name) must be a date like 2026-11-23.")
            }
            return date
        }
        let from = try day("from")
        let to = try day("to").map { $0.addingTimeInterval(86_400) }
        var before: Int64?
        if let cursor = query["cursor"] {
            guard let id = Int64(cursor), id > 0 else { throw ApiError.invalid("cursor is not one this API gave out.") }
            before = id
        }
        for name in ["branch", "task"] {
            if let value = query[name], !(1...64).contains(value.count) || Self.hasControlCharacters(value) {
                throw ApiError.invalid("\(name) must be 1 to 64 characters, without control characters.")
            }
        }
        let sessions = try database.sessionList(from: from, to: to, branch: query["branch"], branches: request.apiToken!.branches, taskID: query["task"], beforeID: before, limit: limit + 1)
        let shown = Array(sessions.prefix(limit))
        let items = try shown.map { ApiSession($0, customerNumber: try $0.customerID.flatMap(database.customerNumber)) }
        return try etagged(.json(ApiPage(items: items, next_cursor: sessions.count > limit ? shown.last.map { String($0.id!) } : nil)), request)
    }

    // MARK: - Help requests

    private func apiHelpRequests(_ request: PageRequest) throws -> Response {
        let query = request.http.query
        let limit = try apiLimit(request)
        var status: HelpRequest.Status?
        if let text = query["status"] {
            guard let known = HelpRequest.Status(rawValue: text) else {
                throw ApiError.invalid("status must be one of \(HelpRequest.Status.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            status = known
        }
        var before: Int64?
        if let cursor = query["cursor"] {
            guard let id = Int64(cursor), id > 0 else { throw ApiError.invalid("cursor is not one this API gave out.") }
            before = id
        }
        let requests = try database.helpRequestList(status: status, branches: request.apiToken!.branches, beforeID: before, limit: limit + 1)
        let shown = Array(requests.prefix(limit))
        return try etagged(.json(ApiPage(items: shown.map(ApiHelpRequest.init),
                                         next_cursor: requests.count > limit ? shown.last.map { String($0.id!) } : nil)), request)
    }

    // MARK: - Parts

    static func hasControlCharacters(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    /// The start of a calendar day ("2026-11-23", any year 1–9999) at the branch.
    static func calendarDay(_ text: String, timeZone: TimeZone) -> Date? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]), year >= 1 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        guard let date = calendar.date(from: DateComponents(year: year, month: month, day: day)),
            calendar.component(.month, from: date) == month, calendar.component(.day, from: date) == day else { return nil }
        return date
    }

    private func apiNumber(_ request: PageRequest) throws -> String {
        guard let number = try? CustomerRules.customerNumber(request.parameters["number"] ?? "") else {
            throw ApiError.invalid("The customer number must be 1 to 32 letters, digits or dashes.")
        }
        return number
    }

    private func apiLimit(_ request: PageRequest) throws -> Int {
        guard let text = request.http.query["limit"] else { return ApiLimits.defaultPageLength }
        guard let limit = Int(text), (1...ApiLimits.maxPageLength).contains(limit) else {
            throw ApiError.invalid("limit must be a whole number from 1 to \(ApiLimits.maxPageLength).")
        }
        return limit
    }

    /// Recorded for `runAPI` to write with the request's own row before the answer goes out.
    private func auditApiView(_ action: AuditEvent.Action, subject: String, _ request: PageRequest) {
        request.apiAudit?.append(AuditEvent(at: Date(), action: action, actorID: nil, subject: subject,
                                            origin: "api:\(request.apiToken!.name)/\(request.http.clientAddress)"))
    }

    /// A strong `ETag` from the body; `If-None-Match` with it gives 304.
    private func etagged(_ response: Response, _ request: PageRequest) throws -> Response {
        var response = response
        let etag = "\"\(SHA256.hash(data: response.bodyBytes).prefix(16).hexString)\""
        response.headers["ETag"] = etag
        if let match = request.http.headers["If-None-Match"], match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag }) {
            return Response(status: .notModified, headers: HTTPHeaders([("ETag", etag)]))
        }
        return response
    }
}

/// The body of a new contact, checked field by field: unknown fields, wrong types and values outside
/// the documented ranges are refused, never guessed.
enum ContactInput {
    static let fields: Set<String> = ["channel", "at", "topic", "summary", "outcome"]

    static func parse(_ request: Request, customerID: Int64, source: String) throws -> Contact {
        guard let type = request.contentType, type == "application/json" else {
            throw HTTPError(.unsupportedMediaType, "Send the contact as application/json.")
        }
        guard String(validating: request.body, as: UTF8.self) != nil,
            let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any]
        else { throw WebApp.ApiError.invalid("The body must be a JSON object.") }
        if let unknown = Set(object.keys).subtracting(fields).sorted().first {
            throw WebApp.ApiError.invalid("Unknown field \(unknown).")
        }
        func string(_ name: String, required: Bool, max: Int) throws -> String {
            guard let value = object[name] else {
                if required { throw WebApp.ApiError.invalid("\(name) is required.") }
                return ""
            }
            guard let text = value as? String, !(value is NSNumber) else { throw WebApp.ApiError.invalid("\(name) must be a string.") }
            do {
                return try CustomerRules.text(text, field: name, required: required, max: max, multiline: name == "summary")
            } catch {
                throw WebApp.ApiError.invalid(error.reason)
            }
        }
        let channelText = try string("channel", required: true, max: 20)
        guard let channel = Channel(rawValue: channelText), WebApp.ApiLimits.channelsFromOtherSystems.contains(channel) else {
            throw WebApp.ApiError.invalid("channel must be one of \(WebApp.ApiLimits.channelsFromOtherSystems.map(\.rawValue).joined(separator: ", ")).")
        }
        let atText = try string("at", required: true, max: 40)
        guard let at = Timestamp.parse(atText) else { throw WebApp.ApiError.invalid("at must be a date-time like 2026-11-02T10:15:00Z.") }
        return Contact(customerID: customerID, channel: channel, at: at, topic: try string("topic", required: true, max: 200),
                       summary: try string("summary", required: false, max: WebApp.ApiLimits.maxTextField),
                       outcome: try string("outcome", required: false, max: 200), sourceSystem: source)
    }
}
