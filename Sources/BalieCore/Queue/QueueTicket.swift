import Foundation

/// A walk-in ticket. Holds no personal data.
public struct QueueTicket: Sendable, Equatable {
    public enum Status: String, Sendable, Codable, CaseIterable {
        case waiting, called, serving, done
        case noShow = "no-show"
        /// Not served before closing.
        case expired
    }

    public var id: Int64?
    public var branch: String
    /// The day the ticket belongs to ("2026-11-23"); numbers restart each day.
    public var day: String
    public var number: Int
    public var group: TaskGroup
    public var priority: Bool
    public var status: Status
    public var createdAt: Date
    public var calledAt: Date?
    public var calledBy: Int64?
    public var desk: String?
    public var sessionID: Int64?

    public init(id: Int64? = nil, branch: String, day: String, number: Int, group: TaskGroup, priority: Bool, status: Status = .waiting,
                createdAt: Date, calledAt: Date? = nil, calledBy: Int64? = nil, desk: String? = nil, sessionID: Int64? = nil,
                code: String? = nil) {
        self.id = id
        self.branch = branch
        self.day = day
        self.number = number
        self.group = group
        self.priority = priority
        self.status = status
        self.createdAt = createdAt
        self.calledAt = calledAt
        self.calledBy = calledBy
        self.desk = desk
        self.sessionID = sessionID
        self.code = code ?? Self.code(group: group, number: number)
    }

    /// What people see and hear: the letter of the group it was taken for and the number ("B-12").
    public var code: String

    public static func code(group: TaskGroup, number: Int) -> String { "\(QueueRules.letter(for: group))-\(number)" }
}

/// Rules of the walk-in queue.
public enum QueueRules {
    /// Minutes a service takes when there is no recent history to go by.
    public static let defaultServiceMinutes = 10.0

    public static func letter(for group: TaskGroup) -> String {
        switch group {
        case .digitalGovernment: "D"
        case .banking: "B"
        case .libraryLearning: "L"
        case .other: "A"
        }
    }

    /// An honest estimate: a range around people ahead × recent service time ÷ staff on duty, rounded to
    /// 5 minutes; nil when the person is next.
    public static func waitRange(peopleAhead: Int, serviceMinutes: Double?, staffOnDuty: Int) -> (low: Int, high: Int)? {
        guard peopleAhead > 0 else { return nil }
        let minutes = Double(peopleAhead) * (serviceMinutes ?? defaultServiceMinutes) / Double(max(1, staffOnDuty))
        func round5(_ value: Double) -> Int { max(5, Int((value / 5).rounded()) * 5) }
        let low = round5(minutes * 0.7), high = max(round5(minutes * 1.4), low + 5)
        return (low, high)
    }
}

public protocol QueueRepository: Sendable {
    /// A new ticket with the next number of the day at the branch.
    func takeTicket(branch: String, day: String, group: TaskGroup, priority: Bool, at: Date) throws -> QueueTicket
    func ticket(id: Int64) throws -> QueueTicket?
    func tickets(branch: String, day: String, statuses: [QueueTicket.Status]) throws -> [QueueTicket]
    /// Calls the first waiting ticket (priority first, then oldest) of the given groups, atomically:
    /// two staff calling at once never get the same ticket.
    func callNext(branch: String, day: String, groups: [TaskGroup], staffID: Int64, desk: String, at: Date) throws -> QueueTicket?
    func updateTicket(id: Int64, status: QueueTicket.Status, group: TaskGroup?, sessionID: Int64?, at: Date?) throws -> Bool
    /// People waiting before this ticket (priority first, then older).
    func peopleAhead(of ticket: QueueTicket) throws -> Int
    /// Average minutes from call to done over recent tickets of a group, nil without history.
    func recentServiceMinutes(branch: String, group: TaskGroup, since: Date) throws -> Double?
    /// Ends the tickets of earlier days that were never served.
    /// Ends the waiting and called tickets of a branch from days before `day` (the branch's own calendar day).
    @discardableResult func expireTickets(branch: String, before day: String) throws -> Int
}
