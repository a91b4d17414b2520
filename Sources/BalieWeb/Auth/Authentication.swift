import BalieCore
import BalieHTTP
import Foundation

/// A member of staff signed in on this request.
struct SignedIn: Sendable {
    let staff: Staff
    let session: StaffSession
    let staffID: Int64

    /// The branch branch-scoped actions use (the queue, calls, new sessions at a desk): the session's
    /// choice while it is still one of theirs, else their first branch.
    var workingBranch: String? {
        if let chosen = session.workingBranch, staff.scope.contains(chosen) { return chosen }
        return staff.branches.first
    }
}

/// Who may use a route.
enum Access: Sendable {
    /// Anyone, signed in or not.
    case everyone
    /// Signed-in staff with one of these roles; others get 403, and without a session 302 to sign-in.
    case roles(Set<StaffRole>)
    /// Another channel with a bearer token that holds this scope.
    case api(ApiScope)
    /// Customer mode: only on an enrolled customer kiosk (signed-in staff may use it there too).
    case customerKiosk

    static let anyStaff = Access.roles(Set(StaffRole.allCases))
    static let admin = Access.roles([.admin])
    /// Those who help customers face to face and may open their records (remote colleagues see a
    /// record only through a session the customer agreed to).
    static let recordReaders = Access.roles([.staff, .supervisor, .admin])
}

/// Server-side staff sessions: a random 256-bit token in an `HttpOnly`, `SameSite=Strict` cookie,
/// stored only as its SHA-256 hash; idle and absolute expiry; a new token at every sign-in.
struct Authentication: Sendable {
    static let cookieName = "balie_session"

    let database: any RecordStore
    let policy: SessionPolicy
    let throttle: SignInThrottle
    let hasher: PasswordHasher
    /// Verified when the username is unknown, so that a wrong username takes as long as a wrong password.
    let decoyHash: String

    init(database: any RecordStore, policy: SessionPolicy, throttle: SignInThrottle, hasher: PasswordHasher) throws {
        self.database = database
        self.policy = policy
        self.throttle = throttle
        self.hasher = hasher
        decoyHash = try hasher.hash(SecureRandom.token())
    }

    enum Lookup {
        case none
        case expired
        case active(SignedIn)
    }

    /// The session a request's cookie names. An expired one is removed and audited.
    func lookup(_ request: Request, now: Date = Date(), origin: String) throws -> Lookup {
        guard let token = request.cookies[Self.cookieName], token.utf8.count == 43 else { return .none }
        let hash = SecretHash.of(token)
        guard let session = try database.session(tokenHash: hash) else { return .expired }
        switch policy.state(of: session, at: now) {
        case .active:
            guard let staff = try database.staff(id: session.staffID), staff.isActive else {
                try database.deleteSession(tokenHash: hash)
                return .expired
            }
            // Touch at most every few seconds: enough precision for a 15-minute timeout, far fewer writes.
            if now.timeIntervalSince(session.lastSeenAt) >= min(30, policy.idleTimeout / 10) {
                try database.touchSession(tokenHash: hash, at: now)
            }
            var touched = session
            touched.lastSeenAt = now
            return .active(SignedIn(staff: staff, session: touched, staffID: session.staffID))
        case .idleExpired, .absoluteExpired:
            try database.deleteSession(tokenHash: hash)
            try database.appendAudit(AuditEvent(at: now, action: .sessionExpired, actorID: session.staffID, subject: nil, origin: origin,
                                                branch: session.workingBranch))
            return .expired
        }
    }

    enum SignInResult {
        case success(Staff, token: String)
        case wrong
        case throttled
    }

