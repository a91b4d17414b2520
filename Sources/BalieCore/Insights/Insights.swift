import Foundation

/// What the insights are computed from: one finished assisted session, without anything personal.
public struct InsightSession: Sendable, Equatable {
    public struct Task: Sendable, Equatable {
        public var taskID: String
        public var group: TaskGroup
        public var names: [String: String]
        /// The outcome's kind ("resolved", "partly", "referred", "follow-up", "not-possible"), nil if none.
        public var outcome: String?
        public var partner: String?
        /// How often the same customer came for this task before (nil for an anonymous session).
        public var earlierVisits: Int?
        public var actors: [StepActor]

        public init(taskID: String, group: TaskGroup, names: [String: String], outcome: String?, partner: String?, earlierVisits: Int?,
                    actors: [StepActor]) {
            self.taskID = taskID
            self.group = group
            self.names = names
            self.outcome = outcome
            self.partner = partner
            self.earlierVisits = earlierVisits
            self.actors = actors
        }
    }

    public var startedAt: Date
    public var finishedAt: Date?
    public var waitingSeconds: Int?
    public var effortScore: Int?
    public var selfReliance: SelfReliance?
    public var channelAdvice: PreferredChannel?
    public var messagesRead: Int
    public var tasks: [Task]

    public init(startedAt: Date, finishedAt: Date?, waitingSeconds: Int?, effortScore: Int?, selfReliance: SelfReliance?,
                channelAdvice: PreferredChannel?, messagesRead: Int, tasks: [Task]) {
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.waitingSeconds = waitingSeconds
        self.effortScore = effortScore
        self.selfReliance = selfReliance
        self.channelAdvice = channelAdvice
        self.messagesRead = messagesRead
        self.tasks = tasks
    }

    /// Who did the steps of this session: the customer alone, with help, or staff did some on their behalf.
    public var stepsDoneBy: StepActor? {
        let actors = Set(tasks.flatMap(\.actors))
        if actors.isEmpty { return nil }
        if actors.contains(.staffOnBehalf) { return .staffOnBehalf }
        if actors.contains(.customerWithHelp) { return .customerWithHelp }
        return .customerAlone
    }
}

/// One table of the insights: the same rows make the chart, the screen-reader table and the CSV.
public struct InsightTable: Sendable, Equatable {
    /// What a row's label is, so the page can put it in words.
    public enum LabelKind: String, Sendable {
        case task, partner, day, weekday, hour, score, actor, outcome, visit, channel, measure, other
    }

    public struct Row: Sendable, Equatable {
        public var label: String
        /// nil where the group is smaller than the threshold and not shown.
        public var values: [Double?]
        public var count: Int
    }

    public var id: String
    public var labelKind: LabelKind
    /// Keys of the value columns.
    public var columns: [String]
    public var rows: [Row]
}

/// Aggregates for supervisors and funders: what people come for, whether they were helped in one go,
/// how much effort it cost them (CES 2.0: 1 = very hard … 7 = very easy), and whether they grow more
/// independent. Aggregates only: a group smaller than `minimumGroup` is not shown separately (categories
/// merge into "other", other figures are left out), so nobody can be picked out.
public struct InsightReport: Sendable, Equatable {
    public static let defaultMinimumGroup = 5
    /// The label of the row that holds categories too small to show on their own.
    public static let otherLabel = "other"

    public var minimumGroup: Int
    public var sessions: Int
    public var tasks: Int
    /// Too few sessions in the selection to show anything.
    public var tooFew: Bool
    public var firstContactResolution: Double?
    public var effortAverage: Double?
    public var effortPositive: Double?
    public var effortNegative: Double?
    public var messagesCaughtUp: Int?
    public var followUpsAgreed: Int?
    /// Repeat tasks (the customer came for the same task before) that the customer now did all alone.
    public var managingAlone: Int?
    public var tables: [InsightTable]

    public func table(_ id: String) -> InsightTable? { tables.first { $0.id == id } }

