import Foundation

/// Where and how the server listens, and its limits. Every limit is a named setting with a default.
public struct ServerConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    /// 0 picks a free port; `Server.port` tells which.
    public var port: UInt16 = 8080
    /// Worker threads polling with epoll; one per core by default.
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    /// The largest request body accepted; larger gets 413.
    public var maxBodyBytes: Int = 1 << 20
    /// The longest request target (path and query) accepted; longer gets 414.
    public var maxURLLength: Int = 8192
    /// Open connections in all; past it new connections are refused.
    public var maxConnections: Int = 1024
    /// Open connections from one client address.
    public var maxConnectionsPerClient: Int = 64
    /// Seconds a connection may sit idle before it is closed.
    public var idleTimeoutSeconds: Int = 30
    /// Memory libmicrohttpd may use per connection for the request line and headers (and the answer's
    /// headers); headers that do not fit get 431. 16 KiB, as Node.js allows: libmicrohttpd clears the
    /// whole area after every request, so a larger one would cost on every request.
    public var connectionMemoryBytes: Int = 16 * 1024
    /// How long a graceful stop waits for requests in flight.
    public var shutdownGraceSeconds: Double = 10
    /// PEM text of a TLS certificate and key; when both are set the server speaks HTTPS.
    public var tlsCertificatePEM: String?
    public var tlsKeyPEM: String?

    public init() {}

    public var isTLS: Bool { tlsCertificatePEM != nil && tlsKeyPEM != nil }
}
