import BalieCore
import Foundation
import Testing
@testable import BalieStore

/// The PostgreSQL store's staff accounts, sessions, sign-in failures and audit trail behave as the SQLite
/// store's: every test runs the same body against both and compares what they answer.
@Suite struct PostgresStaffTests {
    typealias Store = StaffRepository & AuditRepository
    let hash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// A SQLite store and a PostgreSQL store, each empty but for `branches`.
    private func stores(branches: [String] = ["centrum", "west", "zuid-oost"]) throws -> [any Store] {
        let sqlite = try AppDatabase(inMemoryNamed: UUID().uuidString)
        for code in branches { try sqlite.insertBranch(Branch(code: code, name: code)) }
        let postgres = try TestPostgres.store(connections: 2)
        try postgres.write { connection in
            for code in branches { try connection.execute("INSERT INTO branch (code, name) VALUES ($1, $1)", [code]) }
        }
        return [sqlite, postgres]
    }

    /// One statement without parameters, in either store (rows the protocols cannot write).
    private func raw(_ sql: String, in store: any Store) throws {
        switch store {
        case let sqlite as AppDatabase: try sqlite.writer.write { try $0.execute(sql: sql) }
        case let postgres as PostgresStore: _ = try postgres.write { try $0.execute(sql) }
        default: Issue.record("unknown store \(type(of: store))")
        }
    }

    private func token(_ n: Int) -> String { String(repeating: String(n % 10), count: 64) }

    // MARK: - Accounts

