import BalieCore
import Foundation
import GRDB
import Testing
@testable import BalieStore

/// The walk-in queue and staff calls on PostgreSQL behave as on SQLite: each test runs the same body against both
/// stores and compares. The last tests run several PostgreSQL instances on one database at once: calling next never
/// gives a ticket twice, taking tickets never gives a number twice.
@Suite struct PostgresQueueTests {
    /// One store under test, with what the tests need besides the queue (staff for `called_by`, sessions).
    private typealias Subject = StoreUnderTest

    private let base = Date(timeIntervalSince1970: 1_800_000_000.25)
    private let day = "2026-11-23"

    @Test func numbersCountUpPerBranchAndDayAndTicketsReadBack() throws {
        var seen: [[QueueTicket?]] = []
        for subject in try Subject.both() {
            let store = subject.store
            let first = try store.takeTicket(branch: "b", day: day, group: .banking, priority: false, at: base)
            let second = try store.takeTicket(branch: "b", day: day, group: .other, priority: true, at: base + 60)
            let otherDay = try store.takeTicket(branch: "b", day: "2026-11-24", group: .digitalGovernment, priority: false, at: base + 61)
            let otherBranch = try store.takeTicket(branch: "west", day: day, group: .libraryLearning, priority: false, at: base + 62)
            let numbers: [Int] = [first.number, second.number, otherDay.number, otherBranch.number]
            #expect(numbers == [1, 2, 1, 1], "\(subject.name)")
            let codes: [String] = [first.code, second.code, otherDay.code, otherBranch.code]
            #expect(codes == ["B-1", "A-2", "D-1", "L-1"], "\(subject.name)")
            #expect(first.id != nil && first.status == .waiting && first.calledAt == nil, "\(subject.name)")
            let read = try [first, second, otherDay, otherBranch].map { try store.ticket(id: $0.id!) }
            #expect(read == [first, second, otherDay, otherBranch], "\(subject.name): a ticket reads back as it was taken")
            #expect(read[1]?.priority == true && read[1]?.createdAt == base + 60, "\(subject.name)")
            #expect(try store.ticket(id: 9_999) == nil, "\(subject.name)")
            seen.append(read + [try store.ticket(id: 9_999)])
        }
        #expect(seen[0] == seen[1])
    }

    @Test func ticketsAreFilteredByStatusWaitingFirstThenPriorityThenAge() throws {
        var seen: [[QueueTicket]] = []
        for subject in try Subject.both() {
            let store = subject.store
            let staff = try subject.addStaff("anna")
            let old = try store.takeTicket(branch: "b", day: day, group: .banking, priority: false, at: base)
            let urgent = try store.takeTicket(branch: "b", day: day, group: .banking, priority: true, at: base + 10)
            let sameTime = try store.takeTicket(branch: "b", day: day, group: .other, priority: false, at: base)
            let called = try store.takeTicket(branch: "b", day: day, group: .other, priority: true, at: base - 100)
            let done = try store.takeTicket(branch: "b", day: day, group: .other, priority: false, at: base - 200)
            _ = try store.takeTicket(branch: "elsewhere", day: day, group: .other, priority: false, at: base)
            #expect(try store.callNext(branch: "b", day: day, groups: [.other], staffID: staff, desk: "1", at: base + 20)?.id == called.id)
            #expect(try store.updateTicket(id: done.id!, status: .done, group: nil, sessionID: nil, at: base + 30))
            let open = try store.tickets(branch: "b", day: day, statuses: [.waiting, .called, .serving])
            #expect(open.map(\.id) == [urgent.id, old.id, sameTime.id, called.id], "\(subject.name): waiting first, priority, age, id")
            #expect(open.last?.status == .called && open.last?.calledBy == staff && open.last?.desk == "1", "\(subject.name)")
            #expect(try store.tickets(branch: "b", day: day, statuses: [.done]).map(\.id) == [done.id], "\(subject.name)")
            #expect(try store.tickets(branch: "b", day: day, statuses: [.noShow, .expired]).isEmpty, "\(subject.name)")
            #expect(try store.tickets(branch: "b", day: day, statuses: []).isEmpty, "\(subject.name)")
            #expect(try store.tickets(branch: "b", day: "2026-01-01", statuses: [.waiting]).isEmpty, "\(subject.name)")
            seen.append(try store.tickets(branch: "b", day: day, statuses: QueueTicket.Status.allCases))
        }
        #expect(seen[0].count == 5 && seen[0] == seen[1])
    }

