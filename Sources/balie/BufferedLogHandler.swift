import BalieHTTP
import Foundation
import Logging
import Synchronization

/// A swift-log handler that writes lines to standard error through buffers, flushed every 200 ms,
/// when one grows past 64 KiB, or at once for warnings and worse. The access log writes one line per
/// request; writing each with its own system call, or queueing every worker thread on one lock,
/// would cost more than answering a static file.
struct BufferedLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level
    let label: String
    /// Not counted: the sink lives as long as the process, and every thread logging would otherwise
    /// change its reference count, bouncing it between the cores.
    private unowned(unsafe) let sink: Sink

    init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
        sink = .standardError
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var suffix = ""
        if event.metadata?.isEmpty == false || !metadata.isEmpty {
            let all = event.metadata.map { self.metadata.merging($0) { $1 } } ?? self.metadata
            for key in all.keys.sorted() { suffix += " \(key)=\(all[key]!)" }
        }
        sink.write(level: event.level, label: label, message: event.message.description, suffix: suffix)
    }

    /// Buffers split by thread (`ThreadIndex`), and their flusher. Within a flush the parts are
    /// written one after another, so lines of different threads less than 200 ms apart may appear out
    /// of order; each carries its own timestamp.
    final class Sink: @unchecked Sendable {
        static let standardError = Sink()
        static let flushThreshold = 64 * 1024
        private static let partCount = 8

        /// A buffer with the text of its current second.
        private struct Part {
            var buffer: [UInt8] = []
            var second: time_t = 0
            var secondText: [UInt8] = []
        }

        private let parts = (0..<Sink.partCount).map { _ in LockedValue(Part()) }
        /// Keeps the chunks of two flushes from interleaving.
        private let outputLock = Mutex(())
        private let timer: DispatchSourceTimer

        private init() {
            timer = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
            timer.schedule(deadline: .now() + .milliseconds(200), repeating: .milliseconds(200))
            timer.setEventHandler { [unowned self] in self.flush() }
            timer.resume()
        }

        /// Appends "<ISO 8601 time to the second> <level> <label>: <message><suffix>\n"; the time
        /// is formatted once per second per part.
        func write(level: Logger.Level, label: String, message: String, suffix: String) {
            let now = time(nil)  // whole seconds, without reading the precise clock
            let index = ThreadIndex.slot(among: Self.partCount)
            let full = parts[index].value.withLock { part in
                if now != part.second {
                    part.second = now
                    part.secondText = Array(ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(now))).utf8)
                }
                part.buffer.reserveCapacity(
                    part.buffer.count + part.secondText.count + level.rawValue.utf8.count + label.utf8.count
                        + message.utf8.count + suffix.utf8.count + 5)
                part.buffer.append(contentsOf: part.secondText)
                part.buffer.append(UInt8(ascii: " "))
                Self.append(level.rawValue, to: &part.buffer)
                part.buffer.append(UInt8(ascii: " "))
                Self.append(label, to: &part.buffer)
                part.buffer.append(contentsOf: [UInt8(ascii: ":"), UInt8(ascii: " ")])
                Self.append(message, to: &part.buffer)
                Self.append(suffix, to: &part.buffer)
                part.buffer.append(UInt8(ascii: "\n"))
                return part.buffer.count >= Self.flushThreshold
            }
            if level >= .warning { flush() } else if full { flush(index) }
        }

        /// A string's bytes copied in one go (appending its `utf8` view goes byte by byte).
        private static func append(_ text: String, to buffer: inout [UInt8]) {
            var text = text
            text.withUTF8 { buffer.append(contentsOf: $0) }
        }

        func flush() {
            parts.indices.forEach(flush)
        }

        private func flush(_ index: Int) {
            let pending = parts[index].value.withLock { part in
                defer { part.buffer.removeAll(keepingCapacity: true) }
                return part.buffer
            }
            guard !pending.isEmpty else { return }
            outputLock.withLock { _ in FileHandle.standardError.write(Data(pending)) }
        }
    }
}

