import Foundation

/// Waits for SIGTERM or SIGINT. Made first thing in `main`, before any thread starts, it blocks both
/// signals so that every later thread inherits the mask: a signal that arrives while the server
/// starts stays pending for `wait()` instead of being delivered to (and lost in) some other thread.
public final class TerminationSignal: Sendable {
    public init() {
        var set = Self.signals()
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Blocks until SIGTERM or SIGINT; returns its name.
    public func wait() -> String {
        var set = Self.signals()
        var number: Int32 = 0
        while sigwait(&set, &number) != 0 {}
        return number == SIGTERM ? "SIGTERM" : "SIGINT"
    }

    private static func signals() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        return set
    }
}
