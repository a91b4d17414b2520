import CMicroHTTPD
import Foundation
import Logging
import Synchronization

/// An HTTP server on libmicrohttpd: an internal polling thread with epoll and a pool of worker
/// threads, one per core. Each request is read in full, then handed to the application on the
/// worker thread that read it. This file and `ResponseStream` hold all of Balie's C and pointer code.
public final class Server: @unchecked Sendable {
    public enum StartError: Error, CustomStringConvertible {
        case cannotListen(host: String, port: UInt16)
        public var description: String {
            switch self {
            case .cannotListen(let host, let port): "Cannot listen on \(host):\(port) (address in use or not allowed)."
            }
        }
    }

    public let configuration: ServerConfiguration
    let application: any HTTPApplication
    let logger: Logger
    /// Requests by route pattern, method and status.
    public let metrics = ServerMetrics()
    private var daemon: OpaquePointer?
    /// The port the server listens on (the chosen one when configured with port 0).
    public private(set) var port: UInt16 = 0

    private let inFlight = StripedCounter()
    /// Request numbers: each thread counts in its own part, and the part's index is in the number.
    private let requestCounter = StripedCounter()
    private let requestIDPrefix = String(UInt32.random(in: 0x1000_0000...0xffff_ffff), radix: 36)
    private let streamsLock = NSLock()
    private var openStreams: [ObjectIdentifier: ResponseStream] = [:]
    private var tlsStrings: [UnsafeMutablePointer<CChar>] = []
    /// Files answered straight from the C strings, before any `Request` is made (see `preparedAnswer`).
    private var preparedFilesOwner: StaticFiles?
    /// The same, read on every request without touching its reference count (shared by all threads):
    /// `preparedFilesOwner` keeps it alive.
    private unowned(unsafe) var preparedFiles: StaticFiles?
    private var preparedRoutePattern = ""

    public init(configuration: ServerConfiguration, application: any HTTPApplication, logger: Logger) {
        self.configuration = configuration
        self.application = application
        self.logger = logger
    }

    deinit {
        if daemon != nil { MHD_stop_daemon(daemon) }
        tlsStrings.forEach { free($0) }
    }

    /// Requests being read or answered right now (open event streams included).
    public var requestsInFlight: Int { inFlight.total }

    public func start() throws {
        let flags =
            MHD_USE_INTERNAL_POLLING_THREAD.rawValue | MHD_USE_EPOLL.rawValue | MHD_ALLOW_SUSPEND_RESUME.rawValue
        var key: UnsafeMutablePointer<CChar>?
        var certificate: UnsafeMutablePointer<CChar>?
        if let keyPEM = configuration.tlsKeyPEM, let certificatePEM = configuration.tlsCertificatePEM {
            // libmicrohttpd keeps these pointers for the daemon's lifetime.
            key = strdup(keyPEM)
            certificate = strdup(certificatePEM)
            tlsStrings += [key!, certificate!]
        }
        preparedFilesOwner = application.preparedFiles
        preparedFiles = preparedFilesOwner
        preparedRoutePattern = (preparedFiles?.urlPrefix ?? "") + "/*"
        let context = Unmanaged.passUnretained(self).toOpaque()
        daemon = cmhd_start_daemon(
            UInt32(flags), configuration.host, configuration.port, accessHandler, context, requestCompleted, context,
            UInt32(max(1, configuration.threads)), UInt32(configuration.maxConnections),
            UInt32(configuration.maxConnectionsPerClient), UInt32(configuration.idleTimeoutSeconds),
            configuration.connectionMemoryBytes, key, certificate)
        guard let daemon else { throw StartError.cannotListen(host: configuration.host, port: configuration.port) }
        port = cmhd_bound_port(daemon)
        application.attach(to: self)
    }

    /// A graceful stop: no new connections, event streams told to end, requests in flight finished
    /// (for up to `shutdownGraceSeconds`), then the daemon stops.
    public func stop() {
        guard let daemon else { return }
        let listenSocket = MHD_quiesce_daemon(daemon)
        if listenSocket >= 0 { close(listenSocket) }
        streamsLock.lock()
        let streams = Array(openStreams.values)
        streamsLock.unlock()
        streams.forEach { $0.finish() }
        let deadline = Date().addingTimeInterval(configuration.shutdownGraceSeconds)
        while inFlight.total > 0, Date() < deadline {
            usleep(5_000)
        }
        MHD_stop_daemon(daemon)
        self.daemon = nil
    }

    // MARK: - Per request