    @Test func accountsRoundTripWithSortedBranchesAndGrants() throws {
        var outcomes: [[Staff]] = []
        for store in try stores() {
            let zoe = try store.insertStaff(Staff(username: "zoe", fullName: "Zoë Yılmaz", role: .supervisor, branches: ["zuid-oost", "centrum", "west"],
                                                  grants: [.privacyOfficer, .allBranches], passwordHash: hash))
            let anna = try store.insertStaff(Staff(username: "Anna", fullName: "Anna de Boer", role: .remote, branches: [],
                                                   isActive: false, passwordHash: hash))
            let bob = try store.insertStaff(Staff(username: "bob", fullName: "Bob", role: .admin, branches: ["west", "west"], passwordHash: hash))
            #expect(zoe.id == 1 && anna.id == 2 && bob.id == 3)
            #expect(zoe.branches == ["zuid-oost", "centrum", "west"], "insert answers what it was given, with the id")

            let read = try #require(try store.staff(username: "zoe"))
            #expect(read.branches == ["centrum", "west", "zuid-oost"], "branches come back sorted")
            #expect(read.grants == [.allBranches, .privacyOfficer] && read.role == .supervisor && read.isActive)
            #expect(read.fullName == "Zoë Yılmaz" && read.passwordHash == hash)
            #expect(try store.staff(id: anna.id!) == Staff(id: 2, username: "Anna", fullName: "Anna de Boer", role: .remote, branches: [],
                                                          grants: [], isActive: false, passwordHash: hash))
            #expect(try store.staff(id: bob.id!)?.branches == ["west"], "a branch given twice is stored once")
            #expect(try store.staff(username: "nobody") == nil)
            #expect(try store.staff(username: "ANNA") == nil, "usernames match exactly")
            #expect(try store.staff(id: 99) == nil)
            let all = try store.allStaff()
            #expect(all.map(\.username) == ["Anna", "bob", "zoe"], "by username, byte order")
            outcomes.append(all)
        }
        #expect(outcomes[0] == outcomes[1])
    }

    @Test func aTakenUsernameOrUnknownBranchStoresNothing() throws {
        var outcomes: [[Staff]] = []
        for store in try stores() {
            try store.insertStaff(Staff(username: "anna", fullName: "Anna", role: .staff, branches: ["centrum"], passwordHash: hash))
            #expect(throws: (any Error).self) {
                try store.insertStaff(Staff(username: "anna", fullName: "Another Anna", role: .admin, branches: [], passwordHash: hash))
            }
            #expect(throws: BranchRules.Problem.unknownBranch) {
                try store.insertStaff(Staff(username: "piet", fullName: "Piet", role: .staff, branches: ["centrum", "atlantis"], passwordHash: hash))
            }
            #expect(try store.staff(username: "piet") == nil, "the account goes with its branches or not at all")
            let all = try store.allStaff()
            #expect(all.count == 1 && all.first?.fullName == "Anna" && all.first?.branches == ["centrum"])
            outcomes.append(all)
        }
        #expect(outcomes[0] == outcomes[1])
    }

    @Test func updatesAndBranchesAndGrantsReplaceWhatWasThere() throws {
        var outcomes: [[Staff]] = []
        for store in try stores() {
            var anna = try store.insertStaff(Staff(username: "anna", fullName: "Anna", role: .staff, branches: ["centrum"], passwordHash: hash))
            let bob = try store.insertStaff(Staff(username: "bob", fullName: "Bob", role: .staff, branches: ["west"], passwordHash: hash))
            anna.username = "anna.b"
            anna.fullName = "Anna de Boer"
            anna.role = .supervisor
            anna.isActive = false
            anna.passwordHash = "$argon2id$new"
            anna.grants = [.privacyOfficer]
            anna.branches = ["west", "zuid-oost"]
            try store.updateStaff(anna)
            #expect(try store.staff(id: anna.id!) == anna)
            #expect(try store.staff(username: "anna") == nil)

            try store.setBranches(staffID: anna.id!, branches: ["centrum"], grants: [.allBranches])
            var expected = anna
            expected.branches = ["centrum"]
            expected.grants = [.allBranches]
            #expect(try store.staff(id: anna.id!) == expected)

            // An unknown branch changes neither the branches nor the grants.
            #expect(throws: BranchRules.Problem.unknownBranch) {
                try store.setBranches(staffID: anna.id!, branches: ["west", "atlantis"], grants: [])
            }
            #expect(try store.staff(id: anna.id!) == expected)
            #expect(throws: BranchRules.Problem.unknownBranch) {
                var changed = expected
                changed.fullName = "Changed"
                changed.branches = ["atlantis"]
                try store.updateStaff(changed)
            }
            #expect(try store.staff(id: anna.id!) == expected, "the update is undone with its branches")

            try store.setBranches(staffID: anna.id!, branches: [], grants: [])
            #expect(try store.staff(id: anna.id!)?.branches == [] && store.staff(id: anna.id!)?.grants == [])
            // Without an id nothing is updated; taking another's username is refused.
            var stray = Staff(username: "stray", fullName: "Stray", role: .admin, branches: [], passwordHash: hash)
            try store.updateStaff(stray)
            #expect(try store.staff(username: "stray") == nil)
            stray = bob
            stray.username = "anna.b"
            #expect(throws: (any Error).self) { try store.updateStaff(stray) }
            #expect(try store.staff(id: bob.id!) == bob)
            outcomes.append(try store.allStaff())
        }
        #expect(outcomes[0] == outcomes[1])
    }

    // MARK: - Sessions

    @Test func sessionsAreStoredTouchedSwitchedAndEnded() throws {
        var outcomes: [[StaffSession?]] = []
        for store in try stores() {
            let anna = try store.insertStaff(Staff(username: "anna", fullName: "Anna", role: .staff, branches: ["centrum"], passwordHash: hash))
            let bob = try store.insertStaff(Staff(username: "bob", fullName: "Bob", role: .staff, branches: [], passwordHash: hash))
            let created = Date(timeIntervalSince1970: 1_800_000_000.125)
            let session = StaffSession(tokenHash: token(1), staffID: anna.id!, createdAt: created, lastSeenAt: created,
                                       clientAddress: "192.0.2.7", workingBranch: "centrum")
            try store.insertSession(session)
            try store.insertSession(StaffSession(tokenHash: token(2), staffID: anna.id!, createdAt: created, lastSeenAt: created, clientAddress: "::1"))
            try store.insertSession(StaffSession(tokenHash: token(3), staffID: bob.id!, createdAt: created, lastSeenAt: created, clientAddress: "::1"))
            #expect(try store.session(tokenHash: token(1)) == session, "times keep their fraction")
            #expect(try store.session(tokenHash: token(2))?.workingBranch == nil)
            #expect(try store.session(tokenHash: token(9)) == nil)
            #expect(throws: (any Error).self) { try store.insertSession(session) }

            let later = created.addingTimeInterval(61.5)
            try store.touchSession(tokenHash: token(1), at: later)
            try store.setWorkingBranch(tokenHash: token(1), branch: "west")
            try store.touchSession(tokenHash: token(9), at: later)  // unknown: nothing happens
            let touched = try #require(try store.session(tokenHash: token(1)))
            #expect(touched.lastSeenAt == later && touched.createdAt == created && touched.workingBranch == "west")
            var snapshot = [try store.session(tokenHash: token(1))]

            try store.deleteSession(tokenHash: token(1))
            #expect(try store.session(tokenHash: token(1)) == nil)
            try store.deleteSessions(staffID: anna.id!)
            #expect(try store.session(tokenHash: token(2)) == nil)
            #expect(try store.session(tokenHash: token(3)) != nil, "another person's session stays")
            snapshot.append(try store.session(tokenHash: token(3)))
            outcomes.append(snapshot)
        }
        #expect(outcomes[0] == outcomes[1])
    }

    @Test func expiredSessionsGoByEitherLimitIncludingTheBoundary() throws {
        var outcomes: [[Int]] = []
        for store in try stores() {
            let anna = try store.insertStaff(Staff(username: "anna", fullName: "Anna", role: .staff, branches: [], passwordHash: hash))
            let policy = SessionPolicy()  // 15 minutes idle, 10 hours in all
            let now = start
            func add(_ n: Int, created: TimeInterval, seen: TimeInterval) throws {
                try store.insertSession(StaffSession(tokenHash: token(n), staffID: anna.id!, createdAt: now.addingTimeInterval(-created),
                                                     lastSeenAt: now.addingTimeInterval(-seen), clientAddress: "::1"))
            }
            try add(1, created: 60, seen: 10)  // fresh
            try add(2, created: 3_600, seen: 15 * 60)  // idle exactly
            try add(3, created: 10 * 3_600, seen: 1)  // absolute exactly
            try add(4, created: 10 * 3_600 - 1, seen: 15 * 60 - 1)  // a second short of both
            try add(5, created: 20 * 3_600, seen: 20 * 3_600)  // both
            let removed = try store.deleteExpiredSessions(policy: policy, now: now)
            #expect(removed == 3)
            let left = try (1...5).filter { try store.session(tokenHash: token($0)) != nil }
            #expect(left == [1, 4])
            #expect(try store.deleteExpiredSessions(policy: policy, now: now) == 0)
            outcomes.append([removed] + left)
        }
        #expect(outcomes[0] == outcomes[1])
    }

    // MARK: - Sign-in failures

    @Test func signInFailuresAreCountedClearedAndPurged() throws {
        var outcomes: [[Int]] = []
        for store in try stores() {
            for (index, (username, address)) in [("anna", "192.0.2.1"), ("anna", "192.0.2.2"), ("bob", "192.0.2.1"), ("anna", "192.0.2.1")].enumerated() {
                try store.recordSignInFailure(username: username, clientAddress: address, at: start.addingTimeInterval(Double(index) * 10))
            }
            var counts = [
                try store.signInFailures(username: "anna", since: start.addingTimeInterval(-1)),
                try store.signInFailures(username: "anna", since: start),  // after, not at
                try store.signInFailures(username: "bob", since: start.addingTimeInterval(-1)),
                try store.signInFailures(username: "nobody", since: start.addingTimeInterval(-1)),
                try store.signInFailures(clientAddress: "192.0.2.1", since: start.addingTimeInterval(-1)),
                try store.signInFailures(clientAddress: "192.0.2.1", since: start.addingTimeInterval(20)),
                try store.signInFailures(clientAddress: "198.51.100.1", since: start.addingTimeInterval(-1)),
            ]
            #expect(counts == [3, 2, 1, 0, 3, 1, 0])

            try store.clearSignInFailures(username: "anna")
            #expect(try store.signInFailures(username: "anna", since: start.addingTimeInterval(-1)) == 0)
            #expect(try store.signInFailures(clientAddress: "192.0.2.1", since: start.addingTimeInterval(-1)) == 1, "bob's stays")

            try store.recordSignInFailure(username: "carla", clientAddress: "192.0.2.3", at: start.addingTimeInterval(100))
            // Up to and including the cutoff: bob's at +20 goes, carla's at +100 stays.
            let purged = try store.deleteSignInFailures(before: start.addingTimeInterval(20))
            #expect(purged == 1)
            #expect(try store.deleteSignInFailures(before: start.addingTimeInterval(20)) == 0)
            #expect(try store.signInFailures(username: "carla", since: start) == 1)
            #expect(try store.signInFailures(username: "bob", since: start.addingTimeInterval(-1)) == 0)
            counts.append(purged)
            outcomes.append(counts)
        }
        #expect(outcomes[0] == outcomes[1])
    }

    // MARK: - Audit trail

    @Test func auditRowsAreAppendedAndReadBack() throws {
        var outcomes: [[AuditEvent]] = []
        for store in try stores() {
            let anna = try store.insertStaff(Staff(username: "anna", fullName: "Anna", role: .staff, branches: [], passwordHash: hash))
            let first = AuditEvent(at: start.addingTimeInterval(0.25), action: .customerViewed, actorID: anna.id, actorRole: .staff,
                                   subject: "100", origin: "kiosk/1", detail: "contacts", reason: "Vraag van klant", branch: "centrum")
            try store.appendAudit(first)
            try store.appendAudit([
                AuditEvent(at: start.addingTimeInterval(1), action: .signIn, actorID: anna.id, subject: "anna", origin: "192.0.2.1"),
                AuditEvent(at: start.addingTimeInterval(2), action: .customerExported, actorID: anna.id, actorRole: .staff, subject: "100",
                           origin: "kiosk/1", branch: "west"),
                AuditEvent(at: start.addingTimeInterval(3), action: .purged, actorID: nil, subject: nil, origin: "cli"),
            ])
            try store.appendAudit([])
            // One bad row (an actor who does not exist) and none of the batch is stored.
            #expect(throws: (any Error).self) {
                try store.appendAudit([
                    AuditEvent(at: start.addingTimeInterval(4), action: .signOut, actorID: anna.id, subject: "anna", origin: "::1"),
                    AuditEvent(at: start.addingTimeInterval(5), action: .signOut, actorID: 999, subject: "ghost", origin: "::1"),
                ])
            }
            // A row of an action this version does not know is left out.
            try raw("INSERT INTO audit_event (at, action, origin, subject) VALUES (1800000010, 'from-the-future', 'x', '100')", in: store)

            let recent = try store.recentAudit(limit: 10)
            #expect(recent.map(\.action) == [.purged, .customerExported, .signIn, .customerViewed], "newest first")
            #expect(recent.map(\.id) == [4, 3, 2, 1])
            var stored = first
            stored.id = 1
            #expect(recent.last == stored, "every field comes back")
            #expect(try store.recentAudit(limit: 2).map(\.id) == [4], "the unknown row counts towards the limit")
            #expect(try store.recentAudit(limit: 0).isEmpty)
            #expect(try store.recentAudit(limit: -1).count == 4, "a negative limit is no limit")

            let about = try store.audit(subject: "100")
            #expect(about.map(\.id) == [1, 3], "oldest first")
            #expect(try store.audit(subject: "anna").map(\.action) == [.signIn], "the failed batch left nothing")
            #expect(try store.audit(subject: "999").isEmpty)
            outcomes.append(recent + about)
        }
        #expect(outcomes[0] == outcomes[1])
    }

    @Test func auditEntriesFilterScopeAndPage() throws {
        var outcomes: [[AuditEntry]] = []
        for store in try stores() {
            let anna = try store.insertStaff(Staff(username: "anna", fullName: "Anna de Boer", role: .staff, branches: [], passwordHash: hash))
            let sanne = try store.insertStaff(Staff(username: "sanne", fullName: "Sanne Visser", role: .supervisor, branches: [], passwordHash: hash))
            // Ten rows a day apart: anna views 100 and 200 in turns at centrum and west; sanne exports; the command line purges.
            for day in 0..<10 {
                try store.appendAudit(AuditEvent(at: start.addingTimeInterval(Double(day) * 86_400), action: .customerViewed, actorID: anna.id,
                                                 actorRole: .staff, subject: day.isMultiple(of: 2) ? "100" : "200", origin: "kiosk/1",
                                                 branch: day < 5 ? "centrum" : "west"))
            }
            try store.appendAudit(AuditEvent(at: start.addingTimeInterval(3.5 * 86_400), action: .customerExported, actorID: sanne.id,
                                             actorRole: .supervisor, subject: "100", origin: "kiosk/2", detail: "page", reason: "Verzoek",
                                             branch: "centrum"))
            try store.appendAudit(AuditEvent(at: start.addingTimeInterval(20 * 86_400), action: .purged, actorID: nil, subject: nil, origin: "cli"))

            func ids(_ query: AuditQuery = AuditQuery(), _ branches: BranchScope = .all, limit: Int = 100) throws -> [Int64] {
                try store.auditEntries(query, branches: branches, limit: limit).compactMap(\.event.id)
            }
            let all = try store.auditEntries(AuditQuery(), branches: .all, limit: 100)
            #expect(all.compactMap(\.event.id) == Array((1...12).reversed()), "newest first by id")
            #expect(all.first?.event.action == .purged && all.first?.staffUsername == nil && all.first?.staffName == nil)
            let export = try #require(all.first { $0.event.action == .customerExported })
            #expect(export.staffUsername == "sanne" && export.staffName == "Sanne Visser" && export.event.reason == "Verzoek")

            // Branch scope: rows without a branch only with all branches.
            #expect(try ids(AuditQuery(), .only(["centrum"])) == [11, 5, 4, 3, 2, 1])
            #expect(try ids(AuditQuery(), .only(["west"])) == [10, 9, 8, 7, 6])
            #expect(try ids(AuditQuery(), .only(["centrum", "west"])).count == 11)
            #expect(try ids(AuditQuery(), .only([])) == [])
            #expect(try ids(AuditQuery(), .only(["atlantis"])) == [])

            // Filters, alone and together.
            #expect(try ids(AuditQuery(customerNumber: "100")) == [11, 9, 7, 5, 3, 1])
            #expect(try ids(AuditQuery(customerNumber: "300")) == [])
            #expect(try ids(AuditQuery(staffUsername: "sanne")) == [11])
            #expect(try ids(AuditQuery(staffUsername: "anna")) == Array((1...10).reversed()))
            #expect(try ids(AuditQuery(staffUsername: "nobody")) == [])
            let from = start.addingTimeInterval(3 * 86_400), until = start.addingTimeInterval(6 * 86_400)
            #expect(try ids(AuditQuery(from: from)) == [12, 11, 10, 9, 8, 7, 6, 5, 4], "from is included")
            #expect(try ids(AuditQuery(until: until)) == [11, 6, 5, 4, 3, 2, 1], "until is not")
            #expect(try ids(AuditQuery(from: from, until: until)) == [11, 6, 5, 4])
            #expect(try ids(AuditQuery(customerNumber: "100", staffUsername: "anna", from: from, until: until), .only(["centrum"])) == [5])

            // Pages: a limit, then the rows before the last one seen.
            #expect(try ids(limit: 5) == [12, 11, 10, 9, 8])
            #expect(try ids(AuditQuery(beforeID: 8), limit: 5) == [7, 6, 5, 4, 3])
            #expect(try ids(AuditQuery(beforeID: 3), limit: 5) == [2, 1])
            #expect(try ids(AuditQuery(beforeID: 1)) == [])
            #expect(try ids(AuditQuery(beforeID: 8), .only(["west"]), limit: 1) == [7])
            #expect(try ids(limit: -1).count == 12, "a negative limit is no limit")

            outcomes.append(all + (try store.auditEntries(AuditQuery(customerNumber: "200", from: from), branches: .only(["west", "centrum"]), limit: 3)))
        }
        #expect(outcomes[0] == outcomes[1])
    }
}
