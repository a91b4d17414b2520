import Foundation
import Logging

/// A swift-log handler that writes lines to standard error through a buffer, flushed every 200 ms,
/// when it grows past 64 KiB, or at once for warnings and worse. The access log writes one line per
/// request; writing each with its own system call under a global lock would cost more than the
/// request itself.
struct BufferedLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level
    let label: String
    private let sink: Sink

    init(label: String, level: Logger.Level, sink: Sink = .standardError) {
        self.label = label
        self.logLevel = level
        self.sink = sink
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
             file: String, function: String, line: UInt) {
        var text = " \(level) \(label): \(message)"
        if explicit?.isEmpty == false || !metadata.isEmpty {
            let all = explicit.map { self.metadata.merging($0) { $1 } } ?? self.metadata
            for key in all.keys.sorted() { text += " \(key)=\(all[key]!)" }
        }
        text += "\n"
        sink.write(line: text, flush: level >= .warning)
    }

    /// The shared buffer and its flusher.
    final class Sink: @unchecked Sendable {
        static let standardError = Sink()
        static let flushThreshold = 64 * 1024

        private let lock = NSLock()
        private var buffer: [UInt8] = []
        private var second = 0
        private var secondText = ""
        private let timer: DispatchSourceTimer

        private init() {
            timer = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
            timer.schedule(deadline: .now() + .milliseconds(200), repeating: .milliseconds(200))
            timer.setEventHandler { [unowned self] in self.flush() }
            timer.resume()
        }

        /// Appends a line after an ISO 8601 timestamp to the second (formatted once per second).
        func write(line: String, flush immediately: Bool) {
            let now = Int(Date().timeIntervalSince1970)
            lock.lock()
            if now != second {
                second = now
                secondText = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(now)))
            }
            buffer.append(contentsOf: secondText.utf8)
            buffer.append(contentsOf: line.utf8)
            let full = buffer.count >= Self.flushThreshold
            lock.unlock()
            if immediately || full { flush() }
        }

        func flush() {
            lock.lock()
            let pending = buffer
            buffer.removeAll(keepingCapacity: true)
            lock.unlock()
            guard !pending.isEmpty else { return }
            FileHandle.standardError.write(Data(pending))
        }
    }
}
