import Foundation

/// Whether a step of the assisted-session workflow may happen. Pure rules, tested without HTTP.
public enum SessionRules {
    public static let maxTextLength = 1000
    public static let maxTasksPerSession = 20
    public static let maxStepsPerSession = 500

    public enum Refusal: Error, Equatable, Sendable, CaseIterable {
        case sessionNotOpen
        case unknownTask
        case taskAlreadyFinished
        case tooManyTasks
        case tooManySteps
        case textMissing
        case textTooLong
        case reasonRequiredForStaffOnBehalf
        case partnerNotForThisTask
        case followUpInThePast
        case tasksWithoutOutcome
        case noTasks
        case feedbackNotFromCustomer
        case effortScoreOutOfRange
        case noConsentForRecord
        case outcomeMissing
        case dueInvalid
        case channelMissing
        case actorMissing

        /// The locale key of the message staff see.
        public var key: String {
            switch self {
            case .sessionNotOpen: "session_not_open"
            case .unknownTask: "unknown_task"
            case .taskAlreadyFinished: "task_already_finished"
            case .tooManyTasks: "too_many_tasks"
            case .tooManySteps: "too_many_steps"
            case .textMissing: "text_missing"
            case .textTooLong: "text_too_long"
            case .reasonRequiredForStaffOnBehalf: "reason_required"
            case .partnerNotForThisTask: "partner_not_for_task"
            case .followUpInThePast: "follow_up_in_past"
            case .tasksWithoutOutcome: "tasks_without_outcome"
            case .noTasks: "no_tasks"
            case .feedbackNotFromCustomer: "feedback_not_from_customer"
            case .effortScoreOutOfRange: "effort_out_of_range"
            case .noConsentForRecord: "no_consent"
            case .outcomeMissing: "outcome_missing"
            case .dueInvalid: "due_invalid"
            case .channelMissing: "channel_missing"
            case .actorMissing: "actor_missing"
            }
        }
    }

    /// A session is logged into the customer's record only with their consent; otherwise it is anonymous.
    public static func customerForLogging(customerID: Int64?, consentGiven: Bool) -> Int64? {
        consentGiven ? customerID : nil
    }

    public static func text(_ value: String) throws(Refusal) -> String {
        let text = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw .textMissing }
        guard text.count <= maxTextLength else { throw .textTooLong }
        return text
    }

    public static func checkAddTask(_ session: AssistedSession, catalog: TaskCatalog, taskID: String) throws(Refusal) -> TaskCatalog.Task {
        guard session.phase == .open else { throw .sessionNotOpen }
        guard session.tasks.count < maxTasksPerSession else { throw .tooManyTasks }
        guard let task = catalog.task(taskID) else { throw .unknownTask }
        return task
    }

    /// `stepCount` when the session was loaded without its steps.
    public static func checkStep(_ session: AssistedSession, taskID: Int64, actor: StepActor, reason: String?,
                                 stepCount: Int? = nil) throws(Refusal) {
        guard session.phase == .open else { throw .sessionNotOpen }
        guard let task = session.tasks.first(where: { $0.id == taskID }) else { throw .unknownTask }
        guard task.outcome == nil else { throw .taskAlreadyFinished }
        guard (stepCount ?? session.steps.count) < maxStepsPerSession else { throw .tooManySteps }
        if actor == .staffOnBehalf, (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw .reasonRequiredForStaffOnBehalf
        }
    }

    public static func checkNote(_ session: AssistedSession) throws(Refusal) {
        guard session.phase == .open else { throw .sessionNotOpen }
    }

    public static func checkOutcome(_ session: AssistedSession, taskID: Int64, outcome: TaskOutcome, catalog: TaskCatalog,
                                    now: Date) throws(Refusal) {
        guard session.phase == .open else { throw .sessionNotOpen }
        guard let task = session.tasks.first(where: { $0.id == taskID }) else { throw .unknownTask }
        guard task.outcome == nil else { throw .taskAlreadyFinished }
        switch outcome {
        case .resolved: break
        case .partly(let what): _ = try text(what)
        case .referred(let partner, let handover):
            // A task removed from the catalogue keeps its referral options from the partners list.
            let allowed = catalog.task(task.taskID)?.partners ?? catalog.partners.map(\.id)
            guard allowed.contains(partner) else { throw .partnerNotForThisTask }
            _ = try text(handover)
        case .followUp(let who, let due, _):
            _ = try text(who)
            guard due >= now.addingTimeInterval(-86_400) else { throw .followUpInThePast }
        case .notPossible(let reason): _ = try text(reason)
        }
    }

    /// All tasks finished: the screen turns to the customer.
    public static func checkHandover(_ session: AssistedSession) throws(Refusal) {
        guard session.phase == .open else { throw .sessionNotOpen }
        guard !session.tasks.isEmpty else { throw .noTasks }
        guard session.tasks.allSatisfy({ $0.outcome != nil }) else { throw .tasksWithoutOutcome }
    }

    /// The effort score and self-reliance answer come from the customer, on the screen turned to them,
    /// once; staff cannot enter them while the session is theirs.
    public static func checkFeedback(_ session: AssistedSession, effortScore: Int?) throws(Refusal) {
        guard session.phase == .customerFeedback else { throw .feedbackNotFromCustomer }
        if let effortScore, !(1...7).contains(effortScore) { throw .effortScoreOutOfRange }
    }
}
