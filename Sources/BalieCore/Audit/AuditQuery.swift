import Foundation

/// Which rows of the audit trail to show: filters that may be combined, one page at a time, newest first.
public struct AuditQuery: Sendable, Equatable {
    /// Rows about this customer (their number is the row's subject).
    public var customerNumber: String?
    /// Rows of what this member of staff did.
    public var staffUsername: String?
    /// From this moment on (included).
    public var from: Date?
    /// Up to this moment (not included).
    public var until: Date?
    /// Only rows older than this one: the next page.
    public var beforeID: Int64?

    public init(customerNumber: String? = nil, staffUsername: String? = nil, from: Date? = nil, until: Date? = nil,
                beforeID: Int64? = nil) {
        self.customerNumber = customerNumber
        self.staffUsername = staffUsername
        self.from = from
        self.until = until
        self.beforeID = beforeID
    }

    /// The filters as the detail of the `audit-viewed` row. The customer number is left out: it is the row's
    /// subject, which erasure replaces, so a detail must never hold it.
    public var auditDetail: String {
        var parts: [String] = []
        if customerNumber != nil { parts.append("customer=subject") }
        if let staffUsername { parts.append("staff=\(staffUsername)") }
        if let from { parts.append("from=\(Self.timestamp(from))") }
        if let until { parts.append("until=\(Self.timestamp(until))") }
        if let beforeID { parts.append("before=\(beforeID)") }
        return parts.isEmpty ? "all" : parts.joined(separator: " ")
    }

    private static func timestamp(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }
}

/// One row of the audit trail with the account of the member of staff who acted (nil for the command
/// line, the API, or an account that no longer exists).
public struct AuditEntry: Sendable, Equatable {
    public var event: AuditEvent
    public var staffUsername: String?
    public var staffName: String?

    public init(event: AuditEvent, staffUsername: String?, staffName: String?) {
        self.event = event
        self.staffUsername = staffUsername
        self.staffName = staffName
    }
}
