import Foundation

/// The branches someone may act in: all of them (a central admin, a token for every branch), or a set of codes.
public enum BranchScope: Sendable, Equatable {
    case all
    case only(Set<String>)

    public func contains(_ code: String) -> Bool {
        switch self {
        case .all: true
        case .only(let codes): codes.contains(code)
        }
    }

    /// The codes, for a stored list; nil for all branches.
    public var codes: [String]? {
        switch self {
        case .all: nil
        case .only(let codes): codes.sorted()
        }
    }
}

/// Grants that reach across branches.
public enum StaffGrant: String, Sendable, CaseIterable, Codable {
    /// Central admins and supervisors: every branch.
    case allBranches = "all-branches"
    /// Reads the audit trail of every branch.
    case privacyOfficer = "privacy-officer"
}

/// Who is asking, as far as access to objects goes.
public struct Requester: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A signed-in member of staff, working in `workingBranch`.
        case staff(id: Int64, role: StaffRole, workingBranch: String?)
        /// Another channel with an API token.
        case token(name: String)
        /// A visitor at an enrolled kiosk, nobody signed in.
        case kioskVisitor
        /// Nobody known.
        case anonymous
    }

    public var kind: Kind
    /// The branches this requester may act in.
    public var branches: BranchScope
    public var grants: Set<StaffGrant>
    /// The enrolled kiosk the request came from, if any.
    public var kiosk: Kiosk?

    public init(kind: Kind, branches: BranchScope, grants: Set<StaffGrant> = [], kiosk: Kiosk? = nil) {
        self.kind = kind
        self.branches = branches
        self.grants = grants
        self.kiosk = kiosk
    }

    public var staffID: Int64? { if case .staff(let id, _, _) = kind { id } else { nil } }
    public var role: StaffRole? { if case .staff(_, let role, _) = kind { role } else { nil } }
}

/// One rule per kind of object: who may see or change it. Everything that loads an object by an id from
/// a request goes through these, so an id in a URL is never permission by itself. A refusal looks the same
/// as an object that does not exist.
public enum AccessRules {
    /// Assisted sessions, queue tickets, staff calls and insights belong to a branch: staff, supervisors
    /// and admins of that branch act on them; remote colleagues only through a help request.
    public static func mayUseBranchObject(_ requester: Requester, branch: String) -> Bool {
        switch requester.kind {
        case .staff(_, let role, _):
            return role != .remote && requester.branches.contains(branch)
        case .token:
            return requester.branches.contains(branch)
        case .kioskVisitor, .anonymous:
            return false
        }
    }

    /// A queue ticket: staff of its branch, or a visitor at a kiosk of its branch (the ticket page).
    public static func mayViewTicket(_ requester: Requester, branch: String) -> Bool {
        if let kiosk = requester.kiosk, kiosk.branchCode == branch, requester.kind == .kioskVisitor { return true }
        return mayUseBranchObject(requester, branch: branch)
    }

    /// A help request, seen from the kiosk that asked: the member of staff who asked, or the same kiosk visit.
    public static func mayFollowAsKiosk(_ requester: Requester, _ help: HelpRequest, visitMatches: Bool) -> Bool {
        if let requestedBy = help.requestedBy { return requester.staffID == requestedBy }
        guard requester.kind == .kioskVisitor, let kiosk = requester.kiosk, kiosk.name == help.kiosk, kiosk.branchCode == help.branch
        else { return false }
        return visitMatches
    }

    /// Open help requests a remote colleague may see and accept: those of branches they serve, never their own.
    public static func mayAccept(_ requester: Requester, _ help: HelpRequest) -> Bool {
        guard case .staff(let id, let role, _) = requester.kind, role == .remote || role == .supervisor else { return false }
        return requester.branches.contains(help.branch) && help.requestedBy != id
    }

    /// The colleague who accepted a request, while they still serve its branch.
    public static func mayHelp(_ requester: Requester, _ help: HelpRequest) -> Bool {
        guard let id = requester.staffID, help.helperID == id else { return false }
        return requester.branches.contains(help.branch)
    }

    /// Help requests an API token may read.
    public static func mayReadHelpRequest(_ requester: Requester, _ help: HelpRequest) -> Bool {
        guard case .token = requester.kind else { return false }
        return requester.branches.contains(help.branch)
    }

    /// Audit rows of a branch: its supervisors and admins; every branch for a privacy officer. Rows
    /// without a branch (sign-ins, accounts, the command line) are for all-branch admins and privacy officers.
    public static func auditScope(_ requester: Requester) -> BranchScope {
        if requester.grants.contains(.privacyOfficer) { return .all }
        return requester.branches
    }

    /// Kiosks and branches are managed by admins of their branch.
    public static func mayManage(_ requester: Requester, branch: String) -> Bool {
        guard requester.role == .admin else { return false }
        return requester.branches.contains(branch)
    }
}