    @Test func callNextTakesPriorityThenOldestOfTheGroupsAsked() throws {
        var seen: [[QueueTicket?]] = []
        for subject in try Subject.both() {
            let store = subject.store
            let staff = try subject.addStaff("anna")
            let first = try store.takeTicket(branch: "b", day: day, group: .banking, priority: false, at: base)
            let second = try store.takeTicket(branch: "b", day: day, group: .other, priority: false, at: base + 60)
            let urgent = try store.takeTicket(branch: "b", day: day, group: .banking, priority: true, at: base + 120)
            let library = try store.takeTicket(branch: "b", day: day, group: .libraryLearning, priority: true, at: base - 10)
            _ = try store.takeTicket(branch: "b", day: "2026-11-22", group: .banking, priority: true, at: base - 86_400)
            #expect(try store.callNext(branch: "b", day: day, groups: [], staffID: staff, desk: "1", at: base) == nil, "\(subject.name)")
            #expect(try store.callNext(branch: "b", day: day, groups: [.digitalGovernment], staffID: staff, desk: "1", at: base) == nil)
            var calls: [QueueTicket?] = []
            for _ in 0..<4 {
                calls.append(try store.callNext(branch: "b", day: day, groups: [.banking, .other], staffID: staff, desk: "3", at: base + 200))
            }
            #expect(calls.map { $0?.id } == [urgent.id, first.id, second.id, nil], "\(subject.name)")
            let called = try #require(calls[0])
            #expect(called.status == .called && called.calledAt == base + 200 && called.calledBy == staff && called.desk == "3")
            #expect(called.code == "B-3" && called.number == 3, "\(subject.name)")
            #expect(try store.ticket(id: urgent.id!) == called, "\(subject.name): what callNext returns is what is stored")
            #expect(try store.ticket(id: library.id!)?.status == .waiting, "\(subject.name): a group not asked for waits")
            seen.append(calls)
        }
        #expect(seen[0] == seen[1])
    }

