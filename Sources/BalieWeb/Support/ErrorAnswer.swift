import BalieCore
import BalieHTTP
import Foundation

/// What a visitor gets for an error a handler throws: the one table from every refusal and failure to its HTTP
/// status, its kind (the locale texts `errors.<kind>.title` and `.message` of the page, and the problem `type`
/// `/problems/<kind>` of the API) and a detail that is safe to show. Pages and the API answer through it alike, so
/// an error meant for one never turns into a 500 on the other.
struct ErrorAnswer: Equatable {
    let status: HTTPStatus
    let kind: String
    let detail: String
    /// Seconds the client should wait before trying again (`Retry-After`), for refusals that pass.
    var retryAfter: Int?
    /// Whether this is a failure on our side that the log must show (storage down, a bug), not a refusal.
    var isFailure = false

    /// Every kind the table can give; each has its texts in every language (LocalizationTests).
    static let kinds = [
        "bad_request", "forbidden", "not_found", "method_not_allowed", "body_too_large", "uri_too_long",
        "too_many_fields", "unsupported_media_type", "internal_error", "session_expired", "csrf", "storage_unavailable",
        "too_many_requests", "rate_limited", "not_enrolled", "unauthorized", "invalid_input", "conflict",
    ]

    static let storageDetail = "The data could not be saved or read just now; nothing was changed."

    init(status: HTTPStatus, kind: String, detail: String, retryAfter: Int? = nil, isFailure: Bool = false) {
        (self.status, self.kind, self.detail, self.retryAfter, self.isFailure) = (status, kind, detail, retryAfter, isFailure)
    }

    init(_ error: any Error) {
        switch error {
        case let error as PageError:
            self.init(status: error.status, kind: error.kind, detail: error.detail)
        case let error as HTTPError:
            self.init(status: error.status, kind: error.pageKind, detail: error.detail)
        case let error as WebApp.ApiError:
            switch error {
            case .unauthorized: self.init(status: .unauthorized, kind: "unauthorized", detail: "A valid bearer token is needed.")
            case .expired(let at):
                self.init(status: .unauthorized, kind: "unauthorized",
                          detail: "The bearer token expired on \(ISO8601DateFormatter().string(from: at)); ask for a new one.")
            case .throttled(let seconds):
                self.init(status: .tooManyRequests, kind: "rate_limited", detail: "Too many wrong bearer tokens from this address; try again later.",
                          retryAfter: seconds)
            case .forbidden(let scope): self.init(status: .forbidden, kind: "forbidden", detail: "The token lacks the scope \(scope.rawValue).")
            case .notFound: self.init(status: .notFound, kind: "not_found", detail: "No such resource.")
            case .invalid(let text): self.init(status: .unprocessableContent, kind: "invalid_input", detail: text)
            case .conflict(let text): self.init(status: .conflict, kind: "conflict", detail: text)
            }
        case let refusal as SessionRules.Refusal:
            self.init(status: .unprocessableContent, kind: "invalid_input", detail: "The session refused this: \(refusal.key).")
        case let refusal as HelpRules.Refusal:
            self.init(status: .unprocessableContent, kind: "invalid_input", detail: "The help request refused this: \(refusal).")
        case BranchRules.Problem.unknownBranch, KioskRules.Problem.unknownKiosk:
            self.init(status: .notFound, kind: "not_found", detail: "No such branch or kiosk.")
        case BranchRules.Problem.codeTaken, KioskRules.Problem.nameTaken:
            self.init(status: .conflict, kind: "conflict", detail: "That name is taken already.")
        case let problem as BranchRules.Problem:
            self.init(status: .unprocessableContent, kind: "invalid_input", detail: "The branch refused this: \(problem).")
        case let problem as KioskRules.Problem:
            self.init(status: .unprocessableContent, kind: "invalid_input", detail: "The kiosk refused this: \(problem).")
        case let problem as ErasureRules.Problem:
            self.init(status: .unprocessableContent, kind: "invalid_input", detail: "The erasure refused this: \(problem).")
        case let error where StorageProblem.of(error) != nil:
            self.init(status: .serviceUnavailable, kind: "storage_unavailable", detail: Self.storageDetail, retryAfter: 30, isFailure: true)
        default:
            self.init(status: .internalServerError, kind: "internal_error", detail: "Something went wrong on our side.", isFailure: true)
        }
    }

    /// The problem JSON `type` of this kind.
    var problemType: String { Self.problemType(kind: kind) }

    /// The problem JSON `type` of a locale kind ("invalid_input" → "/problems/invalid-input").
    static func problemType(kind: String) -> String { "/problems/\(kind.replacingOccurrences(of: "_", with: "-"))" }
}
