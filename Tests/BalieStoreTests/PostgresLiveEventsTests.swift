import BalieCore
import Foundation
import Testing
@testable import BalieStore

/// Live events across instances: what one PostgresStore publishes, the listener of another delivers, in order
/// and with the shared id; a reconnecting stream reads what it missed from the table.
@Suite struct PostgresLiveEventsTests {
    @Test func anEventPublishedByOneInstanceReachesAnother() throws {
        let address = try TestPostgres.server().newDatabase()
        let publisher = try PostgresStore(address: address, connections: 2)
        let listener = try PostgresStore(address: address, connections: 2)
        let heard = LockedBox<[LiveEvent]>([])
        listener.listenForLiveEvents { event in heard.update { $0.append(event) } }
        Thread.sleep(forTimeInterval: 0.3)  // the listener has connected and said LISTEN
        for code in ["B-1", "B-2", "D-1"] {
            try publisher.publishLiveEvent(channel: code.hasPrefix("B") ? "display:noord" : "display:zuid", name: "called", data: code)
        }
        let deadline = Date().addingTimeInterval(10)
        while heard.value.count < 3 && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(heard.value.map(\.data) == ["B-1", "B-2", "D-1"])
        #expect(heard.value.map(\.id) == heard.value.map(\.id).sorted() && Set(heard.value.map(\.id)).count == 3)
        // What a display of Noord missed after the first call, read from the table by any instance.
        let missed = try listener.liveEvents(channel: "display:noord", after: heard.value[0].id, limit: 10)
        #expect(missed.map(\.data) == ["B-2"])
        #expect(try listener.newestLiveEventID() == heard.value[2].id)
    }
}
