import Foundation

/// A visitor at a kiosk asked for a member of staff. Holds no personal data.
public struct StaffCall: Sendable, Equatable {
    public var id: Int64?
    public var kiosk: String
    public var branch: String
    public var group: TaskGroup?
    public var at: Date

    public init(id: Int64? = nil, kiosk: String, branch: String, group: TaskGroup?, at: Date) {
        self.id = id
        self.kiosk = kiosk
        self.branch = branch
        self.group = group
        self.at = at
    }
}

/// What storage offers for staff calls.
public protocol StaffCallRepository: Sendable {
    @discardableResult
    func record(_ call: StaffCall) throws -> StaffCall
    /// The newest calls of one branch.
    func recentStaffCalls(branch: String, limit: Int) throws -> [StaffCall]
    /// Calls from one kiosk since a moment, for its rate limit.
    func staffCallCount(kiosk: String, branch: String, since: Date) throws -> Int
}
