import Foundation

/// A visitor at a kiosk asked for a member of staff. Holds no personal data.
public struct StaffCall: Sendable, Equatable {
    public var id: Int64?
    public var kiosk: String
    public var group: TaskGroup?
    public var at: Date

    public init(id: Int64? = nil, kiosk: String, group: TaskGroup?, at: Date) {
        self.id = id
        self.kiosk = kiosk
        self.group = group
        self.at = at
    }
}

/// What storage offers for staff calls.
public protocol StaffCallRepository: Sendable {
    @discardableResult
    func record(_ call: StaffCall) throws -> StaffCall
    func recentStaffCalls(limit: Int) throws -> [StaffCall]
}