    /// What is known of one request while libmicrohttpd reads it.
    final class Exchange {
        let method: String
        let rawPath: String
        var headers = HTTPHeaders()
        var rawQuery: [(String, String?)] = []
        var rawQueryLength = 0
        var body: [UInt8] = []
        var refusal: HTTPError?
        var clientAddress = ""
        /// Formatted into the request id only when needed (`Server.requestID(of:)`).
        let number: UInt64
        let started = Server.monotonicNanoseconds()
        var status = 0
        var routePattern: String?
        /// Set when the request asks for a prepared file and is answered without routing. Owned by the
        /// server's `StaticFiles`, so not counted here.
        unowned(unsafe) var prepared: StaticFiles.Variants?

        init(method: String, rawPath: String, number: UInt64) {
            self.method = method
            self.rawPath = rawPath
            self.number = number
        }
    }

    /// The monotonic clock straight from the C library (through `DispatchTime` it costs a conversion more).
    static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    func requestID(of exchange: Exchange) -> String { "\(requestIDPrefix)-\(exchange.number)" }

    fileprivate func handle(
        connection: OpaquePointer, url: UnsafePointer<CChar>, method: UnsafePointer<CChar>,
        uploadData: UnsafePointer<CChar>?, uploadDataSize: UnsafeMutablePointer<Int>,
        state: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    ) -> MHD_Result {
        guard let existing = state.pointee else {
            // First call: only the request line and headers are known.
            let counted = requestCounter.add(1)
            let number = UInt64(counted.value) * UInt64(StripedCounter.stripeCount) + UInt64(counted.stripe)
            inFlight.add(1)
            if let (method, variants) = preparedAnswer(connection: connection, url: url, method: method) {
                let exchange = Exchange(method: method, rawPath: "", number: number)
                exchange.prepared = variants
                state.pointee = Unmanaged.passRetained(exchange).toOpaque()
                return .YES
            }
            let exchange = Exchange(method: String(cString: method), rawPath: String(cString: url), number: number)
            state.pointee = Unmanaged.passRetained(exchange).toOpaque()
            readHead(of: connection, into: exchange)
            if let refusal = refusal(beforeBody: exchange) {
                // Answered before the body is read: libmicrohttpd closes the connection afterwards.
                exchange.refusal = refusal
                return queue(application.errorResponse(for: refusal, request: partialRequest(exchange)),
                             for: exchange, on: connection)
            }
            return .YES
        }
        let exchange = Unmanaged<Exchange>.fromOpaque(existing).takeUnretainedValue()
        let size = uploadDataSize.pointee
        if size > 0 {
            if exchange.refusal == nil {
                if exchange.body.count + size > configuration.maxBodyBytes {
                    exchange.refusal = HTTPError(
                        .bodyTooLarge, "The body is larger than \(configuration.maxBodyBytes) bytes.")
                    exchange.body = []
                } else if let uploadData {
                    exchange.body.append(
                        contentsOf: UnsafeRawBufferPointer(start: UnsafeRawPointer(uploadData), count: size))
                }
            }
            uploadDataSize.pointee = 0
            return .YES
        }
        if let variants = exchange.prepared {
            // Queued on this second call, as for every request: queued on the first, libmicrohttpd
            // would close the connection after answering.
            let answer = variants.nativeAnswer(
                acceptEncoding: header("Accept-Encoding", of: connection),
                ifNoneMatch: header("If-None-Match", of: connection))
            exchange.status = Int(answer.status)
            exchange.routePattern = preparedRoutePattern
            return MHD_queue_response(connection, answer.status, answer.response)
        }
        let response: Response
        if let refusal = exchange.refusal {
            response = application.errorResponse(for: refusal, request: partialRequest(exchange))
        } else {
            do {
                let request = try Request(
                    method: exchange.method, rawPath: exchange.rawPath, rawQuery: exchange.rawQuery,
                    headers: exchange.headers, body: exchange.body, clientAddress: exchange.clientAddress,
                    isSecure: configuration.isTLS, requestID: requestID(of: exchange))
                exchange.body = []
                response = application.respond(to: request)
            } catch {
                response = application.errorResponse(for: error, request: partialRequest(exchange))
            }
        }
        return queue(response, for: exchange, on: connection)
    }

