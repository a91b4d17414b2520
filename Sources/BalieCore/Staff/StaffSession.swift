import Foundation

/// A signed-in member of staff on one device. The token itself lives only in the browser's cookie;
/// storage keeps its SHA-256 hash.
public struct StaffSession: Sendable, Equatable {
    public var tokenHash: String
    public var staffID: Int64
    public var createdAt: Date
    public var lastSeenAt: Date
    public var clientAddress: String
    /// The branch this person works in during this session (switched on the staff page).
    public var workingBranch: String?

    public init(tokenHash: String, staffID: Int64, createdAt: Date, lastSeenAt: Date, clientAddress: String, workingBranch: String? = nil) {
        self.tokenHash = tokenHash
        self.workingBranch = workingBranch
        self.staffID = staffID
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.clientAddress = clientAddress
    }
}

/// How long a session lives: it ends after `idleTimeout` without a request, and after
/// `absoluteTimeout` whatever happens.
public struct SessionPolicy: Sendable, Equatable {
    public var idleTimeout: TimeInterval = 15 * 60
    public var absoluteTimeout: TimeInterval = 10 * 60 * 60
    /// Warn this long before the idle timeout ends (WCAG 2.2.1 asks for at least 20 seconds).
    public var warningBefore: TimeInterval = 2 * 60

    public init() {}

    public enum State: Equatable, Sendable { case active, idleExpired, absoluteExpired }

    public func state(of session: StaffSession, at now: Date) -> State {
        if now.timeIntervalSince(session.createdAt) >= absoluteTimeout { return .absoluteExpired }
        if now.timeIntervalSince(session.lastSeenAt) >= idleTimeout { return .idleExpired }
        return .active
    }

    /// Seconds until the session ends by either limit.
    public func secondsLeft(of session: StaffSession, at now: Date) -> Int {
        let idle = idleTimeout - now.timeIntervalSince(session.lastSeenAt)
        let absolute = absoluteTimeout - now.timeIntervalSince(session.createdAt)
        return max(0, Int(min(idle, absolute)))
    }
}

/// Limits on guessing passwords.
public struct SignInThrottle: Sendable, Equatable {
    /// Failures for one username before it must wait.
    public var maxFailuresPerUsername = 5
    /// Failures from one client address, over all usernames, before it must wait.
    public var maxFailuresPerAddress = 20
    /// How long the wait lasts, and how far back failures count.
    public var window: TimeInterval = 15 * 60

    public init() {}

    public func isLocked(failuresForUsername: Int, failuresFromAddress: Int) -> Bool {
        failuresForUsername >= maxFailuresPerUsername || failuresFromAddress >= maxFailuresPerAddress
    }
}

/// What storage offers for staff accounts, sessions and sign-in failures.
public protocol StaffRepository: Sendable {
    @discardableResult func insertStaff(_ staff: Staff) throws -> Staff
    func updateStaff(_ staff: Staff) throws
    func staff(username: String) throws -> Staff?
    func staff(id: Int64) throws -> Staff?
    func allStaff() throws -> [Staff]

    func insertSession(_ session: StaffSession) throws
    func session(tokenHash: String) throws -> StaffSession?
    func touchSession(tokenHash: String, at: Date) throws
    func setWorkingBranch(tokenHash: String, branch: String) throws
    /// Sets the branches and grants of an account.
    func setBranches(staffID: Int64, branches: [String], grants: Set<StaffGrant>) throws
    /// Sign-in failures older than this are no longer needed for throttling; returns how many went.
    @discardableResult func deleteSignInFailures(before: Date) throws -> Int
    func deleteSession(tokenHash: String) throws
    func deleteSessions(staffID: Int64) throws
    /// Sets a new password hash and ends every session of the account but the one named (the one that
    /// changed it), in one transaction: no other session outlives the old password.
    func changePassword(staffID: Int64, passwordHash: String, keepingSession tokenHash: String) throws
    /// Removes sessions that can no longer be used; returns how many.
    @discardableResult func deleteExpiredSessions(policy: SessionPolicy, now: Date) throws -> Int

    func recordSignInFailure(username: String, clientAddress: String, at: Date) throws
    func signInFailures(username: String, since: Date) throws -> Int
    func signInFailures(clientAddress: String, since: Date) throws -> Int
    func clearSignInFailures(username: String) throws
}