    @Test func recallNoShowTransferStartAndDone() throws {
        var seen: [[QueueTicket?]] = []
        for subject in try Subject.both() {
            let store = subject.store
            let staff = try subject.addStaff("anna")
            let ticket = try store.takeTicket(branch: "b", day: day, group: .banking, priority: false, at: base)
            let other = try store.takeTicket(branch: "b", day: day, group: .banking, priority: false, at: base + 1)
            _ = try store.callNext(branch: "b", day: day, groups: [.banking], staffID: staff, desk: "2", at: base + 10)
            // Recall: back to waiting, no longer anyone's.
            #expect(try store.updateTicket(id: ticket.id!, status: .waiting, group: nil, sessionID: nil, at: nil), "\(subject.name)")
            let recalled = try #require(try store.ticket(id: ticket.id!))
            #expect(recalled.status == .waiting && recalled.calledAt == nil && recalled.calledBy == nil && recalled.desk == nil)
            // Transfer: another group, the code the customer holds stays.
            #expect(try store.updateTicket(id: ticket.id!, status: .waiting, group: .digitalGovernment, sessionID: nil, at: nil))
            let transferred = try #require(try store.ticket(id: ticket.id!))
            #expect(transferred.group == .digitalGovernment && transferred.code == "B-1", "\(subject.name)")
            // Called again and started: a session of its own; the group and call stay.
            _ = try store.callNext(branch: "b", day: day, groups: [.digitalGovernment], staffID: staff, desk: "4", at: base + 20)
            let session = try subject.addSession(staff: staff, started: base.timeIntervalSince1970 + 30, finished: nil)
            #expect(try store.updateTicket(id: ticket.id!, status: .serving, group: nil, sessionID: session, at: base + 30))
            let serving = try #require(try store.ticket(id: ticket.id!))
            #expect(serving.status == .serving && serving.sessionID == session && serving.calledAt == base + 20 && serving.desk == "4")
            #expect(serving.group == .digitalGovernment && serving.calledBy == staff, "\(subject.name)")
            // Explicitly called with a time.
            #expect(try store.updateTicket(id: other.id!, status: .called, group: nil, sessionID: nil, at: base + 40))
            #expect(try store.ticket(id: other.id!)?.calledAt == base + 40, "\(subject.name)")
            #expect(try store.updateTicket(id: other.id!, status: .noShow, group: nil, sessionID: nil, at: base + 50))
            #expect(try store.updateTicket(id: ticket.id!, status: .done, group: nil, sessionID: nil, at: base + 60))
            // Finished tickets and unknown ones do not change.
            #expect(try !store.updateTicket(id: ticket.id!, status: .waiting, group: nil, sessionID: nil, at: nil), "\(subject.name)")
            #expect(try !store.updateTicket(id: other.id!, status: .called, group: nil, sessionID: nil, at: base), "\(subject.name)")
            #expect(try !store.updateTicket(id: 9_999, status: .done, group: nil, sessionID: nil, at: base), "\(subject.name)")
            let final = [try store.ticket(id: ticket.id!), try store.ticket(id: other.id!)]
            #expect(final.map { $0?.status } == [.done, .noShow] && final[1]?.calledAt == base + 40 && final[0]?.sessionID == session)
            seen.append(final)
        }
        #expect(seen[0] == seen[1])
    }

    @Test func finishedAtIsKeptForDoneAndNoShow() throws {
        var seen: [[Double?]] = []
        for subject in try Subject.both() {
            let store = subject.store
            let done = try store.takeTicket(branch: "b", day: day, group: .banking, priority: false, at: base)
            let gone = try store.takeTicket(branch: "b", day: day, group: .banking, priority: false, at: base)
            _ = try store.updateTicket(id: done.id!, status: .done, group: nil, sessionID: nil, at: base + 70)
            _ = try store.updateTicket(id: gone.id!, status: .noShow, group: nil, sessionID: nil, at: base + 80)
            let finished: [Double?]
            switch subject {
            case .sqlite(let database):
                finished = try database.writer.read { try Double?.fetchAll($0, sql: "SELECT finished_at FROM queue_ticket ORDER BY id") }
            case .postgres(let postgres):
                finished = try postgres.query("SELECT finished_at FROM queue_ticket ORDER BY id").map { $0.double("finished_at") }
            }
            let expected: [Double?] = [base.timeIntervalSince1970 + 70, base.timeIntervalSince1970 + 80]
            #expect(finished == expected, "\(subject.name)")
            seen.append(finished)
        }
        #expect(seen[0] == seen[1])
    }

    @Test func peopleAheadCountsWaitingTicketsBeforeThisOne() throws {
        var seen: [[Int]] = []
        for subject in try Subject.both() {
            let store = subject.store
            let staff = try subject.addStaff("anna")
            let first = try store.takeTicket(branch: "b", day: day, group: .banking, priority: false, at: base)
            let tie = try store.takeTicket(branch: "b", day: day, group: .other, priority: false, at: base)
            let later = try store.takeTicket(branch: "b", day: day, group: .banking, priority: false, at: base + 60)
            let urgent = try store.takeTicket(branch: "b", day: day, group: .banking, priority: true, at: base + 120)
            let urgentLater = try store.takeTicket(branch: "b", day: day, group: .banking, priority: true, at: base + 130)
            _ = try store.takeTicket(branch: "west", day: day, group: .banking, priority: true, at: base - 100)
            _ = try store.takeTicket(branch: "b", day: "2026-11-22", group: .banking, priority: true, at: base - 100)
            var counts: [Int] = try [first, tie, later, urgent, urgentLater].map { try store.peopleAhead(of: $0) }
            #expect(counts == [2, 3, 4, 0, 1], "\(subject.name): priority first, then older, then the lower id")
            _ = try store.callNext(branch: "b", day: day, groups: [.banking], staffID: staff, desk: "1", at: base + 200)  // urgent
            counts = try [first, tie, later, urgentLater].map { try store.peopleAhead(of: $0) }
            #expect(counts == [1, 2, 3, 0], "\(subject.name): a called ticket is no longer ahead")
            seen.append(counts)
        }
        #expect(seen[0] == seen[1])
    }