    /// A GET or HEAD of a prepared file, with no query and no body: what a page's styles, scripts and
    /// icons are. Found from libmicrohttpd's C strings alone, so that such a request costs no `String`,
    /// header table or `Request`; everything else (a file not there, a query, a body, an encoded path)
    /// takes the ordinary way through the application, which gives the same answers.
    private func preparedAnswer(connection: OpaquePointer, url: UnsafePointer<CChar>, method: UnsafePointer<CChar>)
        -> (method: String, variants: StaticFiles.Variants)?
    {
        guard let preparedFiles else { return nil }
        let name: String
        if strcmp(method, "GET") == 0 { name = "GET" } else if strcmp(method, "HEAD") == 0 { name = "HEAD" } else { return nil }
        let length = strlen(url)
        guard length <= configuration.maxURLLength,
            let variants = preparedFiles.byRawPath.lookup(UnsafeRawBufferPointer(start: url, count: length)),
            MHD_get_connection_values(connection, .GET_ARGUMENT_KIND, nil, nil) == 0,
            header("Content-Length", of: connection) == nil, header("Transfer-Encoding", of: connection) == nil
        else { return nil }
        return (name, variants)
    }

    private func header(_ name: String, of connection: OpaquePointer) -> String? {
        MHD_lookup_connection_value(connection, .HEADER_KIND, name).map { String(cString: $0) }
    }

    private func readHead(of connection: OpaquePointer, into exchange: Exchange) {
        let context = Unmanaged.passUnretained(exchange).toOpaque()
        MHD_get_connection_values(connection, .HEADER_KIND, collectHeader, context)
        MHD_get_connection_values(connection, .GET_ARGUMENT_KIND, collectQueryArgument, context)
        exchange.clientAddress = withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { address in
            address.initialize(repeating: 0)
            cmhd_client_address(connection, address.baseAddress, address.count)
            return String(cString: address.baseAddress!)
        }
    }

    private func refusal(beforeBody exchange: Exchange) -> HTTPError? {
        if exchange.rawPath.utf8.count + exchange.rawQueryLength > configuration.maxURLLength {
            return HTTPError(.uriTooLong, "The address is longer than \(configuration.maxURLLength) characters.")
        }
        // Request smuggling shapes (Debian's libmicrohttpd 0.9.75 predates the upstream fix).
        let lengths = exchange.headers.values("Content-Length")
        if lengths.count > 1 { return .malformed("The request has more than one Content-Length.") }
        if !lengths.isEmpty, exchange.headers.contains("Transfer-Encoding") {
            return .malformed("The request has both Content-Length and Transfer-Encoding.")
        }
        if let length = lengths.first {
            guard let value = Int(length.trimmingCharacters(in: .whitespaces)), value >= 0 else {
                return .malformed("The Content-Length is not a number.")
            }
            if value > configuration.maxBodyBytes {
                return HTTPError(.bodyTooLarge, "The body is larger than \(configuration.maxBodyBytes) bytes.")
            }
        }
        return nil
    }

    private func partialRequest(_ exchange: Exchange) -> Request {
        Request(
            method: exchange.method, path: exchange.rawPath, headers: exchange.headers,
            clientAddress: exchange.clientAddress, isSecure: configuration.isTLS, requestID: requestID(of: exchange))
    }

    private func queue(_ response: Response, for exchange: Exchange, on connection: OpaquePointer) -> MHD_Result {
        exchange.status = response.status.code
        exchange.routePattern = response.routePattern
        let native: OpaquePointer?
        switch response.body {
        case .prepared(let prepared):
            return MHD_queue_response(connection, UInt32(prepared.status.code), prepared.native)
        case .bytes(let bytes):
            native = bytes.withUnsafeBytes { buffer in
                MHD_create_response_from_buffer(
                    buffer.count, UnsafeMutableRawPointer(mutating: buffer.baseAddress), .RESPMEM_MUST_COPY)
            }
        case .stream(let stream):
            let binding = StreamBinding(stream: stream, connection: connection, server: self)
            native = MHD_create_response_from_callback(
                UInt64.max, 4096, readStream, Unmanaged.passRetained(binding).toOpaque(), releaseStream)
            register(stream)
            let handle = ConnectionHandle(connection)
            stream.attach(resume: { MHD_resume_connection(handle.pointer) })
        }
        guard let native else { return .NO }
        for field in response.headers {
            _ = MHD_add_response_header(native, field.name, field.value)
        }
        let result = MHD_queue_response(connection, UInt32(response.status.code), native)
        MHD_destroy_response(native)
        return result
    }

