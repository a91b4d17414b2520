import Foundation

/// A session that is still open, for staff to resume or finish.
public struct OpenSessionSummary: Sendable, Equatable {
    public let id: Int64
    public let startedAt: Date
    public let customerName: String?
    public let staffID: Int64
    public let branch: String

    public init(id: Int64, startedAt: Date, customerName: String?, staffID: Int64, branch: String) {
        self.branch = branch
        self.id = id
        self.startedAt = startedAt
        self.customerName = customerName
        self.staffID = staffID
    }
}

/// How one task went in one earlier session, for the customer's growth in independence.
public struct TaskHistoryEntry: Sendable, Equatable {
    public let taskID: String
    public let taskNames: [String: String]
    public let date: Date
    public let actors: [StepActor]
    public let selfReliance: SelfReliance?

    public init(taskID: String, taskNames: [String: String], date: Date, actors: [StepActor], selfReliance: SelfReliance?) {
        self.taskID = taskID
        self.taskNames = taskNames
        self.date = date
        self.actors = actors
        self.selfReliance = selfReliance
    }
}

public protocol SessionRepository: Sendable {
    func createSession(_ session: AssistedSession) throws -> AssistedSession
    /// With `details: false` the steps and notes are left out (see `stepCount`).
    func session(id: Int64, details: Bool) throws -> AssistedSession?
    func stepCount(sessionID: Int64) throws -> Int
    @discardableResult func addTask(sessionID: Int64, _ task: SessionTask) throws -> SessionTask
    func addStep(sessionID: Int64, _ step: SessionStep) throws
    func addNote(sessionID: Int64, _ note: SessionNote) throws
    func finishTask(sessionID: Int64, taskID: Int64, outcome: TaskOutcome, at: Date) throws
    func handOver(sessionID: Int64, channelAdvice: PreferredChannel?) throws
    /// Closes the session with the customer's answers; for an identified session also writes the
    /// contact (and follow-ups) into the record, for an anonymous one wipes the free text. One transaction.
    func closeSession(sessionID: Int64, effortScore: Int?, selfReliance: SelfReliance?, at: Date, contact: Contact?,
                      followUps: [FollowUp]) throws
    /// Marks a message read and records the reading as a contact, in one transaction.
    func readTogether(messageID: Int64, customerID: Int64, contact: Contact, sessionID: Int64?) throws -> Bool
    /// Open sessions of the branches in scope.
    func openSessions(branches: BranchScope) throws -> [OpenSessionSummary]
    func taskHistory(customerID: Int64) throws -> [TaskHistoryEntry]
    /// Sessions newest first, filtered (the API's list).
    func sessionList(from: Date?, to: Date?, branch: String?, branches: BranchScope, taskID: String?, beforeID: Int64?,
                     limit: Int) throws -> [AssistedSession]
    /// Sessions ever started, and finished (for /metrics).
    func sessionCounts() throws -> (started: Int, finished: Int)
}
