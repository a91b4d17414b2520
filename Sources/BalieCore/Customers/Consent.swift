import Foundation

/// A customer's yes or no to one use of their data. The latest entry per purpose counts; earlier ones
/// stay as history.
public struct Consent: Sendable, Equatable {
    public enum Purpose: String, CaseIterable, Sendable, Codable {
        /// Log assisted sessions into the shared record.
        case sessionLog = "session-log"
        /// A remote colleague may follow a kiosk session.
        case remoteViewing = "remote-viewing"
        /// The organisation may contact them to follow up.
        case followUp = "follow-up"
        /// Details may go to a referral partner.
        case partnerSharing = "partner-sharing"
    }

    public enum Method: String, CaseIterable, Sendable, Codable {
        case inPerson = "in-person"
        case onScreen = "on-screen"
        case paper, phone
    }

    public var id: Int64?
    public var customerID: Int64
    public var purpose: Purpose
    public var given: Bool
    public var at: Date
    /// The member of staff who recorded it.
    public var recordedBy: Int64?
    public var method: Method

    public init(id: Int64? = nil, customerID: Int64, purpose: Purpose, given: Bool, at: Date, recordedBy: Int64?, method: Method) {
        self.id = id
        self.customerID = customerID
        self.purpose = purpose
        self.given = given
        self.at = at
        self.recordedBy = recordedBy
        self.method = method
    }
}