    fileprivate func completed(_ state: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) {
        guard let state, let pointer = state.pointee else { return }
        state.pointee = nil
        let exchange = Unmanaged<Exchange>.fromOpaque(pointer).takeRetainedValue()
        inFlight.add(-1)
        let microseconds = (Server.monotonicNanoseconds() - exchange.started) / 1000
        metrics.record(route: exchange.routePattern ?? "-", method: exchange.method, status: exchange.status, seconds: Double(microseconds) / 1e6)
        // One plain message rather than metadata keeps this cheap per request; `source` is named so
        // that swift-log does not work it out from the file name each time.
        guard logger.logLevel <= .info else { return }
        let line = AccessLogLine.format(
            method: exchange.method, route: exchange.routePattern ?? "-", status: exchange.status,
            microseconds: microseconds, idPrefix: requestIDPrefix, number: exchange.number)
        logger.info(Logger.Message(stringLiteral: line), source: "BalieHTTP")
    }

    // MARK: - Streams

    private func register(_ stream: ResponseStream) {
        streamsLock.lock()
        openStreams[ObjectIdentifier(stream)] = stream
        streamsLock.unlock()
    }

    fileprivate func unregister(_ stream: ResponseStream) {
        streamsLock.lock()
        openStreams[ObjectIdentifier(stream)] = nil
        streamsLock.unlock()
    }

    /// The number of open event streams.
    public var openStreamCount: Int {
        streamsLock.lock()
        defer { streamsLock.unlock() }
        return openStreams.count
    }
}

/// A libmicrohttpd connection pointer, handed to the thread that resumes a suspended stream.
private struct ConnectionHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}

private final class StreamBinding {
    let stream: ResponseStream
    let connection: OpaquePointer
    unowned let server: Server

    init(stream: ResponseStream, connection: OpaquePointer, server: Server) {
        self.stream = stream
        self.connection = connection
        self.server = server
    }
}

// MARK: - C callbacks (capture nothing; context arrives through `cls`)

private let accessHandler: MHD_AccessHandlerCallback = {
    cls, connection, url, method, _, uploadData, uploadDataSize, state in
    guard let cls, let connection, let url, let method, let uploadDataSize, let state else { return .NO }
    // The server outlives its daemon; borrowing it skips a retain and release of one object that
    // every worker thread would otherwise bounce between the cores.
    return Unmanaged<Server>.fromOpaque(cls)._withUnsafeGuaranteedRef { server in
        server.handle(
            connection: connection, url: url, method: method, uploadData: uploadData, uploadDataSize: uploadDataSize,
            state: state)
    }
}

private let requestCompleted: MHD_RequestCompletedCallback = { cls, _, state, _ in
    guard let cls else { return }
    Unmanaged<Server>.fromOpaque(cls)._withUnsafeGuaranteedRef { $0.completed(state) }
}

private let collectHeader: MHD_KeyValueIterator = { cls, _, key, value in
    guard let cls, let key else { return .YES }
    let exchange = Unmanaged<Server.Exchange>.fromOpaque(cls).takeUnretainedValue()
    exchange.headers.append(String(cString: key), value.map { String(cString: $0) } ?? "")
    return .YES
}

private let collectQueryArgument: MHD_KeyValueIterator = { cls, _, key, value in
    guard let cls, let key else { return .YES }
    let exchange = Unmanaged<Server.Exchange>.fromOpaque(cls).takeUnretainedValue()
    let name = String(cString: key)
    let text = value.map { String(cString: $0) }
    exchange.rawQuery.append((name, text))
    exchange.rawQueryLength += name.utf8.count + (text?.utf8.count ?? 0) + 2
    return .YES
}

private let readStream: MHD_ContentReaderCallback = { cls, _, buffer, capacity in
    guard let cls, let buffer else { return -2 }  // MHD_CONTENT_READER_END_WITH_ERROR
    let binding = Unmanaged<StreamBinding>.fromOpaque(cls).takeUnretainedValue()
    let destination = UnsafeMutableRawBufferPointer(start: UnsafeMutableRawPointer(buffer), count: capacity)
    switch binding.stream.read(into: destination, suspend: { MHD_suspend_connection(binding.connection) }) {
    case .bytes(let count): return count
    case .wait: return 0  // the connection is suspended until `send` resumes it
    case .end: return -1  // MHD_CONTENT_READER_END_OF_STREAM
    }
}

private let releaseStream: MHD_ContentReaderFreeCallback = { cls in
    guard let cls else { return }
    let binding = Unmanaged<StreamBinding>.fromOpaque(cls).takeRetainedValue()
    binding.server.unregister(binding.stream)
    binding.stream.markClosed()
}
