import BalieCore
import BalieWeb
import Foundation
import GRDB
import Testing
@testable import BalieStore

@Suite struct KioskStoreTests {
    func database() throws -> AppDatabase {
        let db = try AppDatabase(inMemoryNamed: UUID().uuidString)
        try db.insertBranch(Branch(code: "centrum", name: "Bibliotheek Centrum"))
        return db
    }

    @Test func anEnrolmentCodeWorksOnceAndRevokingEndsTheCredential() throws {
        let db = try database()
        let kiosk = try db.insertKiosk(Kiosk(name: "kiosk-1", branchCode: "centrum", kind: .customer, createdAt: Date()))
        let now = Date()
        try db.addEnrolmentCode(kioskID: kiosk.id!, codeHash: KioskRules.hash("ACDEFGHJ"), at: now)
        #expect(try db.enrol(codeHash: KioskRules.hash("ACDEFGHK"), credentialHash: KioskRules.hash("device-a"), now: now) == nil)
        #expect(try db.enrol(codeHash: KioskRules.hash("ACDEFGHJ"), credentialHash: KioskRules.hash("device-a"), now: now)?.name == "kiosk-1")
        #expect(try db.enrol(codeHash: KioskRules.hash("ACDEFGHJ"), credentialHash: KioskRules.hash("device-b"), now: now) == nil)
        #expect(try db.kiosk(credentialHash: KioskRules.hash("device-a"))?.id == kiosk.id)
        try db.revokeKiosk(id: kiosk.id!)
        #expect(try db.kiosk(credentialHash: KioskRules.hash("device-a")) == nil)
        #expect(try db.kiosk(id: kiosk.id!)?.isActive == false)
    }

    @Test func anExpiredOrReplacedCodeIsRefused() throws {
        let db = try database()
        let kiosk = try db.insertKiosk(Kiosk(name: "kiosk-1", branchCode: "centrum", kind: .customer, createdAt: Date()))
        let made = Date(timeIntervalSince1970: 2_000_000_000)
        try db.addEnrolmentCode(kioskID: kiosk.id!, codeHash: KioskRules.hash("AAAAAAAA"), at: made)
        #expect(try db.enrol(codeHash: KioskRules.hash("AAAAAAAA"), credentialHash: KioskRules.hash("x"), now: made.addingTimeInterval(16 * 60)) == nil)
        try db.addEnrolmentCode(kioskID: kiosk.id!, codeHash: KioskRules.hash("CCCCCCCC"), at: made)
        try db.addEnrolmentCode(kioskID: kiosk.id!, codeHash: KioskRules.hash("DDDDDDDD"), at: made)
        #expect(try db.enrol(codeHash: KioskRules.hash("CCCCCCCC"), credentialHash: KioskRules.hash("y"), now: made) == nil)
        #expect(try db.enrol(codeHash: KioskRules.hash("DDDDDDDD"), credentialHash: KioskRules.hash("y"), now: made) != nil)
    }

    @Test func kioskNamesAreUniquePerBranchAndNeedAKnownBranch() throws {
        let db = try database()
        try db.insertBranch(Branch(code: "west", name: "West"))
        try db.insertKiosk(Kiosk(name: "kiosk-1", branchCode: "centrum", kind: .customer, createdAt: Date()))
        try db.insertKiosk(Kiosk(name: "kiosk-1", branchCode: "west", kind: .display, createdAt: Date()))
        #expect(throws: KioskRules.Problem.nameTaken) { try db.insertKiosk(Kiosk(name: "kiosk-1", branchCode: "centrum", kind: .customer, createdAt: Date())) }
        #expect(throws: BranchRules.Problem.unknownBranch) { try db.insertKiosk(Kiosk(name: "k", branchCode: "nowhere", kind: .customer, createdAt: Date())) }
        #expect(throws: BranchRules.Problem.codeTaken) { try db.insertBranch(Branch(code: "west", name: "Again")) }
        #expect(try db.allKiosks().count == 2)
    }