    @Test func serviceMinutesAverageFinishedSessionsOfTheGroupAndBranch() throws {
        var seen: [[Double?]] = []
        for subject in try Subject.both() {
            let store = subject.store
            let staff = try subject.addStaff("anna")
            let start = base.timeIntervalSince1970
            #expect(try store.recentServiceMinutes(branch: "b", group: .banking, since: base) == nil, "\(subject.name): no history")
            func served(_ branch: String, _ group: TaskGroup, started: Double, seconds: Double?) throws {
                let ticket = try store.takeTicket(branch: branch, day: day, group: group, priority: false, at: Date(timeIntervalSince1970: started))
                let session = try subject.addSession(staff: staff, started: started, finished: seconds.map { started + $0 })
                _ = try store.updateTicket(id: ticket.id!, status: .serving, group: nil, sessionID: session, at: nil)
            }
            try served("b", .banking, started: start + 10, seconds: 600)
            try served("b", .banking, started: start + 20, seconds: 1_200)
            try served("b", .banking, started: start + 30, seconds: nil)  // still open: not counted
            try served("b", .banking, started: start - 10, seconds: 6_000)  // before `since`
            try served("b", .other, started: start + 40, seconds: 60)
            try served("west", .banking, started: start + 50, seconds: 60)
            let minutes: [Double?] = [try store.recentServiceMinutes(branch: "b", group: .banking, since: base),
                           try store.recentServiceMinutes(branch: "b", group: .other, since: base),
                           try store.recentServiceMinutes(branch: "b", group: .libraryLearning, since: base),
                           try store.recentServiceMinutes(branch: "b", group: .banking, since: base + 1_000)]
            #expect(minutes == [15, 1, nil, nil], "\(subject.name)")
            seen.append(minutes)
        }
        #expect(seen[0] == seen[1])
    }

    @Test func expiryEndsWaitingAndCalledTicketsOfEarlierDaysOfOneBranch() throws {
        var seen: [[QueueTicket.Status?]] = []
        for subject in try Subject.both() {
            let store = subject.store
            let staff = try subject.addStaff("anna")
            let waiting = try store.takeTicket(branch: "b", day: "2026-11-21", group: .other, priority: false, at: base)
            let called = try store.takeTicket(branch: "b", day: "2026-11-22", group: .banking, priority: false, at: base)
            let done = try store.takeTicket(branch: "b", day: "2026-11-22", group: .other, priority: false, at: base + 1)
            let today = try store.takeTicket(branch: "b", day: day, group: .other, priority: false, at: base)
            let west = try store.takeTicket(branch: "west", day: "2026-11-22", group: .other, priority: false, at: base)
            _ = try store.callNext(branch: "b", day: "2026-11-22", groups: [.banking], staffID: staff, desk: "1", at: base)
            _ = try store.updateTicket(id: done.id!, status: .done, group: nil, sessionID: nil, at: base)
            #expect(try store.expireTickets(branch: "b", before: day) == 2, "\(subject.name)")
            #expect(try store.expireTickets(branch: "b", before: day) == 0, "\(subject.name): nothing left to end")
            let statuses = try [waiting, called, done, today, west].map { try store.ticket(id: $0.id!)?.status }
            #expect(statuses == [.expired, .expired, .done, .waiting, .waiting], "\(subject.name)")
            seen.append(statuses)
        }
        #expect(seen[0] == seen[1])
    }

