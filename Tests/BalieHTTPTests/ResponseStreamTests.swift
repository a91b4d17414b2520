import Foundation
import Testing
@testable import BalieHTTP

@Suite struct ResponseStreamTests {
    func drain(_ stream: ResponseStream, suspended: inout Int) -> (String, ResponseStream.ReadResult) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        var count = 0
        let result = buffer.withUnsafeMutableBytes { stream.read(into: $0, suspend: { suspended += 1 }) }
        if case .bytes(let n) = result { count = n }
        return (String(decoding: buffer[0..<count], as: UTF8.self), result)
    }

    @Test func formatsEventsAndSuspendsWhenEmpty() {
        let stream = ResponseStream()
        var suspended = 0
        let counter = Counter()
        stream.attach(resume: { counter.increment() })
        let (_, first) = drain(stream, suspended: &suspended)
        guard case .wait = first else { Issue.record("expected wait"); return }
        #expect(suspended == 1)
        #expect(stream.sendEvent(id: "7", event: "step", data: "line one\nline two"))
        #expect(counter.value == 1)
        let (text, _) = drain(stream, suspended: &suspended)
        #expect(text == "id: 7\nevent: step\ndata: line one\ndata: line two\n\n")
        stream.finish()
        guard case .end = drain(stream, suspended: &suspended).1 else { Issue.record("expected end"); return }
    }

    @Test func closedStreamRefusesAndRunsCloseHandlers() {
        let stream = ResponseStream()
        let counter = Counter()
        stream.onClose { counter.increment() }
        stream.markClosed()
        #expect(counter.value == 1)
        #expect(!stream.send("late"))
        #expect(stream.isClosed)
        stream.onClose { counter.increment() }
        #expect(counter.value == 2)
    }
}

/// A thread-safe count of calls.
final class Counter: @unchecked Sendable {
    private var count = 0
    private let lock = NSLock()
    func increment() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
