import Foundation

/// What a member of staff may do. Every route declares the roles that may use it.
public enum StaffRole: String, CaseIterable, Sendable, Codable {
    /// Helps customers at a kiosk.
    case staff
    /// Staff, plus the insights of a branch.
    case supervisor
    /// A colleague elsewhere (contact centre) who helps a kiosk from a distance.
    case remote
    /// Manages accounts and settings.
    case admin
}

/// A staff account. The password is only ever held as an Argon2id hash.
public struct Staff: Sendable, Equatable {
    public var id: Int64?
    public var username: String
    public var fullName: String
    public var role: StaffRole
    /// Codes of the branches this person belongs to (works in, serves remotely, supervises, manages).
    public var branches: [String]
    public var grants: Set<StaffGrant>
    public var isActive: Bool
    public var passwordHash: String

    public init(id: Int64? = nil, username: String, fullName: String, role: StaffRole, branches: [String],
                grants: Set<StaffGrant> = [], isActive: Bool = true, passwordHash: String) {
        self.id = id
        self.username = username
        self.fullName = fullName
        self.role = role
        self.branches = branches
        self.grants = grants
        self.isActive = isActive
        self.passwordHash = passwordHash
    }

    /// Where this person may act: every branch with the all-branches grant, else their own.
    public var scope: BranchScope { grants.contains(.allBranches) ? .all : .only(Set(branches)) }

    /// The branch a sign-in starts in: the chosen one when it is theirs, else the first of theirs.
    public func workingBranch(choosing chosen: String?, among existing: [String]) -> String? {
        if let chosen, scope.contains(chosen), existing.contains(chosen) { return chosen }
        return branches.first { existing.contains($0) } ?? (grants.contains(.allBranches) ? existing.first : nil)
    }
}

/// Validation of what staff accounts are made of.
public enum StaffRules {
    public static let usernameLength = 2...64
    public static let fullNameLength = 1...100
    public static let branchLength = 1...64
    public static let minimumPasswordLength = 12
    /// Long enough for any passphrase, short enough that hashing cannot be used to tie up the server.
    public static let maximumPasswordLength = 256

    public enum Problem: Error, Equatable, Sendable {
        case usernameInvalid
        case fullNameInvalid
        case branchInvalid
        case passwordTooShort
        case passwordTooLong
        case passwordTooCommon
        /// One word of a dictionary, perhaps with digits or signs around it.
        case passwordDictionaryWord
        /// The person's username or (part of their) name.
        case passwordPersonal
    }

    /// Usernames are lower-case letters, digits, dots, dashes and underscores.
    public static func normalizedUsername(_ text: String) throws(Problem) -> String {
        let username = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard usernameLength.contains(username.count),
            username.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0) })
        else { throw .usernameInvalid }
        return username
    }

    public static func checkFullName(_ text: String) throws(Problem) -> String {
        let name = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard fullNameLength.contains(name.count), !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw .fullNameInvalid }
        return name
    }

    public static func checkBranch(_ text: String?) throws(Problem) -> String? {
        guard let text else { return nil }
        let branch = text.trimmingCharacters(in: .whitespaces)
        guard branchLength.contains(branch.count), !branch.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw .branchInvalid }
        return branch
    }

    /// At least 12 characters, at most 256; not a common password, not a dictionary word on its own (also
    /// with digits or signs around it), not the person's username or name. Every new password passes here:
    /// `balie staff add`, `balie staff reset-password` and the own password change.
    public static func checkPassword(_ password: String, username: String, fullName: String,
                                     refused: RefusedPasswords) throws(Problem) {
        guard password.count >= minimumPasswordLength else { throw .passwordTooShort }
        guard password.utf8.count <= maximumPasswordLength else { throw .passwordTooLong }
        let folded = RefusedPasswords.folded(password)
        let stem = RefusedPasswords.stem(folded)
        if RefusedPasswords.isPersonal(folded, stem: stem, username: username, fullName: fullName) { throw .passwordPersonal }
        // Only digits and signs, or two different characters at most: as easy to guess as a listed password.
        if stem.isEmpty || Set(folded).count <= 2 || refused.isCommon(folded, stem: stem) { throw .passwordTooCommon }
        if refused.isDictionaryWord(folded, stem: stem) { throw .passwordDictionaryWord }
    }
}