    @Test func staffCallsAreRecordedCountedAndListedNewestFirst() throws {
        var seen: [[StaffCall]] = []
        for subject in try Subject.both() {
            let store = subject.store
            let first = try store.record(StaffCall(kiosk: "k1", branch: "b", group: .banking, at: base))
            let second = try store.record(StaffCall(kiosk: "k1", branch: "b", group: nil, at: base + 60))
            let sameTime = try store.record(StaffCall(kiosk: "k2", branch: "b", group: .other, at: base + 60))
            _ = try store.record(StaffCall(kiosk: "k1", branch: "west", group: .banking, at: base + 90))
            #expect(first.id != nil && second.id != nil && first.id != second.id, "\(subject.name)")
            #expect(first.kiosk == "k1" && first.group == .banking && first.at == base, "\(subject.name)")
            #expect(try store.staffCallCount(kiosk: "k1", branch: "b", since: base) == 2, "\(subject.name)")
            #expect(try store.staffCallCount(kiosk: "k1", branch: "b", since: base + 60) == 1, "\(subject.name): since is inclusive")
            #expect(try store.staffCallCount(kiosk: "k1", branch: "b", since: base + 61) == 0, "\(subject.name)")
            #expect(try store.staffCallCount(kiosk: "k3", branch: "b", since: base) == 0, "\(subject.name)")
            #expect(try store.staffCallCount(kiosk: "k1", branch: "west", since: base) == 1, "\(subject.name)")
            let recent = try store.recentStaffCalls(branch: "b", limit: 10)
            #expect(recent == [sameTime, second, first], "\(subject.name): newest first, the later id first at the same moment")
            #expect(try store.recentStaffCalls(branch: "b", limit: 2) == [sameTime, second], "\(subject.name)")
            #expect(try store.recentStaffCalls(branch: "b", limit: 0).isEmpty, "\(subject.name)")
            #expect(try store.recentStaffCalls(branch: "nowhere", limit: 10).isEmpty, "\(subject.name)")
            #expect(try store.recentStaffCalls(branch: "b", limit: -1).count == 3, "\(subject.name): a negative limit is no limit")
            seen.append(recent)
        }
        #expect(seen[0] == seen[1])
    }

    // MARK: - Several instances on one database

    /// Two instances of their own (as two Balie servers would be) on one new database.
    private func twoInstances() throws -> (PostgresStore, PostgresStore, Int64) {
        let address = try TestPostgres.server().newDatabase()
        let one = try PostgresStore(address: address, connections: 2), two = try PostgresStore(address: address, connections: 2)
        let staff = try Subject.postgres(one).addStaff("anna")
        return (one, two, staff)
    }

    /// Runs `body` on one thread per store, started together; waits for all of them.
    private func together<T: Sendable>(_ stores: [PostgresStore], _ body: @escaping @Sendable (PostgresStore) throws -> T) -> [Result<T, Error>] {
        let results = LockedBox<[Result<T, Error>]>([]), ready = LockedBox(0)
        for store in stores {
            let thread = Thread {
                ready.update { $0 += 1 }
                while ready.value < stores.count { Thread.sleep(forTimeInterval: 0.001) }
                let outcome = Result { try body(store) }
                results.update { $0.append(outcome) }
            }
            thread.start()
        }
        let deadline = Date().addingTimeInterval(60)
        while results.value.count < stores.count && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        return results.value
    }

    @Test func twoInstancesCallingNextAtOnceNeverCallTheSameTicket() throws {
        let (one, two, staff) = try twoInstances()
        let day = self.day, base = self.base
        var taken: [Int64] = []
        for i in 0..<20 { taken.append(try one.takeTicket(branch: "b", day: day, group: .banking, priority: i % 5 == 0, at: base + Double(i)).id!) }
        let results = together([one, two]) { store in
            try (0..<20).compactMap { _ in try store.callNext(branch: "b", day: day, groups: [.banking], staffID: staff, desk: "d", at: Date())?.id }
        }
        #expect(results.count == 2)
        let called = try results.flatMap { try $0.get() }
        #expect(called.count == 20, "every ticket called, none twice: \(called.sorted())")
        #expect(Set(called) == Set(taken))
        #expect(try one.tickets(branch: "b", day: day, statuses: [.waiting]).isEmpty)
        #expect(try two.tickets(branch: "b", day: day, statuses: [.called]).count == 20)
    }

