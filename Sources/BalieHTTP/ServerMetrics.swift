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

    private let lock = NSLock()
    private var counts: [Key: (count: Int, seconds: Double)] = [:]

    public init() {}

    func record(route: String, method: String, status: Int, seconds: Double) {
        let key = Key(route: route, method: method, status: status)
        lock.lock()
        let current = counts[key] ?? (0, 0)
        counts[key] = (current.count + 1, current.seconds + seconds)
        lock.unlock()
    }

    public var series: [Series] {
        lock.lock()
        defer { lock.unlock() }
        return counts.map { Series(route: $0.key.route, method: $0.key.method, status: $0.key.status, count: $0.value.count, totalSeconds: $0.value.seconds) }
            .sorted { ($0.route, $0.method, $0.status) < ($1.route, $1.method, $1.status) }
    }
}
