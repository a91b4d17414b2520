import Foundation

/// An HTTP response: a status, headers, and either bytes or a stream the application writes to later.
public struct Response: Sendable {
    public enum Body: Sendable {
        case bytes([UInt8])
        case stream(ResponseStream)
        /// Built once; its own headers are sent and `headers` is ignored.
        case prepared(PreparedResponse)
    }

    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: Body
    /// The route pattern that produced this response, for the access log.
    public var routePattern: String?

    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders(), body: Body = .bytes([])) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public init(status: HTTPStatus = .ok, contentType: String, bytes: [UInt8]) {
        self.init(status: status, headers: HTTPHeaders([("Content-Type", contentType)]), body: .bytes(bytes))
    }

    public static func text(_ text: String, status: HTTPStatus = .ok) -> Response {
        Response(status: status, contentType: "text/plain; charset=utf-8", bytes: Array(text.utf8))
    }

    public static func html(_ html: String, status: HTTPStatus = .ok) -> Response {
        Response(status: status, contentType: "text/html; charset=utf-8", bytes: Array(html.utf8))
    }

    /// JSON from an `Encodable` value, keys sorted so that answers are stable.
    public static func json<T: Encodable>(_ value: T, status: HTTPStatus = .ok,
                                          contentType: String = "application/json") -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let bytes = (try? encoder.encode(value)).map(Array.init) ?? Array("{}".utf8)
        return Response(status: status, contentType: contentType, bytes: bytes)
    }

    /// A redirect after a form post (303) or a plain one.
    public static func redirect(to location: String, status: HTTPStatus = .seeOther) -> Response {
        Response(status: status, headers: HTTPHeaders([("Location", location)]))
    }

    /// A stream of Server-Sent Events: `text/event-stream`, never cached.
    public static func eventStream(_ stream: ResponseStream) -> Response {
        Response(
            status: .ok,
            headers: HTTPHeaders([
                ("Content-Type", "text/event-stream; charset=utf-8"), ("Cache-Control", "no-store"),
                ("X-Accel-Buffering", "no"),
            ]),
            body: .stream(stream))
    }

    public mutating func setCookie(_ cookie: Cookie) {
        headers.append("Set-Cookie", cookie.headerValue)
    }

    /// The body's bytes (empty for a stream).
    public var bodyBytes: [UInt8] {
        switch body {
        case .bytes(let bytes): bytes
        case .prepared(let prepared): prepared.bytes
        case .stream: []
        }
    }
}
