import BalieHTTP
import Foundation

/// Live events for remote support: one topic for the list of open help requests that remote
/// colleagues watch, and one per help request that both the kiosk and the colleague follow. Each
/// member of staff or kiosk visit may hold only a few streams at once, and one timer sends the
/// heartbeats of all of them.
final class HelpChannels: @unchecked Sendable {
    /// Streams one user (a member of staff, or one kiosk visit) may keep open at once, over all topics. A
    /// further one replaces the user's oldest: a page the browser left holds its (suspended) connection until
    /// the next write, so refusing new ones would lock out someone who simply moves between pages.
    static let maxStreamsPerUser = 4
    /// Streams on one help request (kiosk, colleague, a few tabs).
    static let maxStreamsPerRequest = 8
    /// Topics kept in memory; past it, the ones nobody listens to go first.
    static let maxRequestTopics = 1000

    let openRequests = EventBroadcaster(maxListeners: 500, ownHeartbeat: false)
    private let lock = NSLock()
    private var requests: [Int64: EventBroadcaster] = [:]
    /// Each user's open streams, oldest first.
    private var streamsPerUser: [String: [ResponseStream]] = [:]
    private let timer: DispatchSourceTimer

    init() {
        timer = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
        timer.schedule(deadline: .now() + .seconds(EventBroadcaster.heartbeatSeconds), repeating: .seconds(EventBroadcaster.heartbeatSeconds))
        timer.setEventHandler { [weak self] in self?.heartbeat() }
        timer.resume()
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
        guard let stream = broadcaster.subscribe(lastEventID: lastEventID) else {
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
        lock.lock()
        let broadcaster = topicLocked(requestID)
        lock.unlock()
        broadcaster.publish(name: name, data: data)
    }

    /// The request is over: its last event has been published; open streams end and the topic goes.
    func retire(requestID: Int64) {
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
        let created = EventBroadcaster(maxListeners: Self.maxStreamsPerRequest, ownHeartbeat: false)
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
