import BalieCore
import BalieWeb
import Foundation
import GRDB
import Testing
@testable import BalieStore

/// Branches, kiosks and their enrolment, API tokens with idempotent contacts, and the store's health and keys on
/// PostgreSQL behave as on SQLite: each test runs the same body against both stores and compares. The last tests
/// are PostgreSQL's own: several instances racing for one code, one key or one secret, and a probe that is refused.
@Suite struct PostgresBranchesTests {
    /// One store under test, with what the tests need besides the repositories (a customer for contacts).
    private typealias Subject = StoreUnderTest

    private static func hours(_ text: String) throws -> WeeklyHours { try WeeklyHours.parse(text) }

    // MARK: - Branches

    @Test func branchesAreStoredReadAndUpdatedAlike() throws {
        var results: [String: [Branch]] = [:]
        for subject in try Subject.both() {
            let store = subject.store
            let centrum = try store.insertBranch(Branch(code: "centrum", name: "Bibliotheek Centrum", timeZone: "Europe/Amsterdam",
                                                        openingHours: try Self.hours("mon=09:00-12:30,13:00-17:00;sat=10:00-14:00"),
                                                        closures: [BirthDate(iso: "2026-12-25")!, BirthDate(iso: "2026-12-26")!]))
            let west = try store.insertBranch(Branch(code: "west", name: "Stadskantoor West", timeZone: "Europe/Brussels"))
            let aaa = try store.insertBranch(Branch(code: "aa", name: "Aardenburg"))
            #expect(centrum.id == 1 && west.id == 2 && aaa.id == 3, "\(subject.name)")
            #expect(throws: BranchRules.Problem.codeTaken, "\(subject.name)") { try store.insertBranch(Branch(code: "west", name: "Again")) }
            #expect(try store.branch(code: "west")?.name == "Stadskantoor West", "\(subject.name): the duplicate changed nothing")

            var changed = try #require(try store.branch(code: "west"))
            changed.name = "Stadskantoor West (nieuw)"
            changed.timeZone = "Europe/Amsterdam"
            changed.openingHours = try Self.hours("tue=08:30-16:00")
            changed.closures = [BirthDate(iso: "2027-01-01")!]
            try store.updateBranch(changed)
            #expect(try store.branch(code: "west") == changed, "\(subject.name)")
            #expect(throws: BranchRules.Problem.unknownBranch, "\(subject.name)") {
                try store.updateBranch(Branch(code: "nowhere", name: "Nergens"))
            }
            #expect(try store.branch(code: "nowhere") == nil, "\(subject.name)")
            #expect(try store.branch(code: "centrum") == centrum, "\(subject.name): hours and closures read back")

            let all = try store.allBranches()
            #expect(all.map(\.code) == ["centrum", "west", "aa"], "\(subject.name): in the order they were added")
            results[subject.name] = all
        }
        #expect(results["postgres"] == results["sqlite"])
    }

    // MARK: - Kiosks

    @Test func kiosksAreUniquePerBranchOrderedAndTouched() throws {
        var results: [String: [Kiosk]] = [:]
        let created = Date(timeIntervalSince1970: 1_800_000_000.25)
        for subject in try Subject.both() {
            let store = subject.store
            try store.insertBranch(Branch(code: "west", name: "West"))
            try store.insertBranch(Branch(code: "centrum", name: "Centrum"))
            let first = try store.insertKiosk(Kiosk(name: "kiosk-b", branchCode: "west", kind: .customer, createdAt: created))
            let display = try store.insertKiosk(Kiosk(name: "Zaal", branchCode: "west", kind: .display, createdAt: created))
            let desk = try store.insertKiosk(Kiosk(name: "balie-1", branchCode: "centrum", kind: .staffDesk, isActive: false, createdAt: created))
            try store.insertKiosk(Kiosk(name: "kiosk-b", branchCode: "centrum", kind: .customer, createdAt: created))
            #expect(first.id == 1 && display.id == 2 && desk.id == 3, "\(subject.name)")
            #expect(throws: KioskRules.Problem.nameTaken, "\(subject.name)") {
                try store.insertKiosk(Kiosk(name: "kiosk-b", branchCode: "west", kind: .display, createdAt: created))
            }
            #expect(throws: BranchRules.Problem.unknownBranch, "\(subject.name)") {
                try store.insertKiosk(Kiosk(name: "kiosk-b", branchCode: "nowhere", kind: .customer, createdAt: created))
            }

            #expect(try store.kiosk(id: first.id!) == first, "\(subject.name)")
            #expect(try store.kiosk(id: 999) == nil, "\(subject.name)")
            #expect(try store.kiosk(name: "balie-1", branchCode: "centrum") == desk, "\(subject.name): kind and inactive read back")
            #expect(try store.kiosk(name: "balie-1", branchCode: "west") == nil, "\(subject.name)")

            let seen = Date(timeIntervalSince1970: 1_800_000_123.5)
            try store.touchKiosk(id: display.id!, at: seen)
            try store.touchKiosk(id: 999, at: seen)  // nothing to touch: no error, as in SQLite
            #expect(try store.kiosk(id: display.id!)?.lastSeenAt == seen, "\(subject.name)")

            let all = try store.allKiosks()
            // By branch, then by name in byte order (upper case before lower case).
            #expect(all.map { "\($0.branchCode)/\($0.name)" } == ["centrum/balie-1", "centrum/kiosk-b", "west/Zaal", "west/kiosk-b"], "\(subject.name)")
            results[subject.name] = all
        }
        #expect(results["postgres"] == results["sqlite"])
    }

    // MARK: - Enrolment and device credentials

    @Test func anEnrolmentCodeWorksOnceAndRevokingEndsItsCredential() throws {
        var results: [String: [String]] = [:]
        for subject in try Subject.both() {
            let store = subject.store
            try store.insertBranch(Branch(code: "centrum", name: "Centrum"))
            let kiosk = try store.insertKiosk(Kiosk(name: "kiosk-1", branchCode: "centrum", kind: .customer, createdAt: Date(timeIntervalSince1970: 1)))
            let now = Date(timeIntervalSince1970: 1_900_000_000)
            try store.addEnrolmentCode(kioskID: kiosk.id!, codeHash: KioskRules.hash("ACDEFGHJ"), at: now)
            #expect(try store.enrol(codeHash: KioskRules.hash("ACDEFGHK"), credentialHash: KioskRules.hash("device-a"), now: now) == nil,
                    "\(subject.name): an unknown code")
            let enrolled = try store.enrol(codeHash: KioskRules.hash("ACDEFGHJ"), credentialHash: KioskRules.hash("device-a"), now: now.addingTimeInterval(60))
            #expect(enrolled == kiosk, "\(subject.name)")
            #expect(try store.enrol(codeHash: KioskRules.hash("ACDEFGHJ"), credentialHash: KioskRules.hash("device-b"), now: now) == nil,
                    "\(subject.name): a used code")
            #expect(try store.kiosk(credentialHash: KioskRules.hash("device-a")) == kiosk, "\(subject.name)")
            #expect(try store.kiosk(credentialHash: KioskRules.hash("device-b")) == nil, "\(subject.name)")

            // The launcher's credential, added twice: the second time changes nothing.
            try store.addKioskCredential(kioskID: kiosk.id!, credentialHash: KioskRules.hash("launcher"), at: now)
            try store.addKioskCredential(kioskID: kiosk.id!, credentialHash: KioskRules.hash("launcher"), at: now.addingTimeInterval(5))
            #expect(try store.kiosk(credentialHash: KioskRules.hash("launcher"))?.id == kiosk.id, "\(subject.name)")

            // Revoking ends both credentials and an open code.
            try store.addEnrolmentCode(kioskID: kiosk.id!, codeHash: KioskRules.hash("CCCCCCCC"), at: now)
            try store.revokeKiosk(id: kiosk.id!)
            #expect(throws: KioskRules.Problem.unknownKiosk, "\(subject.name)") { try store.revokeKiosk(id: 999) }
            #expect(try store.kiosk(id: kiosk.id!)?.isActive == false, "\(subject.name)")
            #expect(try store.kiosk(credentialHash: KioskRules.hash("device-a")) == nil, "\(subject.name)")
            #expect(try store.kiosk(credentialHash: KioskRules.hash("launcher")) == nil, "\(subject.name)")
            #expect(try store.enrol(codeHash: KioskRules.hash("CCCCCCCC"), credentialHash: KioskRules.hash("device-c"), now: now) == nil,
                    "\(subject.name): a revoked kiosk's open code")

            // A new code makes the kiosk active again; the old credentials stay gone.
            try store.addEnrolmentCode(kioskID: kiosk.id!, codeHash: KioskRules.hash("DDDDDDDD"), at: now)
            #expect(try store.kiosk(id: kiosk.id!)?.isActive == true, "\(subject.name)")
            #expect(try store.kiosk(credentialHash: KioskRules.hash("device-a")) == nil, "\(subject.name)")
            let again = try #require(try store.enrol(codeHash: KioskRules.hash("DDDDDDDD"), credentialHash: KioskRules.hash("device-d"), now: now))
            #expect(again.isActive, "\(subject.name)")
            #expect(try store.kiosk(credentialHash: KioskRules.hash("device-d"))?.id == kiosk.id, "\(subject.name)")
            // A code for a kiosk that does not exist is refused by the database (a foreign key), in both stores.
            #expect(throws: (any Error).self, "\(subject.name)") {
                try store.addEnrolmentCode(kioskID: 999, codeHash: KioskRules.hash("EEEEEEEE"), at: now)
            }
            results[subject.name] = try store.allKiosks().map { "\($0.name) \($0.isActive)" }
        }
        #expect(results["postgres"] == results["sqlite"] && results["sqlite"] == ["kiosk-1 true"])
    }

    @Test func anExpiredEarlyOrReplacedCodeIsRefused() throws {
        var results: [String: [Bool]] = [:]
        for subject in try Subject.both() {
            let store = subject.store
            try store.insertBranch(Branch(code: "centrum", name: "Centrum"))
            let kiosk = try store.insertKiosk(Kiosk(name: "kiosk-1", branchCode: "centrum", kind: .customer, createdAt: Date()))
            let made = Date(timeIntervalSince1970: 2_000_000_000)
            var outcomes: [Bool] = []
            func use(_ code: String, _ device: String, at moment: Date) throws {
                outcomes.append(try store.enrol(codeHash: KioskRules.hash(code), credentialHash: KioskRules.hash(device), now: moment) != nil)
            }
            try store.addEnrolmentCode(kioskID: kiosk.id!, codeHash: KioskRules.hash("AAAAAAAA"), at: made)
            try use("AAAAAAAA", "x", at: made.addingTimeInterval(16 * 60))  // expired
            try use("AAAAAAAA", "x", at: made.addingTimeInterval(-61))  // well before it was made (beyond the clock tolerance)
            try use("AAAAAAAA", "x", at: made.addingTimeInterval(15 * 60 - 1))  // just in time
            try store.addEnrolmentCode(kioskID: kiosk.id!, codeHash: KioskRules.hash("CCCCCCCC"), at: made)
            try store.addEnrolmentCode(kioskID: kiosk.id!, codeHash: KioskRules.hash("DDDDDDDD"), at: made)
            try use("CCCCCCCC", "y", at: made)  // replaced by the next one
            try use("DDDDDDDD", "y", at: made)
            #expect(outcomes == [false, false, true, false, true], "\(subject.name)")
            results[subject.name] = outcomes
        }
        #expect(results["postgres"] == results["sqlite"])
    }

    // MARK: - API tokens

    @Test func tokensAreStoredListedByNameAndRevokedOnce() throws {
        var results: [String: [ApiToken]] = [:]
        let created = Date(timeIntervalSince1970: 1_700_000_000.5)
        for subject in try Subject.both() {
            let store = subject.store
            try store.insertBranch(Branch(code: "centrum", name: "Centrum"))
            try store.insertBranch(Branch(code: "west", name: "West"))
            let crm = try store.insertToken(ApiToken(name: "crm", scopes: [.customersRead, .contactsWrite], branches: .all,
                                                     tokenHash: String(repeating: "a", count: 64), createdAt: created))
            let app = try store.insertToken(ApiToken(name: "App", scopes: [.sessionsRead], branches: .only(["west", "centrum"]),
                                                     tokenHash: String(repeating: "b", count: 64), createdAt: created))
            let none = try store.insertToken(ApiToken(name: "metrics", scopes: [.metricsRead], tokenHash: String(repeating: "c", count: 64),
                                                      createdAt: created))
            #expect(crm.id == 1 && app.id == 2 && none.id == 3, "\(subject.name)")
            #expect(throws: BranchRules.Problem.unknownBranch, "\(subject.name)") {
                try store.insertToken(ApiToken(name: "elsewhere", scopes: [.sessionsRead], branches: .only(["centrum", "nowhere"]),
                                               tokenHash: String(repeating: "d", count: 64), createdAt: created))
            }
            #expect(throws: (any Error).self, "\(subject.name): a name is unique") {
                try store.insertToken(ApiToken(name: "crm", scopes: [.customersRead], tokenHash: String(repeating: "e", count: 64), createdAt: created))
            }

            #expect(try store.token(hash: String(repeating: "a", count: 64)) == crm, "\(subject.name)")
            #expect(try store.token(hash: String(repeating: "b", count: 64))?.branches == .only(["centrum", "west"]), "\(subject.name)")
            #expect(try store.token(hash: String(repeating: "c", count: 64))?.branches == .only([]), "\(subject.name)")
            #expect(try store.token(hash: String(repeating: "f", count: 64)) == nil, "\(subject.name)")

            let revoked = Date(timeIntervalSince1970: 1_700_000_100.75)
            #expect(try store.revokeToken(name: "crm", at: revoked), "\(subject.name)")
            #expect(try !store.revokeToken(name: "crm", at: revoked.addingTimeInterval(10)), "\(subject.name): already revoked")
            #expect(try !store.revokeToken(name: "nobody", at: revoked), "\(subject.name)")
            #expect(try store.token(hash: String(repeating: "a", count: 64))?.revokedAt == revoked, "\(subject.name): the first revocation")

            let all = try store.allTokens()
            #expect(all.map(\.name) == ["App", "crm", "metrics"], "\(subject.name): by name, in byte order")
            results[subject.name] = all
        }
        #expect(results["postgres"] == results["sqlite"])
    }

    @Test func aRotationRenamesTheOldTokenShortensItsLifeAndAddsTheNewOne() throws {
        var results: [String: [ApiToken]] = [:]
        let created = Date(timeIntervalSince1970: 1_700_000_000.5), rotated = Date(timeIntervalSince1970: 1_700_086_400.25)
        for subject in try Subject.both() {
            let store = subject.store
            try store.insertBranch(Branch(code: "centrum", name: "Centrum"))
            let old = try store.insertToken(ApiToken(name: "crm", scopes: [.customersRead], branches: .only(["centrum"]),
                                                     tokenHash: String(repeating: "a", count: 64), createdAt: created))
            #expect(old.expiresAt == created.addingTimeInterval(365 * 86_400), "\(subject.name)")
            let replacement = ApiToken(name: "crm", scopes: old.scopes, branches: old.branches, tokenHash: String(repeating: "b", count: 64),
                                       createdAt: rotated, expiresAt: rotated.addingTimeInterval(30 * 86_400))
            let pair = try #require(try store.rotateToken(name: "crm", replacement: replacement, oldExpiresAt: rotated.addingTimeInterval(7 * 86_400)))
            #expect(pair.old.name == "crm~\(old.id!)" && pair.old.expiresAt == rotated.addingTimeInterval(7 * 86_400), "\(subject.name)")
            #expect(try store.token(hash: String(repeating: "a", count: 64)) == pair.old, "\(subject.name): stored as returned")
            #expect(try store.token(hash: String(repeating: "b", count: 64)) == pair.new && pair.new.name == "crm", "\(subject.name)")
            // An overlap longer than the old token's own life does not lengthen it.
            let third = ApiToken(name: "crm", scopes: old.scopes, branches: old.branches, tokenHash: String(repeating: "c", count: 64), createdAt: rotated)
            let again = try #require(try store.rotateToken(name: "crm", replacement: third, oldExpiresAt: rotated.addingTimeInterval(400 * 86_400)))
            #expect(again.old.expiresAt == replacement.expiresAt, "\(subject.name)")
            #expect(try store.rotateToken(name: "nobody", replacement: third, oldExpiresAt: rotated) == nil, "\(subject.name)")
            results[subject.name] = try store.allTokens()
        }
        #expect(results["postgres"] == results["sqlite"])
    }

    @Test func aContactIsAddedOncePerKeyAndTheAnswerReplayed() throws {
        var results: [String: [String]] = [:]
        for subject in try Subject.both() {
            let store = subject.store
            let customer = try subject.addCustomer("100001")
            let token = try store.insertToken(ApiToken(name: "crm", scopes: [.contactsWrite], tokenHash: String(repeating: "a", count: 64),
                                                       createdAt: Date()))
            let contact = Contact(customerID: customer, channel: .phone, at: Date(timeIntervalSince1970: 1_800_000_000.5), topic: "Toeslag",
                                  summary: "Gebeld", outcome: "Opgelost", sourceSystem: "crm")
            var answered: [Int64?] = []
            func answer(_ stored: Contact) -> IdempotentResult {
                answered.append(stored.id)
                return IdempotentResult(requestHash: "hash-1", status: 201, body: Array("{\"id\":\(stored.id ?? 0)}".utf8) + [0, 255, 10])
            }
            let first = try store.addContactOnce(tokenID: token.id!, key: "key-1", requestHash: "hash-1", contact: contact, answer: answer)
            #expect(!first.replayed && first.result.status == 201, "\(subject.name)")
            let second = try store.addContactOnce(tokenID: token.id!, key: "key-1", requestHash: "hash-1", contact: contact, answer: answer)
            #expect(second.replayed && second.result == first.result, "\(subject.name): the stored answer, bytes and all")
            #expect(answered == [1], "\(subject.name): answered once, with the stored contact's id")

            // Another key for the same contact updates it in place (the same id).
            var changed = contact
            changed.summary = "Teruggebeld"
            let third = try store.addContactOnce(tokenID: token.id!, key: "key-2", requestHash: "hash-2", contact: changed, answer: answer)
            #expect(!third.replayed && answered == [1, 1], "\(subject.name)")
            // Another token with the same key is a request of its own.
            let other = try store.insertToken(ApiToken(name: "app", scopes: [.contactsWrite], tokenHash: String(repeating: "b", count: 64),
                                                       createdAt: Date()))
            var later = contact
            later.at = later.at.addingTimeInterval(60)
            let fourth = try store.addContactOnce(tokenID: other.id!, key: "key-1", requestHash: "hash-1", contact: later, answer: answer)
            // (Its id is 2 in SQLite, 3 in PostgreSQL, whose identity the upsert above used up.)
            #expect(!fourth.replayed && answered.count == 3 && answered[2] != nil && answered[2] != 1, "\(subject.name)")
            let contacts = try subject.contactSummaries()
            #expect(contacts == ["Teruggebeld", "Gebeld"], "\(subject.name)")
            results[subject.name] = contacts + [String(decoding: second.result.body, as: UTF8.self)]
        }
        #expect(results["postgres"] == results["sqlite"])
    }

    // MARK: - Health and keys

    @Test func theStorePingsProbesAndKeepsItsSecrets() throws {
        var results: [String: Bool] = [:]
        for subject in try Subject.both() {
            let store = subject.store
            try store.ping()
            try store.probeWrite(timeout: 1)
            let csrf = try store.secret(named: "csrf")
            #expect(csrf.count == 32, "\(subject.name)")
            #expect(try store.secret(named: "csrf") == csrf, "\(subject.name): made once")
            let other = try store.secret(named: "other")
            #expect(other.count == 32 && other != csrf, "\(subject.name): a key of its own per name")
            #expect(Set(csrf).count > 8, "\(subject.name): random bytes")
            results[subject.name] = try store.secret(named: "csrf") == csrf
        }
        #expect(results == ["sqlite": true, "postgres": true])
    }

    // MARK: - PostgreSQL only: several instances, refused probes

    @Test func instancesShareOneSecretMadeOnce() throws {
        let address = try TestPostgres.server().newDatabase()
        let instances = try (0..<4).map { _ in try PostgresStore(address: address, connections: 2) }
        let found = LockedBox<[[UInt8]]>([])
        let threads = instances.map { instance in Thread { if let key = try? instance.secret(named: "csrf") { found.update { $0.append(key) } } } }
        threads.forEach { $0.start() }
        let deadline = Date().addingTimeInterval(30)
        while found.value.count < 4 && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        #expect(found.value.count == 4)
        #expect(Set(found.value).count == 1, "every instance has the same key")
        #expect(try instances[0].query("SELECT count(*) AS n FROM secret").first?.int("n") == 1)
        // A later start reads the same key.
        #expect(try PostgresStore(address: address, connections: 1).secret(named: "csrf") == found.value.first)
    }

    @Test func aCodeUsedByTwoInstancesAtOnceEnrolsOneBrowser() throws {
        let address = try TestPostgres.server().newDatabase()
        let instances = try (0..<6).map { _ in try PostgresStore(address: address, connections: 1) }
        try instances[0].insertBranch(Branch(code: "centrum", name: "Centrum"))
        let kiosk = try instances[0].insertKiosk(Kiosk(name: "kiosk-1", branchCode: "centrum", kind: .customer, createdAt: Date()))
        // A time that survives the trip through seconds since 1970 (a Date() read back may be a tick later than `now`).
        let now = Date(timeIntervalSince1970: 1_900_000_000)
        try instances[0].addEnrolmentCode(kioskID: kiosk.id!, codeHash: KioskRules.hash("ACDEFGHJ"), at: now)
        let enrolled = LockedBox(0), refused = LockedBox(0), failed = LockedBox(0)
        for (index, instance) in instances.enumerated() {
            Thread {
                do {
                    let got = try instance.enrol(codeHash: KioskRules.hash("ACDEFGHJ"), credentialHash: KioskRules.hash("device-\(index)"), now: now)
                    (got == nil ? refused : enrolled).update { $0 += 1 }
                } catch { failed.update { $0 += 1 } }
            }.start()
        }
        let deadline = Date().addingTimeInterval(30)
        while enrolled.value + refused.value + failed.value < 6 && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        #expect(enrolled.value == 1 && refused.value == 5 && failed.value == 0, "\(enrolled.value) \(refused.value) \(failed.value)")
        #expect(try instances[0].query("SELECT count(*) AS n FROM kiosk_credential").first?.int("n") == 1)
    }

    @Test func twoInstancesAddingOneBranchOrOneKeyAtOnceStoreIt() throws {
        let address = try TestPostgres.server().newDatabase()
        let instances = try (0..<6).map { _ in try PostgresStore(address: address, connections: 1) }
        let customer = try instances[0].write { connection in
            try connection.rows("INSERT INTO customer (number, given_name, family_name) VALUES ('100001', 'Jan', 'Jansen') RETURNING id").first!.int64("id")!
        }
        let token = try instances[0].insertToken(ApiToken(name: "crm", scopes: [.contactsWrite], tokenHash: String(repeating: "a", count: 64),
                                                          createdAt: Date()))
        let contact = Contact(customerID: customer, channel: .phone, at: Date(), topic: "Toeslag", summary: "Gebeld", outcome: "", sourceSystem: "crm")
        let added = LockedBox(0), taken = LockedBox(0), fresh = LockedBox(0), replayed = LockedBox(0), failed = LockedBox(0), done = LockedBox(0)
        for instance in instances {
            Thread {
                do {
                    try instance.insertBranch(Branch(code: "west", name: "West"))
                    added.update { $0 += 1 }
                } catch BranchRules.Problem.codeTaken {
                    taken.update { $0 += 1 }
                } catch { failed.update { $0 += 1 } }
                do {
                    let outcome = try instance.addContactOnce(tokenID: token.id!, key: "key-1", requestHash: "h", contact: contact) { stored in
                        IdempotentResult(requestHash: "h", status: 201, body: Array("\(stored.id ?? 0)".utf8))
                    }
                    (outcome.replayed ? replayed : fresh).update { $0 += 1 }
                } catch { failed.update { $0 += 1 } }
                done.update { $0 += 1 }
            }.start()
        }
        let deadline = Date().addingTimeInterval(30)
        while done.value < 6 && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        #expect(failed.value == 0)
        #expect(added.value == 1 && taken.value == 5, "one branch, the others told its code is taken")
        #expect(fresh.value == 1 && replayed.value == 5, "one contact, the others get its answer")
        #expect(try instances[0].allBranches().map(\.code) == ["west"])
        #expect(try instances[0].query("SELECT count(*) AS n FROM idempotent_request").first?.int("n") == 1)
    }

    @Test func aProbeThatCannotWriteIsRefusedWithinItsTimeout() throws {
        let store = try TestPostgres.store(connections: 1)
        // Another session holds the table the probe writes to: the probe gives up after its timeout, as busy.
        let holder = try PostgresConnection(address: store.pool.address, statementTimeoutMilliseconds: 30_000)
        try holder.execute("BEGIN")
        try holder.execute("LOCK TABLE secret IN ACCESS EXCLUSIVE MODE")
        let started = Date()
        let error = #expect(throws: PostgresError.self) { try store.probeWrite(timeout: 0.3) }
        #expect(error.flatMap { StorageProblem.of($0) } == .busy)
        #expect(Date().timeIntervalSince(started) < 3)
        try holder.execute("ROLLBACK")
        try store.probeWrite(timeout: 1)
        // The timeout was for the probe's transaction only: the connection's own is back.
        #expect(try store.query("SHOW statement_timeout").first?.string("statement_timeout") == "10s")
        // A read-only session (as on a standby): refused as read-only.
        _ = try store.pool.withConnection { try $0.execute("SET default_transaction_read_only = on") }
        let readOnly = #expect(throws: PostgresError.self) { try store.probeWrite(timeout: 1) }
        #expect(readOnly.flatMap { StorageProblem.of($0) } == .readOnly)
        try store.ping()
        _ = try store.pool.withConnection { try $0.execute("SET default_transaction_read_only = off") }
        try store.probeWrite(timeout: 1)
    }
}

fileprivate extension StoreUnderTest {
    var store: any BranchRepository & ApiTokenRepository & MaintenanceRepository { recordStore }

    func addCustomer(_ number: String) throws -> Int64 {
        switch self {
        case .sqlite(let database):
            return try database.writer.write { db in
                try db.execute(sql: "INSERT INTO customer (number, given_name, family_name) VALUES (?, 'Jan', 'Jansen')", arguments: [number])
                return db.lastInsertedRowID
            }
        case .postgres(let store):
            return try store.write { connection in
                try connection.rows("INSERT INTO customer (number, given_name, family_name) VALUES ($1, 'Jan', 'Jansen') RETURNING id",
                                    [number]).first!.int64("id")!
            }
        }
    }

    /// The summary of every contact, by id.
    func contactSummaries() throws -> [String] {
        switch self {
        case .sqlite(let database):
            return try database.writer.read { db in try String.fetchAll(db, sql: "SELECT summary FROM contact ORDER BY id") }
        case .postgres(let store):
            return try store.query("SELECT summary FROM contact ORDER BY id").map { $0.string("summary") }
        }
    }
}
