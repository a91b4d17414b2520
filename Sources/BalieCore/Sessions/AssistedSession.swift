import Foundation

/// Who did a step.
public enum StepActor: String, CaseIterable, Sendable, Codable {
    case customerAlone = "customer-alone"
    case customerWithHelp = "customer-with-help"
    /// Staff on the customer's behalf: needs a reason.
    case staffOnBehalf = "staff-on-behalf"
}

/// How a task ended.
public enum TaskOutcome: Sendable, Equatable {
    case resolved
    case partly(String)
    /// A warm referral to a named partner, with what was handed over.
    case referred(partner: String, handover: String)
    /// Someone follows up, through the customer's preferred channel.
    case followUp(who: String, due: Date, channel: PreferredChannel)
    case notPossible(reason: String)

    public var kind: String {
        switch self {
        case .resolved: "resolved"
        case .partly: "partly"
        case .referred: "referred"
        case .followUp: "follow-up"
        case .notPossible: "not-possible"
        }
    }
}

/// "Next time I can do this myself."
public enum SelfReliance: String, CaseIterable, Sendable, Codable {
    case yes
    case withALittleHelp = "with-a-little-help"
    case notYet = "not-yet"
}

public struct SessionTask: Sendable, Equatable {
    public var id: Int64?
    public var taskID: String
    /// The task's names when it was added (old sessions keep their meaning when the catalogue changes).
    public var names: [String: String]
    public var group: TaskGroup
    public var outcome: TaskOutcome?
    public var addedAt: Date

    public init(id: Int64? = nil, taskID: String, names: [String: String], group: TaskGroup, outcome: TaskOutcome? = nil, addedAt: Date) {
        self.id = id
        self.taskID = taskID
        self.names = names
        self.group = group
        self.outcome = outcome
        self.addedAt = addedAt
    }

    public func name(_ language: String) -> String { names[language] ?? names["nl"] ?? taskID }
}

public struct SessionStep: Sendable, Equatable {
    public var id: Int64?
    public var sessionTaskID: Int64
    public var description: String
    public var actor: StepActor
    public var reason: String?
    public var at: Date

    public init(id: Int64? = nil, sessionTaskID: Int64, description: String, actor: StepActor, reason: String?, at: Date) {
        self.id = id
        self.sessionTaskID = sessionTaskID
        self.description = description
        self.actor = actor
        self.reason = reason
        self.at = at
    }
}

public struct SessionNote: Sendable, Equatable {
    public var id: Int64?
    public var text: String
    public var at: Date

    public init(id: Int64? = nil, text: String, at: Date) {
        self.id = id
        self.text = text
        self.at = at
    }
}

/// One visit at the kiosk where a member of staff helps a customer with one or more tasks.
public struct AssistedSession: Sendable, Equatable {
    public enum Phase: String, Sendable, Codable {
        /// Staff and customer work on tasks.
        case open
        /// All tasks have an outcome; the screen is the customer's for two questions.
        case customerFeedback = "customer-feedback"
        case closed
    }

    public var id: Int64?
    /// The customer, only when they agreed that sessions are logged into their record.
    public var customerID: Int64?
    public var staffID: Int64
    /// The kiosk (or staff desk) it took place at, and that kiosk's branch.
    public var kiosk: String
    public var branch: String
    public var startedAt: Date
    public var finishedAt: Date?
    public var waitingSeconds: Int?
    public var phase: Phase
    /// The customer's language for the screens turned to them.
    public var language: String
    public var tasks: [SessionTask]
    public var steps: [SessionStep]
    public var notes: [SessionNote]
    /// CES 2.0, 1 (strongly disagree) … 7 (strongly agree); nil when skipped.
    public var effortScore: Int?
    public var selfReliance: SelfReliance?
    public var channelAdvice: PreferredChannel?

    public init(id: Int64? = nil, customerID: Int64?, staffID: Int64, kiosk: String, branch: String, startedAt: Date, finishedAt: Date? = nil,
                waitingSeconds: Int? = nil, phase: Phase = .open, language: String, tasks: [SessionTask] = [],
                steps: [SessionStep] = [], notes: [SessionNote] = [], effortScore: Int? = nil, selfReliance: SelfReliance? = nil,
                channelAdvice: PreferredChannel? = nil) {
        self.id = id
        self.customerID = customerID
        self.staffID = staffID
        self.kiosk = kiosk
        self.branch = branch
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.waitingSeconds = waitingSeconds
        self.phase = phase
        self.language = language
        self.tasks = tasks
        self.steps = steps
        self.notes = notes
        self.effortScore = effortScore
        self.selfReliance = selfReliance
        self.channelAdvice = channelAdvice
    }

    public var isAnonymous: Bool { customerID == nil }

    public func steps(of task: SessionTask) -> [SessionStep] { steps.filter { $0.sessionTaskID == task.id } }
}
