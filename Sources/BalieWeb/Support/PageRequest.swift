import BalieHTTP

/// What a page handler receives: the HTTP request, the visit it belongs to, and for a POST the
/// decoded form (its CSRF token already checked).
struct PageRequest {
    let http: Request
    var visit: Visit
    let form: QueryParameters

    var parameters: [String: String] { http.parameters }
    var language: String { visit.language.code }
}

typealias PageHandler = @Sendable (PageRequest) throws -> Response
