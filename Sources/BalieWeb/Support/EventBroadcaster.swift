import BalieHTTP
import Foundation

/// Server-Sent Events to many listeners (the waiting-room displays): each event gets an id, the last
/// ones are kept so that a display that reconnects with `Last-Event-ID` receives exactly what it
/// missed, a heartbeat every `heartbeatSeconds` reveals listeners that went away, and the number of
/// open streams is capped.
final class EventBroadcaster: @unchecked Sendable {
    static let keptEvents = 200
    static let heartbeatSeconds = 15

    /// The most streams open at once on this broadcaster.
    let maxListeners: Int

    struct Event {
        let id: Int
        let name: String
        let data: String
    }

    private let lock = NSLock()
    private var events: [Event] = []
    /// Ids start from the clock, so they keep growing across restarts: a display that reconnects with an
    /// id from before a restart gets every event since.
    private var nextID = Int(Date().timeIntervalSince1970 * 1000)
    private var listeners: [ObjectIdentifier: ResponseStream] = [:]
    private let timer: DispatchSourceTimer?

    /// `ownHeartbeat: false` leaves the heartbeat to an owner that calls `heartbeat()` for many
    /// broadcasters from one timer.
    /// `firstID`: the id of the next event, when ids come from a store that several instances share.
    init(maxListeners: Int = 200, ownHeartbeat: Bool = true, firstID: Int? = nil) {
        self.maxListeners = maxListeners
        if let firstID { nextID = firstID }
        guard ownHeartbeat else {
            timer = nil
            return
        }
        let timer = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
        timer.schedule(deadline: .now() + .seconds(Self.heartbeatSeconds), repeating: .seconds(Self.heartbeatSeconds))
        self.timer = timer
        timer.setEventHandler { [weak self] in self?.heartbeat() }
        timer.resume()
    }

    deinit { timer?.cancel() }

    /// The id of the newest event (or just below the first one to come): a page rendered now passes it to
    /// its stream, so that nothing published in between is missed.
    var lastEventID: Int {
        lock.lock()
        defer { lock.unlock() }
        return nextID - 1
    }

    var listenerCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return listeners.count
    }

    /// A new stream that first replays the events after `lastEventID` (those kept here, and `stored` ones
    /// read from a shared store, each once, in id order); nil when too many are open.
    func subscribe(lastEventID: Int?, stored: [Event] = []) -> ResponseStream? {
        lock.lock()
        defer { lock.unlock() }
        guard listeners.count < maxListeners else { return nil }
        let stream = ResponseStream()
        let key = ObjectIdentifier(stream)
        listeners[key] = stream
        stream.onClose { [weak self] in self?.remove(key) }
        // The retry hint and the missed events go out before any new one can.
        stream.send("retry: 3000\n\n")
        if let lastEventID {
            var missed: [Int: Event] = [:]
            for event in stored + events where event.id > lastEventID { missed[event.id] = event }
            for event in missed.values.sorted(by: { $0.id < $1.id }) {
                stream.sendEvent(id: String(event.id), event: event.name, data: event.data)
            }
        }
        return stream
    }

    /// `id`: the event's id when a shared store gave it (every instance then sends the same id).
    func publish(id: Int? = nil, name: String, data: String) {
        lock.lock()
        let event = Event(id: id ?? nextID, name: name, data: data)
        nextID = max(nextID, event.id) + 1
        events.append(event)
        if events.count > Self.keptEvents { events.removeFirst(events.count - Self.keptEvents) }
        let targets = Array(listeners.values)
        for stream in targets { stream.sendEvent(id: String(event.id), event: event.name, data: event.data) }
        lock.unlock()
    }

    private func remove(_ key: ObjectIdentifier) {
        lock.lock()
        listeners[key] = nil
        lock.unlock()
    }

    /// Ends every open stream once what is buffered has gone out (the topic is over).
    func finishAll() {
        lock.lock()
        let targets = Array(listeners.values)
        lock.unlock()
        for stream in targets { stream.finish() }
    }

    func heartbeat() {
        lock.lock()
        let targets = Array(listeners.values)
        lock.unlock()
        for stream in targets where !stream.sendHeartbeat() { stream.finish() }
    }
}
