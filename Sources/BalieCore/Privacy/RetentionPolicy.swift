import Foundation

/// How long data stays: sessions stay linked to the customer (personal) for `sessionsPersonalDays`,
/// then are anonymised; audit rows are kept `auditDays`; queue tickets `ticketDays`.
public struct RetentionPolicy: Sendable, Equatable {
    public var sessionsPersonalDays = 365
    public var auditDays = 730
    public var ticketDays = 30

    public init() {}

    public func cutoffs(now: Date) -> (sessions: Date, audit: Date, tickets: Date) {
        (now.addingTimeInterval(-Double(sessionsPersonalDays) * 86_400),
         now.addingTimeInterval(-Double(auditDays) * 86_400),
         now.addingTimeInterval(-Double(ticketDays) * 86_400))
    }
}

/// What a purge did, or would do in a dry run.
public struct PurgeReport: Sendable, Equatable, CustomStringConvertible {
    public var sessionsAnonymised: Int
    public var auditRowsDeleted: Int
    public var ticketsDeleted: Int
    /// Help requests made in customer mode (no session to keep them with), kept as long as tickets.
    public var helpRequestsDeleted: Int

    public init(sessionsAnonymised: Int, auditRowsDeleted: Int, ticketsDeleted: Int, helpRequestsDeleted: Int = 0) {
        self.sessionsAnonymised = sessionsAnonymised
        self.auditRowsDeleted = auditRowsDeleted
        self.ticketsDeleted = ticketsDeleted
        self.helpRequestsDeleted = helpRequestsDeleted
    }

    public var description: String {
        "\(sessionsAnonymised) sessions anonymised, \(auditRowsDeleted) audit rows deleted, \(ticketsDeleted) tickets deleted, \(helpRequestsDeleted) help requests deleted"
    }
}

/// Applying the retention policy. With several instances on one database, one purge runs at a time: a
/// store may answer an empty report when another instance is purging just then.
public protocol RetentionRepository: Sendable {
    /// A dry run counts what would go and changes nothing.
    func purge(policy: RetentionPolicy, now: Date, dryRun: Bool) throws -> PurgeReport
}