    public init(sessions input: [InsightSession], group: TaskGroup?, minimumGroup: Int = defaultMinimumGroup, timeZone: TimeZone) {
        self.minimumGroup = minimumGroup
        // With a group chosen, only its tasks count, and only sessions that had one.
        let selected: [InsightSession] = input.compactMap { session in
            guard let group else { return session }
            var kept = session
            kept.tasks = session.tasks.filter { $0.group == group }
            return kept.tasks.isEmpty ? nil : kept
        }
        let allTasks = selected.flatMap(\.tasks)
        sessions = selected.count
        tasks = allTasks.count
        tooFew = selected.count < minimumGroup
        tables = []
        guard !tooFew else { return }
        let k = minimumGroup
        func share(_ part: Int, _ whole: Int) -> Double? { whole == 0 ? nil : Double(part) / Double(whole) }

        let finished = allTasks.filter { $0.outcome != nil }
        firstContactResolution = share(finished.filter { $0.outcome == "resolved" }.count, finished.count)
        let scores = selected.compactMap(\.effortScore)
        if scores.count >= k {
            effortAverage = Double(scores.reduce(0, +)) / Double(scores.count)
            effortPositive = share(scores.filter { $0 >= 5 }.count, scores.count)
            effortNegative = share(scores.filter { $0 <= 3 }.count, scores.count)
        }
        messagesCaughtUp = selected.map(\.messagesRead).reduce(0, +)
        followUpsAgreed = allTasks.filter { $0.outcome == "follow-up" }.count
        let repeats = allTasks.filter { ($0.earlierVisits ?? 0) >= 1 && !$0.actors.isEmpty }
        managingAlone = repeats.filter { $0.actors.allSatisfy { $0 == .customerAlone } }.count
        if let value = managingAlone, value < k { managingAlone = nil }

        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let dayFormatter = DateFormatter()
        dayFormatter.calendar = calendar
        dayFormatter.timeZone = timeZone
        dayFormatter.locale = Locale(identifier: "en_US_POSIX")
        dayFormatter.dateFormat = "yyyy-MM-dd"

        // What people come for, and whether it was resolved now.
        let byTask = Dictionary(grouping: allTasks, by: \.taskID)
        tables.append(Self.categorical("tasks_by_topic", .task, ["tasks", "resolved_share"], groups: byTask, k: k) { tasks in
            let done = tasks.filter { $0.outcome != nil }
            return [Double(tasks.count), share(done.filter { $0.outcome == "resolved" }.count, done.count)]
        })
        // Busiest moments.
        tables.append(Self.counted("sessions_by_day", .day, selected.map { dayFormatter.string(from: $0.startedAt) }, k: k))
        tables.append(Self.counted("sessions_by_weekday", .weekday,
                                   selected.map { String((calendar.component(.weekday, from: $0.startedAt) + 5) % 7 + 1) }, k: k))
        tables.append(Self.counted("sessions_by_hour", .hour,
                                   selected.map { String(format: "%02d", calendar.component(.hour, from: $0.startedAt)) }, k: k))
        // Outcomes and referrals.
        let outcomes = ["resolved", "partly", "referred", "follow-up", "not-possible"]
        tables.append(InsightTable(id: "outcomes", labelKind: .outcome, columns: ["tasks", "share"], rows: outcomes.map { kind in
            let count = finished.filter { $0.outcome == kind }.count
            return InsightTable.Row.counted(kind, count, k: k, [Double(count), share(count, finished.count)])
        }))
        let referrals = Dictionary(grouping: allTasks.filter { $0.outcome == "referred" && $0.partner != nil }, by: { $0.partner! })
        tables.append(Self.categorical("referrals_by_partner", .partner, ["referrals"], groups: referrals, k: k) { [Double($0.count)] })
        // Effort.
        tables.append(InsightTable(id: "effort_distribution", labelKind: .score, columns: ["sessions", "share"], rows: (1...7).map { score in
            let count = scores.filter { $0 == score }.count
            return InsightTable.Row.counted(String(score), count, k: k, [Double(count), share(count, scores.count)])
        }))
        let effortColumns = ["sessions", "average", "positive_share", "negative_share"]
        func effortValues(_ scores: [Int]) -> [Double?] {
            guard !scores.isEmpty else { return [0, nil, nil, nil] }
            return [Double(scores.count), Double(scores.reduce(0, +)) / Double(scores.count),
                    share(scores.filter { $0 >= 5 }.count, scores.count), share(scores.filter { $0 <= 3 }.count, scores.count)]
        }
        // A session's score counts for each of its tasks.
        var scoresByTask: [String: [Int]] = [:]
        for session in selected {
            guard let score = session.effortScore else { continue }
            for taskID in Set(session.tasks.map(\.taskID)) { scoresByTask[taskID, default: []].append(score) }
        }
        tables.append(Self.categorical("effort_by_task", .task, effortColumns, groups: scoresByTask, k: k, values: effortValues))
        tables.append(InsightTable(id: "effort_by_actor", labelKind: .actor, columns: effortColumns, rows: StepActor.allCases.map { actor in
            let group = selected.filter { $0.stepsDoneBy == actor }.compactMap(\.effortScore)
            return InsightTable.Row.counted(actor.rawValue, group.count, k: k, effortValues(group))
        }))
        // Self-reliance over time: the same customer and the same task, by how often they came before.
        let visitBuckets = ["first", "second", "third-or-later"]
        let identified = allTasks.filter { $0.earlierVisits != nil }
        tables.append(InsightTable(
            id: "self_reliance_by_visit", labelKind: .visit,
            columns: ["tasks", "steps_customer_alone", "steps_with_help", "steps_staff", "can_do_it_next_time"],
            rows: visitBuckets.enumerated().map { index, bucket in
                let tasks = identified.filter { min($0.earlierVisits!, 2) == index }
                let steps = tasks.flatMap(\.actors)
                let answers = selected.filter { session in session.tasks.contains { task in
                    task.earlierVisits.map { min($0, 2) == index } ?? false } }.compactMap(\.selfReliance)
                return InsightTable.Row.counted(bucket, tasks.count, k: k, [
                    Double(tasks.count), share(steps.filter { $0 == .customerAlone }.count, steps.count),
                    share(steps.filter { $0 == .customerWithHelp }.count, steps.count),
                    share(steps.filter { $0 == .staffOnBehalf }.count, steps.count),
                    share(answers.filter { $0 == .yes }.count, answers.count),
                ])
            }))
        // Channel advice, waiting and session times.
        tables.append(InsightTable(id: "channel_advice", labelKind: .channel, columns: ["sessions"], rows: PreferredChannel.allCases.map { channel in
            let count = selected.filter { $0.channelAdvice == channel }.count
            return InsightTable.Row.counted(channel.rawValue, count, k: k, [Double(count)])
        }))
        let waits: [Double] = selected.compactMap(\.waitingSeconds).map { Double($0) / 60 }
        let durations: [Double] = selected.compactMap { session in session.finishedAt.map { $0.timeIntervalSince(session.startedAt) / 60 } }
        tables.append(InsightTable(id: "times", labelKind: .measure, columns: ["sessions", "average_minutes", "median_minutes", "p90_minutes"],
                                   rows: [Self.timeRow("waiting", waits, k: k), Self.timeRow("session", durations, k: k)]))
    }

