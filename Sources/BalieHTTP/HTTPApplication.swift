/// What the server hands each request to.
public protocol HTTPApplication: Sendable {
    /// Answers a fully read request. Must not throw: errors become responses here.
    func respond(to request: Request) -> Response

    /// Answers a request the server refused before routing (400, 413, 414, ...). `request` holds
    /// what could be read of it, for the visitor's language and the response format.
    func errorResponse(for error: HTTPError, request: Request) -> Response

    /// Called once the server runs, so that the application can show its figures (`/metrics`).
    func attach(to server: Server)

    /// Files the server may answer itself, before routing, for a GET or HEAD of one of their paths
    /// with no query and no body. The answer must be what `respond(to:)` would give.
    var preparedFiles: StaticFiles? { get }
}

extension HTTPApplication {
    public func attach(to server: Server) {}
    public var preparedFiles: StaticFiles? { nil }
}
