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
    }

    public var id: Int64?
    public var at: Date
    public var action: Action
    /// The member of staff who acted, when known.
    public var actorID: Int64?
    /// Who or what the action was about (a username, a customer number).
    public var subject: String?
    /// Kiosk name or client address.
    public var origin: String
    public var detail: String?

    public init(id: Int64? = nil, at: Date, action: Action, actorID: Int64?, subject: String?, origin: String,
                detail: String? = nil) {
        self.id = id
        self.at = at
        self.action = action
        self.actorID = actorID
        self.subject = subject
        self.origin = origin
        self.detail = detail
    }
}

public protocol AuditRepository: Sendable {
    func appendAudit(_ event: AuditEvent) throws
    func recentAudit(limit: Int) throws -> [AuditEvent]
}
