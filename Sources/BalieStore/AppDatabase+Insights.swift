import BalieCore
import Foundation
import GRDB

extension AppDatabase: InsightRepository {
    public func insightSessions(from: Date, to: Date, branches: BranchScope) throws -> [InsightSession] {
        try writer.read { db in
            let (scope, scopeArguments) = Self.branchCondition("s.branch", branches)
            let condition = "s.phase = 'closed' AND s.started_at >= ? AND s.started_at < ? AND \(scope)"
            let arguments: StatementArguments = [from.timeIntervalSince1970, to.timeIntervalSince1970] + scopeArguments
            let selection = "SELECT s.id FROM assisted_session s WHERE \(condition)"
            var actors: [Int64: [StepActor]] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT session_task_id, actor FROM session_step WHERE session_id IN (\(selection)) ORDER BY id
                """, arguments: arguments) {
                if let actor = StepActor(rawValue: row["actor"]) { actors[row["session_task_id"], default: []].append(actor) }
            }
            var tasks: [Int64: [InsightSession.Task]] = [:]
            let decoder = JSONDecoder()
            for row in try Row.fetchAll(db, sql: """
                SELECT id, session_id, task_id, task_group, names, outcome, partner, earlier_visits FROM session_task
                WHERE session_id IN (\(selection)) ORDER BY id
                """, arguments: arguments) {
                let names = (try? decoder.decode([String: String].self, from: Data((row["names"] as String).utf8))) ?? [:]
                tasks[row["session_id"], default: []].append(InsightSession.Task(
                    taskID: row["task_id"], group: TaskGroup(rawValue: row["task_group"]) ?? .other, names: names,
                    outcome: row["outcome"], partner: row["partner"], earlierVisits: row["earlier_visits"], actors: actors[row["id"]] ?? []))
            }
            return try Row.fetchAll(db, sql: """
                SELECT s.id, s.started_at, s.finished_at, s.waiting_seconds, s.effort_score, s.self_reliance, s.channel_advice, s.messages_read
                FROM assisted_session s WHERE \(condition) ORDER BY s.started_at
                """, arguments: arguments).map { row in
                InsightSession(
                    startedAt: Date(timeIntervalSince1970: row["started_at"]),
                    finishedAt: (row["finished_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                    waitingSeconds: row["waiting_seconds"], effortScore: row["effort_score"],
                    selfReliance: (row["self_reliance"] as String?).flatMap(SelfReliance.init),
                    channelAdvice: (row["channel_advice"] as String?).flatMap(PreferredChannel.init),
                    messagesRead: row["messages_read"], tasks: tasks[row["id"]] ?? [])
            }
        }
    }

    /// Follow-ups agreed with customers still in the record: (open, done) now.
    public func followUpCounts() throws -> (open: Int, done: Int) {
        try writer.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT coalesce(sum(done = 0), 0) AS open, coalesce(sum(done = 1), 0) AS done FROM follow_up")
            return (row?["open"] ?? 0, row?["done"] ?? 0)
        }
    }


    /// Sessions started and finished so far (anonymised ones included), for `/metrics`.
    public func sessionCounts() throws -> (started: Int, finished: Int) {
        try writer.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT count(*) AS started, coalesce(sum(phase = 'closed'), 0) AS finished FROM assisted_session")
            return (row?["started"] ?? 0, row?["finished"] ?? 0)
        }
    }
}
