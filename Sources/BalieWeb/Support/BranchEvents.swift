import BalieCore
import BalieHTTP
import Foundation
import Logging

/// The waiting-room events of every branch: one broadcaster per branch (a display follows only its own
/// branch's calls), one heartbeat timer for all of them, and one cap on the streams of all branches together.
///
/// With a store that several instances share (`LiveEventRelay`), a call goes into the store and comes back to
/// every instance's displays through its listener, with the store's id; a display reconnecting to another
/// instance gets what it missed from the store.
final class BranchEvents: @unchecked Sendable {
    let maxListeners: Int
    private let relay: (any LiveEventRelay)?
    private let logger: Logger
    private let lock = NSLock()
    private var branches: [String: EventBroadcaster] = [:]
    private let timer: DispatchSourceTimer

    init(maxListeners: Int, relay: (any LiveEventRelay)? = nil, logger: Logger = Logger(label: "balie.events")) {
        self.maxListeners = maxListeners
        self.relay = relay
        self.logger = logger
        timer = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
        timer.schedule(deadline: .now() + .seconds(EventBroadcaster.heartbeatSeconds), repeating: .seconds(EventBroadcaster.heartbeatSeconds))
        timer.setEventHandler { [weak self] in self?.heartbeat() }
        timer.resume()
        relay?.listenForLiveEvents { [weak self] event in
            guard let self, event.channel.hasPrefix(Self.channelPrefix) else { return }
            self.broadcaster(String(event.channel.dropFirst(Self.channelPrefix.count))).publish(id: Int(event.id), name: event.name, data: event.data)
        }
    }

    deinit { timer.cancel() }

    static let channelPrefix = "display:"

    func broadcaster(_ branch: String) -> EventBroadcaster {
        lock.lock()
        defer { lock.unlock() }
        if let existing = branches[branch] { return existing }
        let firstID = relay.flatMap { try? $0.newestLiveEventID() }.map { Int($0) + 1 }
        let made = EventBroadcaster(maxListeners: maxListeners, ownHeartbeat: false, firstID: firstID)
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

    func publish(branch: String, name: String, data: String) {
        if let relay {
            do {
                return try relay.publishLiveEvent(channel: Self.channelPrefix + branch, name: name, data: data)
            } catch {
                // The call is stored already; the displays of this instance still hear of it.
                logger.warning("live event not shared", metadata: ["branch": .string(branch), "error": .string("\(error)")])
            }
        }
        broadcaster(branch).publish(name: name, data: data)
    }

    /// A stream on one branch's events; nil when all branches together have `maxListeners` open.
    func subscribe(branch: String, lastEventID: Int?) -> ResponseStream? {
        guard listenerCount < maxListeners else { return nil }
        var stored: [EventBroadcaster.Event] = []
        if let relay, let lastEventID {
            stored = ((try? relay.liveEvents(channel: Self.channelPrefix + branch, after: Int64(lastEventID), limit: EventBroadcaster.keptEvents)) ?? [])
                .map { EventBroadcaster.Event(id: Int($0.id), name: $0.name, data: $0.data) }
        }
        return broadcaster(branch).subscribe(lastEventID: lastEventID, stored: stored)
    }

    private func heartbeat() {
        lock.lock()
        let all = Array(branches.values)
        lock.unlock()
        for broadcaster in all { broadcaster.heartbeat() }
    }
}
