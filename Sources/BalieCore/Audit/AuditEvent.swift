import Foundation

/// One row of the audit trail: who did what, when, from where. Never a password, a token, or more
/// personal data than the action needs.
public struct AuditEvent: Sendable, Equatable {
    public enum Action: String, Sendable, CaseIterable {
        case signIn = "sign-in"
        case signInFailed = "sign-in-failed"
        case signInThrottled = "sign-in-throttled"
        case signOut = "sign-out"
        case lock = "lock"
        case sessionExpired = "session-expired"
        case staffCreated = "staff-created"
        case staffDisabled = "staff-disabled"
        case staffEnabled = "staff-enabled"
        case passwordReset = "password-reset"
        /// Own password changed on /account/password; the person's other sessions ended.
        case passwordChanged = "password-changed"
        /// A wrong current password on /account/password (counts towards the sign-in throttle).
        case passwordChangeFailed = "password-change-failed"
        case customerViewed = "customer-viewed"
        case contactsViewed = "contacts-viewed"
        case customerSearched = "customer-searched"
        case consentRecorded = "consent-recorded"
        case customersImported = "customers-imported"
        case contactsImported = "contacts-imported"
        case customerExported = "customer-exported"
        case auditViewed = "audit-viewed"
        case sessionStarted = "session-started"
        case sessionClosed = "session-closed"
        case apiRequest = "api-request"
        case customerErased = "customer-erased"
        case purged
        case tokenCreated = "token-created"
        case tokenRevoked = "token-revoked"
        /// `balie token rotate`: a new token for a client, the old one ending after the overlap.
        case tokenRotated = "token-rotated"
        /// A bearer token refused: unknown, expired or revoked, or the address throttled (never the token itself).
        case tokenRefused = "token-refused"
        case helpRequested = "help-requested"
        case helpAccepted = "help-accepted"
        case remoteViewed = "remote-viewed"
        case remoteMessageSent = "remote-message-sent"
        case remoteStepAdded = "remote-step-added"
        case remoteNoteAdded = "remote-note-added"
        case remoteViewingEnded = "remote-viewing-ended"
        case sessionViewed = "session-viewed"
        case accessRefused = "access-refused"
        case kioskCreated = "kiosk-created"
        case kioskEnrolled = "kiosk-enrolled"
        case kioskEnrolmentRefused = "kiosk-enrolment-refused"
        case kioskRevoked = "kiosk-revoked"
        case branchSaved = "branch-saved"
        case branchSwitched = "branch-switched"
        /// A branch box's history copied into this database (`balie copy`).
        case copied
    }

    public var id: Int64?
    public var at: Date
    public var action: Action
    /// The member of staff who acted, when known.
    public var actorID: Int64?
    /// The actor's role at the time.
    public var actorRole: StaffRole?
    /// Who or what the action was about (a username, a customer number).
    public var subject: String?
    /// Kiosk name or client address.
    public var origin: String
    public var detail: String?
    /// The branch it happened in (the kiosk's, or the working branch of the person who acted); nil for
    /// what belongs to no branch (sign-ins, accounts, the command line).
    public var branch: String?
    /// Why, when the person gave a reason.
    public var reason: String?

    public init(id: Int64? = nil, at: Date, action: Action, actorID: Int64?, actorRole: StaffRole? = nil, subject: String?,
                origin: String, detail: String? = nil, reason: String? = nil, branch: String? = nil) {
        self.branch = branch
        self.id = id
        self.at = at
        self.action = action
        self.actorID = actorID
        self.subject = subject
        self.origin = origin
        self.detail = detail
        self.actorRole = actorRole
        self.reason = reason
    }
}

public protocol AuditRepository: Sendable {
    func appendAudit(_ event: AuditEvent) throws
    func recentAudit(limit: Int) throws -> [AuditEvent]
    /// Audit rows about one subject (a customer number), oldest first.
    func audit(subject: String) throws -> [AuditEvent]
    /// The rows that match a query's filters among `branches` (rows without a branch only with `.all`),
    /// newest first, with who acted.
    func auditEntries(_ query: AuditQuery, branches: BranchScope, limit: Int) throws -> [AuditEntry]
    /// Several rows in one transaction.
    func appendAudit(_ events: [AuditEvent]) throws
}