    @Test func staffBranchesAndGrantsAreStored() throws {
        let db = try database()
        try db.insertBranch(Branch(code: "west", name: "West"))
        let staff = try db.insertStaff(Staff(username: "lotte", fullName: "Lotte", role: .staff, branches: ["west", "centrum"],
                                             grants: [.privacyOfficer], passwordHash: "$argon2id$x"))
        let read = try #require(try db.staff(id: staff.id!))
        #expect(read.branches == ["centrum", "west"] && read.grants == [.privacyOfficer])
        #expect(read.scope == .only(["centrum", "west"]))
        #expect(throws: BranchRules.Problem.unknownBranch) {
            try db.insertStaff(Staff(username: "xavier", fullName: "X", role: .staff, branches: ["nowhere"], passwordHash: "$argon2id$x"))
        }
    }

    @Test func expiredSignInSessionsAndOldFailuresArePurged() throws {
        let db = try database()
        let staff = try db.insertStaff(Staff(username: "anna", fullName: "Anna", role: .staff, branches: ["centrum"], passwordHash: "$argon2id$x"))
        let now = Date()
        var policy = SessionPolicy()
        policy.idleTimeout = 60
        try db.insertSession(StaffSession(tokenHash: String(repeating: "a", count: 64), staffID: staff.id!, createdAt: now,
                                          lastSeenAt: now.addingTimeInterval(-120), clientAddress: "1.2.3.4"))
        try db.insertSession(StaffSession(tokenHash: String(repeating: "b", count: 64), staffID: staff.id!, createdAt: now,
                                          lastSeenAt: now, clientAddress: "1.2.3.4", workingBranch: "centrum"))
        #expect(try db.deleteExpiredSessions(policy: policy, now: now) == 1)
        #expect(try db.session(tokenHash: String(repeating: "b", count: 64))?.workingBranch == "centrum")
        try db.recordSignInFailure(username: "anna", clientAddress: "1.2.3.4", at: now.addingTimeInterval(-3600))
        try db.recordSignInFailure(username: "anna", clientAddress: "1.2.3.4", at: now)
        #expect(try db.deleteSignInFailures(before: now.addingTimeInterval(-900)) == 1)
        #expect(try db.signInFailures(username: "anna", since: now.addingTimeInterval(-10)) == 1)
    }

    @Test func migrationTurnsStoredNamesIntoBranchesAndKiosks() throws {
        // A v11 database with free-text names: the branch and kiosks come out of what was stored.
        let path = NSTemporaryDirectory() + "balie-migration-\(UUID().uuidString).sqlite"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let legacy = try DatabaseQueue(path: path)
        try AppDatabase.migrator.migrate(legacy, upTo: "v11-name-prefix-index")
        try legacy.write { db in
            try db.execute(sql: """
                INSERT INTO staff(id, username, full_name, role, branch, password_hash) VALUES (1, 'anna', 'Anna', 'staff', 'Bibliotheek Centrum', '$argon2id$x');
                INSERT INTO assisted_session(customer_id, staff_id, kiosk, started_at, phase, language) VALUES (NULL, 1, 'kiosk-a', 1, 'closed', 'nl');
                INSERT INTO staff_call(kiosk, task_group, at) VALUES ('kiosk-b', NULL, 2);
                INSERT INTO queue_ticket(branch, day, number, task_group, priority, status, created_at, code)
                    VALUES ('main', '2026-01-01', 1, 'other', 0, 'done', 3, 'O-1');
                """)
        }
        try legacy.close()
        let db = try AppDatabase(path: path)
        let branches = try db.allBranches()
        #expect(branches.map(\.code) == ["bibliotheek-centrum", "main"])
        #expect(Set(try db.allKiosks().map(\.name)) == ["kiosk-a", "kiosk-b"])
        let anna = try #require(try db.staff(username: "anna"))
        #expect(anna.branches == ["bibliotheek-centrum"])
        #expect(try db.sessionList(from: nil, to: nil, branch: "bibliotheek-centrum", branches: .all, taskID: nil, beforeID: nil, limit: 10).count == 1)
    }
}
