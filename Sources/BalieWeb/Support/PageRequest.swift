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

    var parameters: [String: String] { http.parameters }
    var signedIn: SignedIn? { visit.signedIn }
    var language: String { visit.language.code }
}

typealias PageHandler = @Sendable (PageRequest) throws -> Response

/// A route's handler with the roles that may reach it.
struct WebRoute: Sendable {
    let access: Access
    let handler: PageHandler
}
