import Foundation

/// A response body that the application writes to after the handler has returned, for Server-Sent
/// Events. The server suspends the connection while nothing is buffered and resumes it on `send`,
/// so an idle stream costs no CPU.
public final class ResponseStream: @unchecked Sendable {
    /// The most bytes a stream buffers for a client that does not read; past it the stream closes.
    public static let maxBufferedBytes = 1 << 20

    private let lock = NSLock()
    private var buffer: [UInt8] = []
    private var finished = false
    private var closed = false
    private var waiting = false
    private var resumeConnection: (@Sendable () -> Void)?
    private var closeHandlers: [@Sendable () -> Void] = []

    public init() {}

    /// Queues bytes for the client. Returns false when the stream is closed (the client went away).
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        lock.lock()
        guard !finished, !closed else {
            lock.unlock()
            return false
        }
        if buffer.count + bytes.count > Self.maxBufferedBytes {
            finished = true
            buffer.removeAll()
        } else {
            buffer.append(contentsOf: bytes)
        }
        wakeLocked()
        lock.unlock()
        return true
    }

    @discardableResult
    public func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Sends one Server-Sent Event.
    @discardableResult
    public func sendEvent(id: String? = nil, event: String? = nil, data: String) -> Bool {
        var text = ""
        if let id { text += "id: \(Self.singleLine(id))\n" }
        if let event { text += "event: \(Self.singleLine(event))\n" }
        for line in data.split(separator: "\n", omittingEmptySubsequences: false) {
            text += "data: \(line)\n"
        }
        return send(text + "\n")
    }

    /// A comment line that keeps the connection alive and reveals a client that went away.
    @discardableResult
    public func sendHeartbeat() -> Bool { send(":\n\n") }

    /// Ends the stream once the buffered bytes are sent.
    public func finish() {
        lock.lock()
        finished = true
        wakeLocked()
        lock.unlock()
    }

    /// Whether the stream has ended, by `finish` or because the client went away.
    public var isClosed: Bool {
        lock.lock()
        defer { lock.unlock() }
        return closed || finished
    }

    /// Runs `handler` once when the connection closes (at once if it already has).
    public func onClose(_ handler: @escaping @Sendable () -> Void) {
        lock.lock()
        if closed {
            lock.unlock()
            handler()
            return
        }
        closeHandlers.append(handler)
        lock.unlock()
    }

    // MARK: - For the server

    enum ReadResult { case bytes(Int), wait, end }

    /// Copies up to `capacity` buffered bytes out. When nothing is buffered, `suspend` runs under the
    /// lock so that a concurrent `send` can only resume after the suspension.
    func read(into destination: UnsafeMutableRawBufferPointer, suspend: () -> Void) -> ReadResult {
        lock.lock()
        defer { lock.unlock() }
        if !buffer.isEmpty {
            let count = min(buffer.count, destination.count)
            buffer.withUnsafeBytes { source in
                destination.baseAddress!.copyMemory(from: source.baseAddress!, byteCount: count)
            }
            buffer.removeFirst(count)
            return .bytes(count)
        }
        if finished || closed { return .end }
        waiting = true
        suspend()
        return .wait
    }

    func attach(resume: @escaping @Sendable () -> Void) {
        lock.lock()
        resumeConnection = resume
        lock.unlock()
    }

    /// The connection is gone: nothing more can be sent.
    func markClosed() {
        lock.lock()
        closed = true
        waiting = false
        resumeConnection = nil
        let handlers = closeHandlers
        closeHandlers.removeAll()
        lock.unlock()
        for handler in handlers { handler() }
    }

    private func wakeLocked() {
        guard waiting, let resumeConnection else { return }
        waiting = false
        resumeConnection()
    }

    private static func singleLine(_ text: String) -> String {
        String(text.filter { $0 != "\n" && $0 != "\r" })
    }
}
