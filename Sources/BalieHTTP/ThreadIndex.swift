import Foundation
import Synchronization

/// A small number for the calling thread (0, 1, 2, ... in the order threads first ask), kept in a
/// pthread key. Counters and buffers written on every request are split by it, so that the worker
/// threads do not queue on one lock.
public enum ThreadIndex {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()
    private static let assigned = Atomic<Int>(0)

    public static var current: Int {
        if let stored = pthread_getspecific(key) { return Int(bitPattern: stored) - 1 }
        let index = assigned.add(1, ordering: .relaxed).oldValue
        // Stored plus one: a null value means "not yet assigned".
        pthread_setspecific(key, UnsafeRawPointer(bitPattern: index + 1))
        return index
    }

    /// The calling thread's slot among `count`.
    public static func slot(among count: Int) -> Int { current % count }
}

/// A counter that every worker thread changes on every request, split into one part per thread
/// slot, each on its own cache line: one shared atomic would bounce its cache line between the
/// cores at each change. Reading sums the parts.
public final class StripedCounter: @unchecked Sendable {
    /// One part, padded so that two parts never share a 64-byte cache line.
    private final class Stripe {
        let value = Atomic<Int>(0)
        let padding: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)
    }

    public static let stripeCount = 16
    private let stripes = (0..<StripedCounter.stripeCount).map { _ in Stripe() }

    public init() {}

    /// Adds `amount` to the calling thread's part and returns that part's new value.
    @discardableResult
    public func add(_ amount: Int) -> (stripe: Int, value: Int) {
        let index = ThreadIndex.slot(among: Self.stripeCount)
        return (index, stripes[index].value.add(amount, ordering: .relaxed).newValue)
    }

    public var total: Int { stripes.reduce(0) { $0 + $1.value.load(ordering: .acquiring) } }
}

/// A `Mutex` in a class, so that a list of them can be kept (one per thread slot).
public final class LockedValue<Value>: Sendable {
    public let value: Mutex<Value>
    public init(_ initial: sending Value) { value = Mutex(initial) }
}
