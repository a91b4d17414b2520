import BalieHTTP
import Foundation

/// The waiting-room events of every branch: one broadcaster per branch (a display follows only its own
/// branch's calls), one heartbeat timer for all of them, and one cap on the streams of all branches together.
final class BranchEvents: @unchecked Sendable {
    let maxListeners: Int
    private let lock = NSLock()
    private var branches: [String: EventBroadcaster] = [:]
    private let timer: DispatchSourceTimer

    init(maxListeners: Int) {
        self.maxListeners = maxListeners
        timer = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
        timer.schedule(deadline: .now() + .seconds(EventBroadcaster.heartbeatSeconds), repeating: .seconds(EventBroadcaster.heartbeatSeconds))
        timer.setEventHandler { [weak self] in self?.heartbeat() }
        timer.resume()
    }

    deinit { timer.cancel() }

    func broadcaster(_ branch: String) -> EventBroadcaster {
        lock.lock()
        defer { lock.unlock() }
        if let existing = branches[branch] { return existing }
        let made = EventBroadcaster(maxListeners: maxListeners, ownHeartbeat: false)
        branches[branch] = made
        return made
    }

    /// Streams open over all branches.
    var listenerCount: Int {
        lock.lock()
        let all = Array(branches.values)
        lock.unlock()
        return all.reduce(0) { $0 + $1.listenerCount }
    }

    func publish(branch: String, name: String, data: String) { broadcaster(branch).publish(name: name, data: data) }

    /// A stream on one branch's events; nil when all branches together have `maxListeners` open.
    func subscribe(branch: String, lastEventID: Int?) -> ResponseStream? {
        guard listenerCount < maxListeners else { return nil }
        return broadcaster(branch).subscribe(lastEventID: lastEventID)
    }

    private func heartbeat() {
        lock.lock()
        let all = Array(branches.values)
        lock.unlock()
        for broadcaster in all { broadcaster.heartbeat() }
    }
}
