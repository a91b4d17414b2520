import Dispatch
import Foundation

/// Catches SIGTERM and SIGINT from the moment it is made, so that a signal that arrives while the
/// server starts is not lost; `wait()` blocks until one has arrived.
public final class TerminationSignal: @unchecked Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var received: String?
    private var sources: [DispatchSourceSignal] = []

    public init() {
        for (number, name) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")] {
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in self?.arrived(name) }
            source.resume()
            // Only after the source listens: from here the default action (exit) no longer applies.
            signal(number, SIG_IGN)
            sources.append(source)
        }
    }

    private func arrived(_ name: String) {
        lock.lock()
        let first = received == nil
        if first { received = name }
        lock.unlock()
        if first { semaphore.signal() }
    }

    /// Blocks until SIGTERM or SIGINT; returns its name.
    public func wait() -> String {
        semaphore.wait()
        sources.forEach { $0.cancel() }
        lock.lock()
        defer { lock.unlock() }
        return received ?? ""
    }
}
