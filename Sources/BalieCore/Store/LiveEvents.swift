import Foundation

/// An event for the open streams of every instance (a call on the waiting-room display), with an id that all
/// instances share, so that a display reconnecting to another instance with `Last-Event-ID` misses nothing.
public struct LiveEvent: Sendable, Equatable {
    public let id: Int64
    public let channel: String
    public let name: String
    public let data: String

    public init(id: Int64, channel: String, name: String, data: String) {
        self.id = id
        self.channel = channel
        self.name = name
        self.data = data
    }
}

/// What a store that several instances share offers for live events: each is stored, and every instance
/// hears of it (PostgreSQL: a table and LISTEN/NOTIFY). A store for one instance does not offer it.
public protocol LiveEventRelay: Sendable {
    /// Stores an event and tells every instance, itself included.
    func publishLiveEvent(channel: String, name: String, data: String) throws
    /// A channel's events after `id`, oldest first.
    func liveEvents(channel: String, after id: Int64, limit: Int) throws -> [LiveEvent]
    /// The newest event's id (0 when there is none).
    func newestLiveEventID() throws -> Int64
    /// Calls `deliver` with every event published from now on by any instance, in id order, from a thread
    /// of its own that reconnects by itself; runs as long as the process.
    func listenForLiveEvents(_ deliver: @escaping @Sendable (LiveEvent) -> Void)
}

/// Limits on anonymous writes (per kiosk, per address) that several instances count together.
public protocol SharedWriteLimits: Sendable {
    /// Records one write for every key, or none when any key already has `limit` writes within `window`
    /// before `now` (a sliding window); whether it was allowed.
    func allowWrite(keys: [String], limit: Int, window: TimeInterval, now: Date) throws -> Bool
}
