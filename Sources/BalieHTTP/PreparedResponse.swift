import CMicroHTTPD
import Foundation

/// A response built once and sent many times, for content that never changes while the server runs
/// (static files): libmicrohttpd keeps the status line's headers and the body ready, so answering
/// costs no allocation or copy.
public final class PreparedResponse: @unchecked Sendable {
    public let status: HTTPStatus
    public let headers: HTTPHeaders
    public let bytes: [UInt8]
    private let storage: UnsafeMutableRawPointer?
    let native: OpaquePointer

    public init(status: HTTPStatus, headers: HTTPHeaders, bytes: [UInt8]) {
        self.status = status
        self.headers = headers
        self.bytes = bytes
        let storage = bytes.isEmpty ? nil : malloc(bytes.count)
        if let storage { bytes.withUnsafeBytes { storage.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) } }
        self.storage = storage
        native = MHD_create_response_from_buffer(bytes.count, storage, .RESPMEM_PERSISTENT)!
        for field in headers { _ = MHD_add_response_header(native, field.name, field.value) }
    }

    deinit {
        MHD_destroy_response(native)
        free(storage)
    }

    var nativeAnswer: NativeAnswer { NativeAnswer(response: native, status: UInt32(status.code)) }

    /// As a `Response`, headers included for anyone who inspects it.
    public var response: Response {
        Response(status: status, headers: headers, body: .prepared(self))
    }
}

/// A prepared libmicrohttpd response and its status, as the server queues it.
struct NativeAnswer: @unchecked Sendable {
    let response: OpaquePointer
    let status: UInt32
}
