import BalieCore
@testable import BalieHTTP
import Foundation
import Testing
@testable import BalieWeb

@Suite struct QueueTests {
    @Test func eachBranchKeepsItsOwnCalendarDay() throws {
        let app = try makeTestApp()
        let moment = Date(timeIntervalSince1970: 1_796_256_000)  // 2026-12-03 01:00 in Amsterdam
        #expect(app.queueDay(Branch(code: "centrum", name: "Centrum", timeZone: "Europe/Amsterdam"), moment) == "2026-12-03")
        #expect(app.queueDay(Branch(code: "willemstad", name: "Willemstad", timeZone: "America/Curacao"), moment) == "2026-12-02")
        #expect(try app.queueDay("no-such-branch", moment) == app.today(moment))
    }

    @Test func takeCallAndStartASessionCarryingTheWait() throws {
        let app = try makeTestApp()
        try addStaff(app, "anna", role: .staff)
        let visitor = TestBrowser(app)
        let take = try visitor.get("/queue/take")
        #expect(take.status == .ok)
        let taken = try visitor.post("/queue/tickets", form: [("csrf", take.csrfToken ?? ""), ("group", "banking"), ("extra_help", "1")])
        #expect(taken.status == .seeOther)
        let ticketPage = try visitor.get(taken.headers["Location"]!)
        #expect(ticketPage.status == .ok && ticketPage.text.contains("B-1"))
        let listener = try #require(app.queueEvents.subscribe(branch: "main", lastEventID: nil))

        let staff = TestBrowser(app)
        try staff.signIn("anna")
        let queue = try staff.get("/queue")
        #expect(queue.text.contains("B-1"))
        #expect(try staff.post("/queue/call-next", form: [("csrf", queue.csrfToken ?? "")]).status == .seeOther)
        #expect(!listener.isClosed)
        #expect(try staff.get("/display").headers["Location"] == "/branches/main/display")
        #expect(try staff.get("/branches/main/display").text.contains("B-1"))
        let ticket = try #require(try app.database.tickets(branch: "main", day: app.today(), statuses: [.called]).first)
        let started = try staff.post("/queue/tickets/\(ticket.id!)/start", form: [("csrf", queue.csrfToken ?? "")])
        #expect(started.status == .seeOther)
        let sessionID = Int64(started.headers["Location"]!.split(separator: "/").last!)!
        let session = try #require(try app.database.session(id: sessionID))
        #expect(session.waitingSeconds != nil && session.customerID == nil)
        #expect(try app.database.ticket(id: ticket.id!)?.status == .serving)
        listener.finish()
    }

    @Test func noShowAndTransfer() throws {
        let app = try makeTestApp()
        try addStaff(app, "anna", role: .staff)
        for group in ["banking", "other"] {
            let visitor = TestBrowser(app)
            let take = try visitor.get("/queue/take")
            try visitor.post("/queue/tickets", form: [("csrf", take.csrfToken ?? ""), ("group", group)])
        }
        let staff = TestBrowser(app)
        try staff.signIn("anna")
        let token = try staff.get("/queue").csrfToken ?? ""
        try staff.post("/queue/call-next", form: [("csrf", token)])
        let first = try #require(try app.database.tickets(branch: "main", day: app.today(), statuses: [.called]).first)
        try staff.post("/queue/tickets/\(first.id!)/transfer", form: [("csrf", token), ("group", "library-learning")])
        let moved = try #require(try app.database.ticket(id: first.id!))
        #expect(moved.status == .waiting && moved.group == .libraryLearning)
        try staff.post("/queue/call-next", form: [("csrf", token)])
        let again = try #require(try app.database.tickets(branch: "main", day: app.today(), statuses: [.called]).first)
        #expect(again.id == first.id, "a transferred ticket keeps its place in time")
        try staff.post("/queue/tickets/\(again.id!)/no-show", form: [("csrf", token)])
        #expect(try app.database.ticket(id: again.id!)?.status == .noShow)
        #expect(try staff.post("/queue/tickets/\(again.id!)/recall", form: [("csrf", token)]).status == .badRequest)
    }

    @Test func displayEventsReplayWhatWasMissed() throws {
        let broadcaster = EventBroadcaster()
        broadcaster.publish(name: "called", data: #"{"code":"B-1"}"#)
        broadcaster.publish(name: "called", data: #"{"code":"B-2"}"#)
        broadcaster.publish(name: "called", data: #"{"code":"B-3"}"#)
        func drain(_ stream: ResponseStream) -> String {
            var buffer = [UInt8](repeating: 0, count: 4096)
            var count = 0
            if case .bytes(let n) = buffer.withUnsafeMutableBytes({ stream.read(into: $0, suspend: {}) }) { count = n }
            return String(decoding: buffer[0..<count], as: UTF8.self)
        }
        let everything = drain(try #require(broadcaster.subscribe(lastEventID: 0)))
        let ids = everything.split(separator: "\n").filter { $0.hasPrefix("id: ") }.compactMap { Int($0.dropFirst(4)) }
        #expect(ids.count == 3 && ids == ids.sorted())
        let stream = try #require(broadcaster.subscribe(lastEventID: ids[0]))
        let text = drain(stream)
        #expect(!text.contains("B-1") && text.contains("id: \(ids[1])\n") && text.contains("B-3"))
        #expect(broadcaster.listenerCount == 2)
        stream.markClosed()
        #expect(broadcaster.listenerCount == 1)
    }
}
