import BalieCore
import Foundation

/// Counts events per key in a sliding window (anonymous writes per kiosk and per client address). Kept
/// in memory: a restart forgets the counts, which errs on the side of letting people in. With a store that
/// several instances share (`SharedWriteLimits`), the store counts for all of them; if it cannot answer,
/// this instance's own count decides.
final class RateLimiter: @unchecked Sendable {
    let limit: Int
    let window: TimeInterval
    private let shared: (any SharedWriteLimits)?
    /// Keys remembered at most; past it the oldest go, so a flood of addresses cannot exhaust memory.
    static let maxKeys = 10_000
    private let lock = NSLock()
    private var events: [String: [Date]] = [:]

    init(limit: Int, window: TimeInterval, shared: (any SharedWriteLimits)? = nil) {
        self.limit = limit
        self.window = window
        self.shared = shared
    }

    /// Records one event for every key, or none when any key is at its limit; returns whether it was allowed.
    func allow(_ keys: [String], now: Date = Date()) -> Bool {
        if let shared, let allowed = try? shared.allowWrite(keys: keys, limit: limit, window: window, now: now) { return allowed }
        lock.lock()
        defer { lock.unlock() }
        let since = now.addingTimeInterval(-window)
        for key in keys {
            let recent = (events[key] ?? []).filter { $0 > since }
            events[key] = recent
            if recent.count >= limit { return false }
        }
        if events.count > Self.maxKeys {
            for (key, times) in events where times.allSatisfy({ $0 <= since }) { events[key] = nil }
            if events.count > Self.maxKeys { events.removeAll() }
        }
        for key in keys { events[key, default: []].append(now) }
        return true
    }
}
