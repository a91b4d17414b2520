import Foundation
import Synchronization

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

    /// The figures of one route pattern and method.
    private final class RouteFigures {
        /// Requests in each latency bucket (the last is +Inf).
        var slots = [Int](repeating: 0, count: ServerMetrics.latencyBuckets.count + 1)
        var seconds = 0.0
        /// Requests and their seconds per status; a route answers with few statuses, so a list.
        var statuses: [(status: Int, count: Int, seconds: Double)] = []

        func add(status: Int, slot: Int, seconds: Double) {
            slots[slot] += 1
            self.seconds += seconds
            if let index = statuses.firstIndex(where: { $0.status == status }) {
                statuses[index].count += 1
                statuses[index].seconds += seconds
            } else {
                statuses.append((status, 1, seconds))
            }
        }
    }

    /// One part of the figures, written by the threads whose `ThreadIndex` falls on it; read all together.
    private struct Shard {
        var routes: [RouteKey: RouteFigures] = [:]
        /// The route recorded last: a thread serving a burst of one kind of request skips the hashing.
        var last: (key: RouteKey, figures: RouteFigures)?

        mutating func figures(for key: RouteKey) -> RouteFigures {
            if let last, last.key == key { return last.figures }
            let figures: RouteFigures
            if let found = routes[key] {
                figures = found
            } else {
                figures = RouteFigures()
                routes[key] = figures
            }
            last = (key, figures)
            return figures
        }
    }

    private static let shardCount = 8
    private let shards = (0..<ServerMetrics.shardCount).map { _ in LockedValue(Shard()) }

    public init() {}

    /// The label of a request's method: the methods of RFC 9110 and PATCH under their own name, any other token a
    /// client sends as `other`, so that no request adds a series of its own (routes are patterns, not paths).
    public static func methodLabel(_ method: String) -> String {
        switch method {
        case "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE": return method
        default: return "other"
        }
    }

    /// Counts one answered request. `route` is the route pattern (or `-` when none matched), never the raw path.
    /// Public for the benchmark in bench/metrics.
    public func record(route: String, method: String, status: Int, seconds: Double) {
        let slot = Self.latencyBuckets.firstIndex { seconds <= $0 } ?? Self.latencyBuckets.count
        let key = RouteKey(route: route, method: Self.methodLabel(method))
        shards[ThreadIndex.slot(among: Self.shardCount)].value.withLock { shard in
            shard.figures(for: key).add(status: status, slot: slot, seconds: seconds)
        }
    }

    private func merged() -> (counts: [Key: (count: Int, seconds: Double)], latencies: [RouteKey: (slots: [Int], seconds: Double)]) {
        var counts: [Key: (count: Int, seconds: Double)] = [:]
        var latencies: [RouteKey: (slots: [Int], seconds: Double)] = [:]
        for shard in shards {
            shard.value.withLock { shard in
                for (key, figures) in shard.routes {
                    let sum = latencies[key] ?? (Array(repeating: 0, count: figures.slots.count), 0)
                    latencies[key] = (zip(sum.slots, figures.slots).map { $0 + $1 }, sum.seconds + figures.seconds)
                    for value in figures.statuses {
                        let key = Key(route: key.route, method: key.method, status: value.status)
                        let sum = counts[key] ?? (0, 0)
                        counts[key] = (sum.count + value.count, sum.seconds + value.seconds)
                    }
                }
            }
        }
        return (counts, latencies)
    }

    /// Latency per route pattern and method.
    public var histograms: [Histogram] {
        merged().latencies.map { key, latency in
            var running = 0
            let cumulative = latency.slots.dropLast().map { running += $0; return running }
            return Histogram(route: key.route, method: key.method, cumulative: cumulative, count: latency.slots.reduce(0, +), sum: latency.seconds)
        }.sorted { ($0.route, $0.method) < ($1.route, $1.method) }
    }

    public var series: [Series] {
        merged().counts.map { Series(route: $0.key.route, method: $0.key.method, status: $0.key.status, count: $0.value.count, totalSeconds: $0.value.seconds) }
            .sorted { ($0.route, $0.method, $0.status) < ($1.route, $1.method, $1.status) }
    }
}
