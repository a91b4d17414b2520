import BalieCore
import BalieHTTP
import Foundation
import Logging

/// Live events for remote support: one topic for the list of open help requests that remote
/// colleagues watch, and one per help request that both the kiosk and the colleague follow. Each
/// member of staff or kiosk visit may hold only a few streams at once, and one timer sends the
/// heartbeats of all of them.
///
/// With a store that several instances share (`LiveEventRelay`), events go through the store, so a kiosk on
/// one instance and a colleague on another follow the same request, with ids every instance shares.
final class HelpChannels: @unchecked Sendable {
    /// Streams one user (a member of staff, or one kiosk visit) may keep open at once, over all topics. A
    /// further one replaces the user's oldest: a page the browser left holds its (suspended) connection until
    /// the next write, so refusing new ones would lock out someone who simply moves between pages.
    static let maxStreamsPerUser = 4
    /// Streams on one help request (kiosk, colleague, a few tabs).
    static let maxStreamsPerRequest = 8
    /// Topics kept in memory; past it, the ones nobody listens to go first.
    static let maxRequestTopics = 1000

    let openRequests: EventBroadcaster
    private let relay: (any LiveEventRelay)?
    private let logger: Logger
    private let lock = NSLock()
    private var requests: [Int64: EventBroadcaster] = [:]
    /// Each user's open streams, oldest first.
    private var streamsPerUser: [String: [ResponseStream]] = [:]
    private let timer: DispatchSourceTimer

    static let openChannel = "help-open"
    static let requestPrefix = "help:"
    /// The event that ends a request's streams on every instance (never sent to a browser).
    static let retireEvent = "retire"

    init(relay: (any LiveEventRelay)? = nil, logger: Logger = Logger(label: "balie.help")) {
        self.relay = relay
        self.logger = logger
        openRequests = EventBroadcaster(maxListeners: 500, ownHeartbeat: false, firstID: Self.firstID(relay))
        timer = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
        timer.schedule(deadline: .now() + .seconds(EventBroadcaster.heartbeatSeconds), repeating: .seconds(EventBroadcaster.heartbeatSeconds))
        timer.setEventHandler { [weak self] in self?.heartbeat() }
        timer.resume()
        relay?.listenForLiveEvents { [weak self] event in self?.deliver(event) }
    }

    private static func firstID(_ relay: (any LiveEventRelay)?) -> Int? {
        relay.flatMap { try? $0.newestLiveEventID() }.map { Int($0) + 1 }
    }

    /// An event heard from the store (this instance's own included).
    private func deliver(_ event: LiveEvent) {
        if event.channel == Self.openChannel {
            openRequests.publish(id: Int(event.id), name: event.name, data: event.data)
        } else if event.channel.hasPrefix(Self.requestPrefix), let requestID = Int64(event.channel.dropFirst(Self.requestPrefix.count)) {
            if event.name == Self.retireEvent { return retireHere(requestID: requestID) }
            lock.lock()
            let topic = topicLocked(requestID)
            lock.unlock()
            topic.publish(id: Int(event.id), name: event.name, data: event.data)
        }
    }

    /// Through the store when there is one; here alone when there is none or it fails (logged).
    private func share(_ channel: String, name: String, data: String, locally: () -> Void) {
        if let relay {
            do { return try relay.publishLiveEvent(channel: channel, name: name, data: data) } catch {
                logger.warning("live event not shared", metadata: ["channel": .string(channel), "error": .string("\(error)")])
            }
        }
        locally()
    }

    /// An event on the list of open requests.
    func publishOpen(name: String, data: String) {
        share(Self.openChannel, name: name, data: data) { openRequests.publish(name: name, data: data) }
    }

    deinit { timer.cancel() }

    enum Subscription {
        case stream(ResponseStream)
        /// The topic is full.
        case full
    }

    /// A stream on the list of open requests (`requestID` nil) or on one request, replaying what came
    /// after `lastEventID`.
    func subscribe(requestID: Int64?, user: String, lastEventID: Int?) -> Subscription {
        lock.lock()
        let broadcaster = requestID.map { topicLocked($0) } ?? openRequests
        lock.unlock()
        var stored: [EventBroadcaster.Event] = []
        if let relay, let lastEventID {
            let channel = requestID.map { Self.requestPrefix + String($0) } ?? Self.openChannel
            stored = ((try? relay.liveEvents(channel: channel, after: Int64(lastEventID), limit: EventBroadcaster.keptEvents)) ?? [])
                .filter { $0.name != Self.retireEvent }.map { EventBroadcaster.Event(id: Int($0.id), name: $0.name, data: $0.data) }
        }
        lock.lock()
        guard let stream = broadcaster.subscribe(lastEventID: lastEventID, stored: stored) else {
            lock.unlock()
            return .full
        }
        var streams = streamsPerUser[user, default: []]
        let replaced = streams.count >= Self.maxStreamsPerUser ? streams.removeFirst() : nil
        streams.append(stream)
        streamsPerUser[user] = streams
        lock.unlock()
        replaced?.finish()
        stream.onClose { [weak self, weak stream] in
            guard let self, let stream else { return }
            self.release(stream, of: user)
        }
        return .stream(stream)
    }

    /// The newest event id of the list (`requestID` nil) or of one request, for a page to start its stream from.
    func lastEventID(requestID: Int64?) -> Int {
        lock.lock()
        let broadcaster = requestID.map { topicLocked($0) } ?? openRequests
        lock.unlock()
        return broadcaster.lastEventID
    }

    func publish(requestID: Int64, name: String, data: String) {
        share(Self.requestPrefix + String(requestID), name: name, data: data) {
            lock.lock()
            let broadcaster = topicLocked(requestID)
            lock.unlock()
            broadcaster.publish(name: name, data: data)
        }
    }

    /// The request is over: its last event has been published; open streams end and the topic goes, on
    /// every instance (the store delivers the retirement after the request's last event).
    func retire(requestID: Int64) {
        share(Self.requestPrefix + String(requestID), name: Self.retireEvent, data: "") { retireHere(requestID: requestID) }
    }

    private func retireHere(requestID: Int64) {
        lock.lock()
        let broadcaster = requests.removeValue(forKey: requestID)
        lock.unlock()
        broadcaster?.finishAll()
    }

    var streamCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return streamsPerUser.values.reduce(0) { $0 + $1.count }
    }

    private func topicLocked(_ requestID: Int64) -> EventBroadcaster {
        if let existing = requests[requestID] { return existing }
        if requests.count >= Self.maxRequestTopics {
            for (id, topic) in requests where topic.listenerCount == 0 { requests[id] = nil }
        }
        let created = EventBroadcaster(maxListeners: Self.maxStreamsPerRequest, ownHeartbeat: false, firstID: Self.firstID(relay))
        requests[requestID] = created
        return created
    }

    private func release(_ stream: ResponseStream, of user: String) {
        lock.lock()
        let left = (streamsPerUser[user] ?? []).filter { $0 !== stream }
        streamsPerUser[user] = left.isEmpty ? nil : left
        lock.unlock()
    }

    private func heartbeat() {
        lock.lock()
        let topics = Array(requests.values) + [openRequests]
        lock.unlock()
        for topic in topics { topic.heartbeat() }
    }
}
