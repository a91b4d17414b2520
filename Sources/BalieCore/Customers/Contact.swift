import Foundation

/// A channel of the omnichannel history.
public enum Channel: String, CaseIterable, Sendable, Codable {
    case phone, email, chat, app, web, letter, branch
    case kioskAssisted = "kiosk-assisted"
    case remoteAssisted = "remote-assisted"
}

/// One entry of a customer's history on any channel.
public struct Contact: Sendable, Equatable {
    public var id: Int64?
    public var customerID: Int64
    public var channel: Channel
    public var at: Date
    public var topic: String
    public var summary: String
    public var outcome: String
    public var sourceSystem: String

    public init(id: Int64? = nil, customerID: Int64, channel: Channel, at: Date, topic: String, summary: String,
                outcome: String, sourceSystem: String) {
        self.id = id
        self.customerID = customerID
        self.channel = channel
        self.at = at
        self.topic = topic
        self.summary = summary
        self.outcome = outcome
        self.sourceSystem = sourceSystem
    }
}

/// What the organisation sent to the customer's digital inbox.
public struct Message: Sendable, Equatable {
    public var id: Int64?
    public var customerID: Int64
    public var title: String
    public var sentAt: Date
    public var isImportant: Bool
    public var isRead: Bool

    public init(id: Int64? = nil, customerID: Int64, title: String, sentAt: Date, isImportant: Bool, isRead: Bool) {
        self.id = id
        self.customerID = customerID
        self.title = title
        self.sentAt = sentAt
        self.isImportant = isImportant
        self.isRead = isRead
    }
}

/// Something promised to the customer that is not done yet.
public struct FollowUp: Sendable, Equatable {
    public var id: Int64?
    public var customerID: Int64
    public var description: String
    public var due: Date
    public var channel: PreferredChannel
    public var isDone: Bool

    public init(id: Int64? = nil, customerID: Int64, description: String, due: Date, channel: PreferredChannel, isDone: Bool = false) {
        self.id = id
        self.customerID = customerID
        self.description = description
        self.due = due
        self.channel = channel
        self.isDone = isDone
    }
}
