/// An error that knows the HTTP status it stands for. Handlers throw these; the application turns
/// them into a page or problem JSON.
public protocol HTTPResponseError: Error {
    var status: HTTPStatus { get }
    /// A short technical reason, safe to show (never personal data).
    var detail: String { get }
}

/// The errors the HTTP layer itself detects.
public struct HTTPError: HTTPResponseError, Equatable {
    public enum Kind: String, Sendable {
        case malformedRequest = "malformed-request"
        case notFound = "not-found"
        case methodNotAllowed = "method-not-allowed"
        case bodyTooLarge = "body-too-large"
        case uriTooLong = "uri-too-long"
        case unsupportedMediaType = "unsupported-media-type"
        case tooManyFields = "too-many-fields"
        case internalError = "internal-error"
    }

    public let kind: Kind
    public let detail: String
    /// For 405: the methods the path does allow.
    public let allowedMethods: [String]

    public init(_ kind: Kind, _ detail: String, allowedMethods: [String] = []) {
        self.kind = kind
        self.detail = detail
        self.allowedMethods = allowedMethods
    }

    public var status: HTTPStatus {
        switch kind {
        case .malformedRequest, .tooManyFields: .badRequest
        case .notFound: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .bodyTooLarge: .contentTooLarge
        case .uriTooLong: .uriTooLong
        case .unsupportedMediaType: .unsupportedMediaType
        case .internalError: .internalServerError
        }
    }

    public static func malformed(_ detail: String) -> HTTPError { HTTPError(.malformedRequest, detail) }
}