    @Test func aTicketBeingCalledElsewhereIsSkippedNotWaitedFor() throws {
        let (one, two, staff) = try twoInstances()
        let first = try one.takeTicket(branch: "b", day: day, group: .banking, priority: false, at: base)
        let second = try one.takeTicket(branch: "b", day: day, group: .banking, priority: false, at: base + 1)
        let whileLocked = try one.write { connection in
            // Instance one holds the first ticket, as in the middle of its own call.
            try connection.execute("SELECT id FROM queue_ticket WHERE id = $1 FOR UPDATE", [SQL.int(first.id)])
            let started = Date()
            let ticket = try two.callNext(branch: "b", day: day, groups: [.banking], staffID: staff, desk: "2", at: base + 10)
            return (ticket?.id, Date().timeIntervalSince(started))
        }
        #expect(whileLocked.0 == second.id, "the locked ticket is passed over")
        #expect(whileLocked.1 < 5, "and not waited for")
        #expect(try two.callNext(branch: "b", day: day, groups: [.banking], staffID: staff, desk: "2", at: base + 20)?.id == first.id)
        #expect(try two.callNext(branch: "b", day: day, groups: [.banking], staffID: staff, desk: "2", at: base + 30) == nil)
    }

    @Test func twoInstancesTakingTicketsAtOnceNeverShareANumber() throws {
        let (one, two, _) = try twoInstances()
        let day = self.day, base = self.base
        let results = together([one, two]) { store in
            try (0..<15).map { i in try store.takeTicket(branch: "b", day: day, group: .other, priority: false, at: base + Double(i)).number }
        }
        #expect(results.count == 2)
        let numbers = try results.flatMap { try $0.get() }
        #expect(numbers.sorted() == Array(1...30), "each number once: \(numbers.sorted())")
        let stored = try one.tickets(branch: "b", day: day, statuses: [.waiting])
        #expect(Set(stored.map(\.number)) == Set(1...30) && Set(stored.map(\.code)).count == 30)
    }
}

fileprivate extension StoreUnderTest {
    var store: any QueueRepository & StaffCallRepository { recordStore }

    func addStaff(_ username: String) throws -> Int64 {
        switch self {
        case .sqlite(let database):
            return try database.writer.write { db in
                try db.execute(sql: "INSERT INTO staff (username, full_name, role, password_hash) VALUES (?, 'Anna', 'staff', ?)",
                               arguments: [username, "$argon2id$x"])
                return db.lastInsertedRowID
            }
        case .postgres(let store):
            return try store.write { connection in
                try connection.rows("INSERT INTO staff (username, full_name, role, password_hash) VALUES ($1, 'Anna', 'staff', $2) RETURNING id",
                                    [username, "$argon2id$x"]).first!.int64("id")!
            }
        }
    }

    func addSession(staff: Int64, started: Double, finished: Double?) throws -> Int64 {
        switch self {
        case .sqlite(let database):
            return try database.writer.write { db in
                try db.execute(sql: """
                    INSERT INTO assisted_session (staff_id, kiosk, started_at, finished_at, phase, language) VALUES (?, 'k1', ?, ?, 'closed', 'nl')
                    """, arguments: [staff, started, finished])
                return db.lastInsertedRowID
            }
        case .postgres(let store):
            return try store.write { connection in
                try connection.rows("""
                    INSERT INTO assisted_session (staff_id, kiosk, started_at, finished_at, phase, language)
                    VALUES ($1, 'k1', $2, $3, 'closed', 'nl') RETURNING id
                    """, [SQL.int(staff), SQL.double(started), SQL.double(finished)]).first!.int64("id")!
            }
        }
    }
}
