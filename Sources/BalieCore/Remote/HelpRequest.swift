import Foundation

/// A kiosk asking a remote colleague for help. The colleague accepts, the customer is asked on the
/// kiosk screen whether this named person may follow the session, and only after "yes" does the
/// colleague see it live. Either side, or a withdrawn consent, ends it.
public struct HelpRequest: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        /// Waiting for a remote colleague.
        case open
        /// A colleague accepted; the customer has not answered yet.
        case accepted
        /// The customer said yes: the colleague follows the session.
        case active
        /// The customer said no.
        case declined
        /// Remote viewing ended (by the customer, the colleague, the kiosk, or a withdrawn consent).
        case ended
        /// The kiosk withdrew the request before anyone accepted.
        case cancelled

        public var isLive: Bool { self == .open || self == .accepted || self == .active }
    }

    public enum EndedBy: String, Sendable, CaseIterable {
        case customer
        case helper
        case kiosk
        case consentWithdrawn = "consent-withdrawn"
    }

    public var id: Int64?
    public var kiosk: String
    public var branch: String
    /// What the customer needs help with (a task's or group's name in the kiosk's language).
    public var topic: String
    public var sessionID: Int64?
    /// The member of staff at the kiosk; nil when a customer asked in customer mode.
    public var requestedBy: Int64?
    /// In customer mode, the SHA-256 of the kiosk visit that asked: only that screen may see the request.
    public var requesterKey: String?
    public var language: String
    public var status: Status
    public var createdAt: Date
    public var helperID: Int64?
    public var acceptedAt: Date?
    public var answeredAt: Date?
    public var endedAt: Date?
    public var endedBy: EndedBy?

    public init(id: Int64? = nil, kiosk: String, branch: String, topic: String, sessionID: Int64?, requestedBy: Int64?,
                requesterKey: String?, language: String, status: Status = .open, createdAt: Date, helperID: Int64? = nil,
                acceptedAt: Date? = nil, answeredAt: Date? = nil, endedAt: Date? = nil, endedBy: EndedBy? = nil) {
        self.id = id
        self.kiosk = kiosk
        self.branch = branch
        self.topic = topic
        self.sessionID = sessionID
        self.requestedBy = requestedBy
        self.requesterKey = requesterKey
        self.language = language
        self.status = status
        self.createdAt = createdAt
        self.helperID = helperID
        self.acceptedAt = acceptedAt
        self.answeredAt = answeredAt
        self.endedAt = endedAt
        self.endedBy = endedBy
    }
}

/// One line in a help request's log: every view and action of the remote colleague, the customer's
/// answer and the end. Shown on the session and kept with it.
public struct HelpEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case requested
        case accepted
        case consentGiven = "consent-given"
        case consentRefused = "consent-refused"
        case viewed
        case message
        case step
        case note
        case ended
        case cancelled
    }

    public var id: Int64?
    public var helpRequestID: Int64
    public var at: Date
    public var kind: Kind
    public var actorID: Int64?
    public var text: String

    public init(id: Int64? = nil, helpRequestID: Int64, at: Date, kind: Kind, actorID: Int64?, text: String = "") {
        self.id = id
        self.helpRequestID = helpRequestID
        self.at = at
        self.kind = kind
        self.actorID = actorID
        self.text = text
    }
}

/// What may happen to a help request, and when.
public enum HelpRules {
    /// The longest message or instruction a colleague can send to the kiosk screen.
    public static let maxMessageLength = 500
    /// How many help requests one kiosk may have waiting at once.
    public static let maxOpenPerKiosk = 3

    public enum Refusal: String, Error, Sendable, CaseIterable {
        case notOpen = "not-open"
        case notAwaitingAnswer = "not-awaiting-answer"
        case notActive = "not-active"
        case notYourRequest = "not-your-request"
        case alreadyEnded = "already-ended"
        case messageEmpty = "message-empty"
        case messageTooLong = "message-too-long"
        case noSession = "no-session"
        case tooManyOpen = "too-many-open"