    /// Checks a username and password, with throttling per username and per address, and audits the
    /// outcome (never the password). On success the old session, if any, ends and a new token is made.
    func signIn(username: String, password: String, request: Request, origin: String, chosenBranch: String? = nil,
                now: Date = Date()) throws -> SignInResult {
        let since = now.addingTimeInterval(-throttle.window)
        let forUsername = try database.signInFailures(username: username, since: since)
        let fromAddress = try database.signInFailures(clientAddress: request.clientAddress, since: since)
        if throttle.isLocked(failuresForUsername: forUsername, failuresFromAddress: fromAddress) {
            try database.appendAudit(AuditEvent(at: now, action: .signInThrottled, actorID: nil, subject: username, origin: origin))
            return .throttled
        }
        let account = try database.staff(username: username)
        let matches = hasher.verify(password, against: account?.passwordHash ?? decoyHash)
        guard let account, let staffID = account.id, matches, account.isActive else {
            try database.recordSignInFailure(username: username, clientAddress: request.clientAddress, at: now)
            try database.appendAudit(AuditEvent(at: now, action: .signInFailed, actorID: account?.id, subject: username, origin: origin))
            return .wrong
        }
        try database.clearSignInFailures(username: username)
        if hasher.needsRehash(account.passwordHash) {
            var upgraded = account
            upgraded.passwordHash = try hasher.hash(password)
            try database.updateStaff(upgraded)
        }
        if let old = request.cookies[Self.cookieName] { try database.deleteSession(tokenHash: SecretHash.of(old)) }
        let token = SecureRandom.token()
        let working = account.workingBranch(choosing: chosenBranch, among: try database.allBranches().map(\.code))
        try database.insertSession(StaffSession(
            tokenHash: SecretHash.of(token), staffID: staffID, createdAt: now, lastSeenAt: now,
            clientAddress: request.clientAddress, workingBranch: working))
        try database.appendAudit(AuditEvent(at: now, action: .signIn, actorID: staffID, subject: account.username, origin: origin,
                                            branch: working))
        return .success(account, token: token)
    }

    enum PasswordChange {
        case changed
        case wrong
        case throttled
    }

    /// Sets a new password (checked by the caller) when the current one is right, and ends every other session
    /// of the person. A wrong current password counts as a failed sign-in: the same throttle stops guessing
    /// through this form.
    func changePassword(_ signedIn: SignedIn, current: String, new: String, request: Request, origin: String,
                        now: Date = Date()) throws -> PasswordChange {
        let username = signedIn.staff.username, branch = signedIn.session.workingBranch
        let since = now.addingTimeInterval(-throttle.window)
        if throttle.isLocked(failuresForUsername: try database.signInFailures(username: username, since: since),
                             failuresFromAddress: try database.signInFailures(clientAddress: request.clientAddress, since: since)) {
            try database.appendAudit(AuditEvent(at: now, action: .signInThrottled, actorID: signedIn.staffID, subject: username, origin: origin,
                                                branch: branch))
            return .throttled
        }
        guard hasher.verify(current, against: signedIn.staff.passwordHash) else {
            try database.recordSignInFailure(username: username, clientAddress: request.clientAddress, at: now)
            try database.appendAudit(AuditEvent(at: now, action: .passwordChangeFailed, actorID: signedIn.staffID, subject: username,
                                                origin: origin, branch: branch))
            return .wrong
        }
        try database.changePassword(staffID: signedIn.staffID, passwordHash: try hasher.hash(new), keepingSession: signedIn.session.tokenHash)
        try database.clearSignInFailures(username: username)
        try database.appendAudit(AuditEvent(at: now, action: .passwordChanged, actorID: signedIn.staffID, subject: username, origin: origin,
                                            detail: "other sessions ended", branch: branch))
        return .changed
    }

    /// Ends the session (sign-out or lock) and audits it.
    func end(_ signedIn: SignedIn, action: AuditEvent.Action, origin: String, now: Date = Date()) throws {
        try database.deleteSession(tokenHash: signedIn.session.tokenHash)
        try database.appendAudit(AuditEvent(at: now, action: action, actorID: signedIn.staffID, subject: signedIn.staff.username, origin: origin,
                                            branch: signedIn.session.workingBranch))
    }
}
