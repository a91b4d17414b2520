import Foundation

/// Request counts and durations per route pattern and status, for the Prometheus `/metrics` page.
/// No paths, queries or bodies: route patterns only.
public final class ServerMetrics: @unchecked Sendable {
    public struct Series: Sendable {
        public let route: String
        public let method: String
        public let status: Int
        public let count: Int
        public let totalSeconds: Double
    }

    private struct Key: Hashable {
        let route: String
        let method: String
        let status: Int
    }

    /// Upper bounds (seconds) of the latency histogram's buckets; the last, +Inf, is implied.
    public static let latencyBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

    public struct Histogram: Sendable {
        public let route: String
        public let method: String
        /// Requests at or under each of `latencyBuckets`, cumulative as Prometheus wants them.
        public let cumulative: [Int]
        public let count: Int
        public let sum: Double
    }

    private struct RouteKey: Hashable {
        let route: String
        let method: String
    }

    private let lock = NSLock()
    private var counts: [Key: (count: Int, seconds: Double)] = [:]
    /// Per route and method: requests in each latency bucket (the last is +Inf), and their seconds in all.
    private var latencies: [RouteKey: (slots: [Int], seconds: Double)] = [:]

    public init() {}

    func record(route: String, method: String, status: Int, seconds: Double) {
        let key = Key(route: route, method: method, status: status)
        let slot = Self.latencyBuckets.firstIndex { seconds <= $0 } ?? Self.latencyBuckets.count
        lock.lock()
        let current = counts[key] ?? (0, 0)
        counts[key] = (current.count + 1, current.seconds + seconds)
        let routeKey = RouteKey(route: route, method: method)
        var latency = latencies[routeKey] ?? (Array(repeating: 0, count: Self.latencyBuckets.count + 1), 0)
        latency.slots[slot] += 1
        latency.seconds += seconds
        latencies[routeKey] = latency
        lock.unlock()
    }

    /// Latency per route pattern and method.
    public var histograms: [Histogram] {
        lock.lock()
        let snapshot = latencies
        lock.unlock()
        return snapshot.map { key, latency in
            var running = 0
            let cumulative = latency.slots.dropLast().map { running += $0; return running }
            return Histogram(route: key.route, method: key.method, cumulative: cumulative, count: latency.slots.reduce(0, +), sum: latency.seconds)
        }.sorted { ($0.route, $0.method) < ($1.route, $1.method) }
    }

    public var series: [Series] {
        lock.lock()
        defer { lock.unlock() }
        return counts.map { Series(route: $0.key.route, method: $0.key.method, status: $0.key.status, count: $0.value.count, totalSeconds: $0.value.seconds) }
            .sorted { ($0.route, $0.method, $0.status) < ($1.route, $1.method, $1.status) }
    }
}