    /// A table of categories: each with at least `k` members on its own row, biggest first; the small ones
    /// together in one "other" row (left out too if that is still small).
    static func categorical<Member>(_ id: String, _ kind: InsightTable.LabelKind, _ columns: [String], groups: [String: [Member]], k: Int,
                                    values: ([Member]) -> [Double?]) -> InsightTable {
        let large = groups.filter { $0.value.count >= k }.sorted { ($1.value.count, $0.key) < ($0.value.count, $1.key) }
        var rows = large.map { InsightTable.Row(label: $0.key, values: values($0.value), count: $0.value.count) }
        let small = groups.filter { $0.value.count < k }.flatMap(\.value)
        if !small.isEmpty { rows.append(.counted(otherLabel, small.count, k: k, values(small))) }
        return InsightTable(id: id, labelKind: kind, columns: columns, rows: rows)
    }

    /// How many of each label, in label order; counts under `k` are left out.
    static func counted(_ id: String, _ kind: InsightTable.LabelKind, _ labels: [String], k: Int) -> InsightTable {
        let counts = Dictionary(grouping: labels, by: { $0 }).mapValues(\.count)
        return InsightTable(id: id, labelKind: kind, columns: ["sessions"],
                            rows: counts.keys.sorted().map { .counted($0, counts[$0]!, k: k, [Double(counts[$0]!)]) })
    }

    static func timeRow(_ label: String, _ minutes: [Double], k: Int) -> InsightTable.Row {
        let average: Double? = minutes.isEmpty ? nil : minutes.reduce(0, +) / Double(minutes.count)
        return .counted(label, minutes.count, k: k, [Double(minutes.count), average, percentile(minutes, 0.5), percentile(minutes, 0.9)])
    }

    /// The nearest-rank percentile.
    static func percentile(_ values: [Double], _ fraction: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[max(0, min(sorted.count - 1, rank - 1))]
    }
}

extension InsightTable.Row {
    /// A row whose values are shown only when `count` reaches the threshold (an empty group shows as 0).
    static func counted(_ label: String, _ count: Int, k: Int, _ values: [Double?]) -> InsightTable.Row {
        InsightTable.Row(label: label, values: count == 0 || count >= k ? values : values.map { _ in nil }, count: count)
    }
}

public protocol InsightRepository: Sendable {
    /// Finished sessions that started in [from, to) at the branches in scope.
    func insightSessions(from: Date, to: Date, branches: BranchScope) throws -> [InsightSession]
}
