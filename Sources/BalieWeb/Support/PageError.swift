import BalieHTTP

/// Errors of the web application that have a page of their own. Their `kind` names the texts
/// under `errors.` in the locales and the problem `type` in the API.
struct PageError: HTTPResponseError {
    let status: HTTPStatus
    let kind: String
    let detail: String

    static func notFound(_ detail: String = "No such page.") -> PageError {
        PageError(status: .notFound, kind: "not_found", detail: detail)
    }
    static func badRequest(_ detail: String) -> PageError {
        PageError(status: .badRequest, kind: "bad_request", detail: detail)
    }
    static let forbidden = PageError(status: .forbidden, kind: "forbidden", detail: "Your role does not give access to this page.")
    static func tooManyRequests(_ detail: String) -> PageError {
        PageError(status: .tooManyRequests, kind: "too_many_requests", detail: detail)
    }
    static let csrf = PageError(status: .forbidden, kind: "csrf", detail: "The form's security token is missing or wrong.")
    static let crossOrigin = PageError(status: .forbidden, kind: "csrf", detail: "The form was sent from another site.")
    static let notEnrolled = PageError(status: .forbidden, kind: "not_enrolled", detail: "This browser is not an enrolled kiosk.")
    static let rateLimited = PageError(status: .tooManyRequests, kind: "rate_limited", detail: "Too many requests from this kiosk or address just now.")
}

extension HTTPError {
    /// The locale key part for this kind ("body-too-large" → "body_too_large").
    var pageKind: String {
        switch kind {
        case .malformedRequest: "bad_request"
        default: WebApp.key(kind.rawValue)
        }
    }
}

extension WebApp {
    /// Every kind of error that has texts under `errors.` in the locales.
    static var errorKinds: [String] { ErrorAnswer.kinds }
}
