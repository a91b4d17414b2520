import BalieCore
import BalieHTTP

/// What a page handler receives: the HTTP request, the visit it belongs to, and for a POST the
/// decoded form (its CSRF token already checked).
struct PageRequest {
    let http: Request
    var visit: Visit
    let form: QueryParameters
    /// The API client's token, on API routes.
    var apiToken: ApiToken? = nil
    /// On API routes: what the handler saw, written by `runAPI` in one transaction with the request's
    /// own audit row before the answer leaves (one durable commit per request instead of two).
    var apiAudit: PendingAudit? = nil
    /// The enrolled kiosk the request came from.
    var kiosk: Kiosk? = nil
    /// Who asks, for the access rules (`ObjectAccess`).
    var requester = Requester(kind: .anonymous, branches: .only([]))

    var parameters: [String: String] { http.parameters }
    var signedIn: SignedIn? { visit.signedIn }
    var language: String { visit.language.code }
    /// Where branch-scoped actions happen: the signed-in person's working branch, else the kiosk's.
    var workingBranch: String? { signedIn?.workingBranch ?? kiosk?.branchCode }
}

typealias PageHandler = @Sendable (PageRequest) throws -> Response

/// A route's handler with the roles that may reach it.
struct WebRoute: Sendable {
    let access: Access
    let handler: PageHandler
}

/// Audit rows a handler has to have written before its answer goes out.
final class PendingAudit {
    private(set) var events: [AuditEvent] = []
    func append(_ event: AuditEvent) { events.append(event) }
}
