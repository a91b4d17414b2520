import Foundation

/// Commit durations in buckets (seconds), and how many writes failed.
public final class CommitStatistics: @unchecked Sendable {
    public static let bounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]

    private let lock = NSLock()
    private var perBound = Array(repeating: 0, count: CommitStatistics.bounds.count + 1)
    private var total = 0.0
    private var failed = 0

    public init() {}

    public func record(seconds: Double) {
        let index = Self.bounds.firstIndex { seconds <= $0 } ?? Self.bounds.count
        lock.lock()
        perBound[index] += 1
        total += seconds
        lock.unlock()
    }

    /// A write that could not be stored (full disk, locked or read-only file).
    public func recordFailure() {
        lock.lock()
        failed += 1
        lock.unlock()
    }

    /// (cumulative count per bound, count, sum of seconds, failures).
    public var snapshot: (cumulative: [Int], count: Int, sum: Double, failures: Int) {
        lock.lock()
        defer { lock.unlock() }
        var running = 0
        return (perBound.dropLast().map { running += $0; return running }, perBound.reduce(0, +), total, failed)
    }
}
