import Foundation

/// One HTTP request, read in full (headers and body) before a handler sees it.
public struct Request: Sendable {
    public let method: String
    /// The path, percent-decoded.
    public let path: String
    /// The path's segments, each percent-decoded on its own (so an encoded "/" stays inside its segment).
    public let pathSegments: [String]
    public let query: QueryParameters
    public let headers: HTTPHeaders
    public let body: [UInt8]
    /// The client's address as text.
    public var clientAddress: String
    /// Whether the request came over TLS.
    public let isSecure: Bool
    /// A short id, shared by the access log and error pages, to find one request again.
    public let requestID: String
    /// Values of the route's `:name` parameters, filled in by the router.
    public var parameters: [String: String] = [:]
    /// The route pattern that matched ("/customers/:number"), for logs and metrics.
    public var routePattern: String?

    public init(
        method: String, path: String, pathSegments: [String]? = nil, query: QueryParameters = QueryParameters(),
        headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [], clientAddress: String = "",
        isSecure: Bool = false, requestID: String = ""
    ) {
        self.method = method
        self.path = path
        self.pathSegments = pathSegments ?? path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        self.query = query
        self.headers = headers
        self.body = body
        self.clientAddress = clientAddress
        self.isSecure = isSecure
        self.requestID = requestID
    }

    /// Builds a request from the raw, still percent-encoded path. Throws 400 on bad encoding.
    public init(
        method: String, rawPath: String, rawQuery: [(String, String?)], headers: HTTPHeaders, body: [UInt8],
        clientAddress: String, isSecure: Bool, requestID: String
    ) throws(HTTPError) {
        guard rawPath.hasPrefix("/") || rawPath == "*" else { throw .malformed("The path must start with /.") }
        guard let path = PercentDecoding.decode(Substring(rawPath), plusIsSpace: false) else {
            throw .malformed("The path has a bad percent-encoding.")
        }
        var segments: [String] = []
        for raw in rawPath.split(separator: "/", omittingEmptySubsequences: true) {
            guard let segment = PercentDecoding.decode(raw, plusIsSpace: false) else {
                throw .malformed("The path has a bad percent-encoding.")
            }
            segments.append(segment)
        }
        var query = QueryParameters()
        for (rawKey, rawValue) in rawQuery {
            guard let key = PercentDecoding.decode(Substring(rawKey), plusIsSpace: true),
                let value = PercentDecoding.decode(Substring(rawValue ?? ""), plusIsSpace: true)
            else { throw .malformed("The query has a bad percent-encoding.") }
            query.append(key, value)
        }
        self.init(
            method: method, path: path, pathSegments: segments, query: query, headers: headers, body: body,
            clientAddress: clientAddress, isSecure: isSecure, requestID: requestID)
    }

    /// The media type of the body, without parameters, in lower case.
    public var contentType: String? {
        headers["Content-Type"].map {
            $0.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                ?? ""
        }
    }

    public var isHead: Bool { method == "HEAD" }
}

/// Decoded query or form parameters, in order; a name may repeat.
public struct QueryParameters: Sendable, Sequence {
    public private(set) var pairs: [(name: String, value: String)] = []

    public init() {}

    public init(_ pairs: [(String, String)]) {
        self.pairs = pairs.map { (name: $0.0, value: $0.1) }
    }

    public subscript(name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    public func all(_ name: String) -> [String] {
        pairs.compactMap { $0.name == name ? $0.value : nil }
    }

    public mutating func append(_ name: String, _ value: String) {
        pairs.append((name: name, value: value))
    }

    public var count: Int { pairs.count }
    public var isEmpty: Bool { pairs.isEmpty }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        pairs.makeIterator()
    }
}
