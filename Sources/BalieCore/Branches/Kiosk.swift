import Foundation

/// A device in a branch: a customer kiosk, a staff desk, or a waiting-room display. An enrolled
/// browser carries the kiosk's device credential; everything done from it records this kiosk and its branch.
public struct Kiosk: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable, Codable {
        /// Customer mode: start screen, topics, tickets, calling staff, remote help.
        case customer
        /// A desk where staff sign in; no customer mode.
        case staffDesk = "staff-desk"
        /// The waiting-room screen of its branch's queue.
        case display
    }

    public var id: Int64?
    public var name: String
    public var branchCode: String
    public var kind: Kind
    public var isActive: Bool
    public var createdAt: Date
    /// The last request from its browser (at most a minute off), so that a kiosk that went dark is noticed.
    public var lastSeenAt: Date?

    public init(id: Int64? = nil, name: String, branchCode: String, kind: Kind, isActive: Bool = true, createdAt: Date,
                lastSeenAt: Date? = nil) {
        self.id = id
        self.name = name
        self.branchCode = branchCode
        self.kind = kind
        self.isActive = isActive
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
    }
}

/// Enrolment: an admin creates a kiosk and gets a one-time code; typed into `/enrol` on the kiosk's
/// browser, it becomes a long-lived device credential. Only hashes of both are stored.
public enum KioskRules {
    public static let nameLength = 1...64
    /// How long an enrolment code can be used.
    public static let enrolmentLifetime: TimeInterval = 15 * 60
    /// Letters and digits that cannot be mistaken for one another when read aloud or typed (no 0/O, 1/I/L, 2/Z, 5/S, 8/B).
    public static let codeAlphabet = Array("ACDEFGHJKMNPQRTUVWXY34679")
    public static let codeLength = 8
    /// A kiosk's last-seen time is written at most this often.
    public static let lastSeenPrecision: TimeInterval = 60

    public enum Problem: Error, Equatable, Sendable {
        case nameInvalid
        case nameTaken
        case unknownKiosk
        /// Unknown, expired or already used: the same answer for all three.
        case codeNotValid
    }

    public static func name(_ text: String) throws(Problem) -> String {
        let name = text.trimmingCharacters(in: .whitespaces)
        guard nameLength.contains(name.count), !name.contains("/"),
            !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw .nameInvalid }
        return name
    }

    /// A new code, grouped for reading aloud: "K7QM-3XVA".
    public static func newCode(using random: (Int) -> Int) -> String {
        let letters = (0..<codeLength).map { _ in codeAlphabet[random(codeAlphabet.count)] }
        return String(letters[0..<4]) + "-" + String(letters[4...])
    }

    /// What a person typed, as the code is stored: upper case, without spaces and dashes; nil when it
    /// cannot be a code.
    public static func normalizedCode(_ typed: String) -> String? {
        let letters = typed.uppercased().filter { !$0.isWhitespace && $0 != "-" }
        guard letters.count == codeLength, letters.allSatisfy(codeAlphabet.contains) else { return nil }
        return letters
    }

    /// A new code from the system's secure generator.
    public static func newCode() -> String {
        var generator = SystemRandomNumberGenerator()
        return newCode { Int.random(in: 0..<$0, using: &generator) }
    }

    /// Whether a code made at `createdAt` can still be used at `now`.
    /// How far another instance's clock (or a time read back from storage, rounded) may be behind the one
    /// that made the code: a code made "a moment from now" is still good.
    public static let clockTolerance: TimeInterval = 60

    public static func isUsable(createdAt: Date, usedAt: Date?, now: Date) -> Bool {
        let age = now.timeIntervalSince(createdAt)
        return usedAt == nil && age >= -clockTolerance && age < enrolmentLifetime
    }
}

/// What storage offers for branches, kiosks and their enrolment.
public protocol BranchRepository: Sendable {
    @discardableResult func insertBranch(_ branch: Branch) throws -> Branch
    func updateBranch(_ branch: Branch) throws
    func branch(code: String) throws -> Branch?
    func allBranches() throws -> [Branch]

    @discardableResult func insertKiosk(_ kiosk: Kiosk) throws -> Kiosk
    func kiosk(id: Int64) throws -> Kiosk?
    func kiosk(name: String, branchCode: String) throws -> Kiosk?
    func allKiosks() throws -> [Kiosk]
    /// Deactivates the kiosk and forgets its device credentials and open codes: its browser's next request is refused.
    func revokeKiosk(id: Int64) throws
    func touchKiosk(id: Int64, at: Date) throws

    /// Stores a new enrolment code (its hash) for a kiosk; earlier unused codes of that kiosk stop working.
    func addEnrolmentCode(kioskID: Int64, codeHash: String, at: Date) throws
    /// Uses a code once: when it is usable, marks it used, stores the device credential's hash and returns the kiosk.
    func enrol(codeHash: String, credentialHash: String, now: Date) throws -> Kiosk?
    /// Adds a device credential directly (the launcher's per-kiosk secret, the single-kiosk shortcut).
    func addKioskCredential(kioskID: Int64, credentialHash: String, at: Date) throws
    /// The active kiosk a device credential belongs to.
    func kiosk(credentialHash: String) throws -> Kiosk?
}