        /// The key of the translated text.
        public var key: String { rawValue.replacingOccurrences(of: "-", with: "_") }
    }

    public static func checkRequest(openAtKiosk: Int) throws(Refusal) {
        guard openAtKiosk < maxOpenPerKiosk else { throw .tooManyOpen }
    }

    public static func accept(_ request: HelpRequest, helperID: Int64, at: Date) throws(Refusal) -> HelpRequest {
        guard request.status == .open else { throw .notOpen }
        var accepted = request
        accepted.status = .accepted
        accepted.helperID = helperID
        accepted.acceptedAt = at
        return accepted
    }

    public static func answer(_ request: HelpRequest, yes: Bool, at: Date) throws(Refusal) -> HelpRequest {
        guard request.status == .accepted else { throw .notAwaitingAnswer }
        var answered = request
        answered.status = yes ? .active : .declined
        answered.answeredAt = at
        return answered
    }

    /// Ends remote viewing (or withdraws a request nobody accepted yet).
    public static func end(_ request: HelpRequest, by: HelpRequest.EndedBy, at: Date) throws(Refusal) -> HelpRequest {
        guard request.status.isLive else { throw .alreadyEnded }
        var ended = request
        ended.status = request.status == .open ? .cancelled : .ended
        ended.endedAt = at
        ended.endedBy = by
        return ended
    }

    /// The colleague may act (send, add steps and notes) only on an active request they accepted.
    public static func checkHelperAction(_ request: HelpRequest, helperID: Int64) throws(Refusal) {
        guard request.helperID == helperID else { throw .notYourRequest }
        guard request.status == .active else { throw .notActive }
    }

    public static func checkSessionChange(_ request: HelpRequest, helperID: Int64) throws(Refusal) {
        try checkHelperAction(request, helperID: helperID)
        guard request.sessionID != nil else { throw .noSession }
    }

    /// A message for the kiosk screen: trimmed, not empty, at most `maxMessageLength` characters.
    public static func message(_ text: String) throws(Refusal) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .messageEmpty }
        guard trimmed.count <= maxMessageLength else { throw .messageTooLong }
        return trimmed
    }
}

public protocol HelpRequestRepository: Sendable {
    func createHelpRequest(_ request: HelpRequest) throws -> HelpRequest
    func helpRequest(id: Int64) throws -> HelpRequest?
    /// Stores a changed request together with its log line.
    func updateHelpRequest(_ request: HelpRequest, event: HelpEvent) throws
    func helpEvents(requestID: Int64) throws -> [HelpEvent]
    /// Requests waiting for a remote colleague, oldest first.
    func openHelpRequests(branches: BranchScope) throws -> [HelpRequest]
    /// Newest first, a page at a time (the API).
    func helpRequestList(status: HelpRequest.Status?, branches: BranchScope, beforeID: Int64?, limit: Int) throws -> [HelpRequest]
    /// The live request (open, accepted or active) of a session.
    func liveHelpRequest(sessionID: Int64) throws -> HelpRequest?
    func liveHelpRequests(helperID: Int64) throws -> [HelpRequest]
    func liveHelpRequests(customerID: Int64) throws -> [HelpRequest]
    /// Waiting requests, of one kiosk or branch when named.
    func openHelpRequestCount(kiosk: String?, branch: String?) throws -> Int
    /// A line of a request's log with its audit row, in one transaction.
    func logHelpEvent(_ event: HelpEvent, audit: AuditEvent) throws
    /// A step or note that a remote colleague adds to the session, with its log line and audit row.
    func addHelperStep(sessionID: Int64, _ step: SessionStep, event: HelpEvent, audit: AuditEvent) throws
    func addHelperNote(sessionID: Int64, _ note: SessionNote, event: HelpEvent, audit: AuditEvent) throws
    /// A changed request with its log line, its audit row and a consent it records, in one transaction.
    func updateHelpRequest(_ request: HelpRequest, event: HelpEvent, audit: AuditEvent?, consent: Consent?) throws
    /// The live requests asked from one browser visit.
    func liveHelpRequests(requesterKey: String) throws -> [HelpRequest]
}
