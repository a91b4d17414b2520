import Foundation

/// What erasing a customer changed.
public struct Erasure: Sendable, Equatable {
    public let contacts: Int
    public let sessionsAnonymised: Int
    public let auditRowsPseudonymised: Int

    public init(contacts: Int, sessionsAnonymised: Int, auditRowsPseudonymised: Int) {
        self.contacts = contacts
        self.sessionsAnonymised = sessionsAnonymised
        self.auditRowsPseudonymised = auditRowsPseudonymised
    }
}

/// The store's own health and keys.
public protocol MaintenanceRepository: Sendable {
    /// A read that reaches the database.
    func ping() throws
    /// A write that reaches the disk (or the database server) within `timeout` seconds, or throws.
    func probeWrite(timeout: TimeInterval) throws
    /// A random key kept in the store under `name`, made on first use (the same for every instance).
    func secret(named name: String) throws -> [UInt8]
    /// How long commits take, and how many writes failed.
    var commits: CommitStatistics { get }
}

/// A customer's right of access and right to erasure (AVG art. 15 and 17).
public protocol PrivacyRepository: Sendable {
    /// Everything stored about a customer, section by section (the JSON download and the access page).
    func exportCustomer(number: String) throws -> ExportRecord?
    /// Erases a customer; their sessions stay as anonymous statistics; nil when there is no such customer.
    func eraseCustomer(number: String, audit: AuditEvent) throws -> Erasure?
}

/// Everything the application asks of storage, as one interface: BalieWeb holds `any RecordStore` and never
/// knows which store (SQLite on a branch box, PostgreSQL centrally) answers.
public protocol RecordStore: CustomerRepository, SessionRepository, StaffRepository, ApiTokenRepository, QueueRepository,
    StaffCallRepository, HelpRequestRepository, InsightRepository, BranchRepository, AuditRepository, MaintenanceRepository,
    PrivacyRepository, RetentionRepository, AnyObject {}

extension SessionRepository {
    /// A session with its tasks, steps and notes.
    public func session(id: Int64) throws -> AssistedSession? { try session(id: id, details: true) }
}
