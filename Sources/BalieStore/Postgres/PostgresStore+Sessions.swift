import BalieCore
import Foundation

// Assisted sessions (tasks, steps, notes, hand-over, closing) and the insights read from them, as
// AppDatabase+Sessions.swift and AppDatabase+Insights.swift keep them. What SQLite reads in one read
// transaction is read here in one READ ONLY, REPEATABLE READ transaction (one snapshot); text is ordered
// with COLLATE "C", byte order as SQLite's BINARY.

private let sessionColumns = """
    id, customer_id, staff_id, kiosk, branch, started_at, finished_at, waiting_seconds, phase, language,
    effort_score, self_reliance, channel_advice
    """
private let taskColumns = """
    id, session_id, task_id, task_group, names, added_at, outcome, outcome_detail, partner, follow_up_who, follow_up_due,
    follow_up_channel
    """

private func decodeNames(_ text: String) -> [String: String] {
    (try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))) ?? [:]
}

private func storedDate(_ row: PostgresRow, _ name: String) -> Date { row.date(name) ?? Date(timeIntervalSince1970: 0) }

private func sessionTask(_ row: PostgresRow) -> SessionTask {
    let detail = row.string("outcome_detail")
    var outcome: TaskOutcome?
    switch row["outcome"] {
    case "resolved": outcome = .resolved
    case "partly": outcome = .partly(detail)
    case "referred": outcome = .referred(partner: row["partner"] ?? "", handover: detail)
    case "follow-up":
        outcome = .followUp(who: row["follow_up_who"] ?? "", due: Date(timeIntervalSince1970: row.double("follow_up_due") ?? 0),
                            channel: row["follow_up_channel"].flatMap(PreferredChannel.init) ?? .phone)
    case "not-possible": outcome = .notPossible(reason: detail)
    default: outcome = nil
    }
    return SessionTask(id: row.int64("id"), taskID: row.string("task_id"), names: decodeNames(row.string("names")),
                       group: TaskGroup(rawValue: row.string("task_group")) ?? .other, outcome: outcome, addedAt: storedDate(row, "added_at"))
}

private func sessionStep(_ row: PostgresRow) -> SessionStep {
    SessionStep(id: row.int64("id"), sessionTaskID: row.int64("session_task_id") ?? 0, description: row.string("description"),
                actor: StepActor(rawValue: row.string("actor")) ?? .customerWithHelp, reason: row["reason"], at: storedDate(row, "at"))
}

private func sessionNote(_ row: PostgresRow) -> SessionNote {
    SessionNote(id: row.int64("id"), text: row.string("text"), at: storedDate(row, "at"))
}

private func assistedSession(_ row: PostgresRow, tasks: [SessionTask], steps: [SessionStep], notes: [SessionNote]) -> AssistedSession {
    AssistedSession(
        id: row.int64("id"), customerID: row.int64("customer_id"), staffID: row.int64("staff_id") ?? 0, kiosk: row.string("kiosk"),
        branch: row.string("branch"), startedAt: storedDate(row, "started_at"), finishedAt: row.date("finished_at"),
        waitingSeconds: row.int("waiting_seconds"), phase: AssistedSession.Phase(rawValue: row.string("phase")) ?? .open,
        language: row.string("language"), tasks: tasks, steps: steps, notes: notes, effortScore: row.int("effort_score"),
        selfReliance: row["self_reliance"].flatMap(SelfReliance.init), channelAdvice: row["channel_advice"].flatMap(PreferredChannel.init))
}

/// The reads of sessions by id with their tasks, and with `details` their steps and notes: two or four statements for any
/// number of sessions, none needing another's result (one pipeline); `assembleSessions` puts their results together.
private func sessionReads(_ ids: [Int64], details: Bool) -> [PostgresStatement] {
    let parameters = [SQL.idArray(ids)]
    var reads = [PostgresStatement("SELECT \(sessionColumns) FROM assisted_session WHERE id = ANY ($1::bigint[])", parameters),
                 PostgresStatement("SELECT \(taskColumns) FROM session_task WHERE session_id = ANY ($1::bigint[]) ORDER BY id", parameters)]
    if details {
        reads.append(PostgresStatement("""
            SELECT id, session_id, session_task_id, description, actor, reason, at FROM session_step
            WHERE session_id = ANY ($1::bigint[]) ORDER BY id
            """, parameters))
        reads.append(PostgresStatement("SELECT id, session_id, text, at FROM session_note WHERE session_id = ANY ($1::bigint[]) ORDER BY id",
                                       parameters))
    }
    return reads
}

/// The sessions of `sessionReads` in the order of `ids` (ids not found left out).
private func assembleSessions(_ ids: [Int64], _ results: [PostgresRows]) -> [AssistedSession] {
    guard results.count >= 2 else { return [] }
    var tasks: [Int64: [SessionTask]] = [:], steps: [Int64: [SessionStep]] = [:], notes: [Int64: [SessionNote]] = [:]
    for row in results[1].all { tasks[row.int64("session_id") ?? 0, default: []].append(sessionTask(row)) }
    if results.count == 4 {
        for row in results[2].all { steps[row.int64("session_id") ?? 0, default: []].append(sessionStep(row)) }
        for row in results[3].all { notes[row.int64("session_id") ?? 0, default: []].append(sessionNote(row)) }
    }
    let found = Dictionary(results[0].all.map { ($0.int64("id") ?? 0, $0) }, uniquingKeysWith: { first, _ in first })
    return ids.compactMap { id in
        found[id].map { assistedSession($0, tasks: tasks[id] ?? [], steps: steps[id] ?? [], notes: notes[id] ?? []) }
    }
}

/// What SQLite's `INSERT OR IGNORE INTO contact` does: a contact already recorded (the same customer, channel, time and
/// topic) is skipped, and so is one that breaks a CHECK of the table (a topic over 200 characters from many tasks): OR
/// IGNORE skips those rows too, where PostgreSQL would fail the whole close.
private func insertContactOrIgnore(_ contact: Contact, in connection: PostgresConnection) throws {
    try connection.execute("""
        INSERT INTO contact (customer_id, channel, at, topic, summary, outcome, source_system)
        SELECT $1::bigint, $2::text, $3::double precision, $4::text, $5::text, $6::text, $7::text
        WHERE length($4::text) BETWEEN 1 AND 200 AND length($5::text) <= 2000 AND length($6::text) <= 200
        ON CONFLICT DO NOTHING
        """, [SQL.int(contact.customerID), SQL.text(contact.channel.rawValue), SQL.time(contact.at), SQL.text(contact.topic),
              SQL.text(contact.summary), SQL.text(contact.outcome), SQL.text(contact.sourceSystem)])
}

/// Keeps what statistics need of a session (tasks, outcome kinds, who did the steps, times, answers) and removes the
/// link to the customer and every free text (AppDatabase.anonymiseSession).
func anonymiseSession(_ sessionID: Int64, in connection: PostgresConnection) throws {
    let id = [SQL.int(sessionID)]
    try connection.execute("UPDATE assisted_session SET customer_id = NULL WHERE id = $1", id)
    try connection.execute("UPDATE session_step SET description = '', reason = NULL WHERE session_id = $1", id)
    try connection.execute("UPDATE session_task SET outcome_detail = '', follow_up_who = NULL WHERE session_id = $1", id)
    try connection.execute("DELETE FROM session_note WHERE session_id = $1", id)
    // Messages a remote colleague sent to the screen are free text too.
    try connection.execute("UPDATE help_event SET text = '' WHERE help_request_id IN (SELECT id FROM help_request WHERE session_id = $1)", id)
}

extension PostgresStore: SessionRepository {
    public func createSession(_ session: AssistedSession) throws -> AssistedSession {
        var stored = session
        stored.id = try write("""
            INSERT INTO assisted_session (customer_id, staff_id, kiosk, branch, started_at, waiting_seconds, phase, language)
            VALUES ($1, $2, $3, $4, $5, $6, 'open', $7) RETURNING id
            """, [SQL.int(session.customerID), SQL.int(session.staffID), SQL.text(session.kiosk), SQL.text(session.branch),
                  SQL.time(session.startedAt), SQL.int(session.waitingSeconds), SQL.text(session.language)]).first?.int64("id")
        return stored
    }

    /// A session with its tasks; with `details` also its steps and notes (adding a step needs only their count). One
    /// snapshot, one round trip.
    public func session(id: Int64, details: Bool) throws -> AssistedSession? {
        assembleSessions([id], try pool.pipelinedSnapshot(sessionReads([id], details: details))).first
    }

    public func stepCount(sessionID: Int64) throws -> Int {
        try query("SELECT count(*) AS steps FROM session_step WHERE session_id = $1", [SQL.int(sessionID)]).first?.int("steps") ?? 0
    }

    @discardableResult
    public func addTask(sessionID: Int64, _ task: SessionTask) throws -> SessionTask {
        let names = String(decoding: try JSONEncoder().encode(task.names), as: UTF8.self)
        return try write { connection in
            // How often this customer came for the same task before: what the insights need to follow
            // self-reliance over time, and a number that stays meaningful after the session is anonymised.
            let earlier = try connection.rows("""
                SELECT CASE WHEN s.customer_id IS NULL THEN NULL ELSE (
                    SELECT count(*) FROM session_task t JOIN assisted_session o ON o.id = t.session_id
                    WHERE o.customer_id = s.customer_id AND o.id <> s.id AND t.task_id = $1) END AS earlier
                FROM assisted_session s WHERE s.id = $2
                """, [SQL.text(task.taskID), SQL.int(sessionID)]).first?.int("earlier")
            var stored = task
            stored.id = try connection.rows("""
                INSERT INTO session_task (session_id, task_id, task_group, names, added_at, earlier_visits)
                VALUES ($1, $2, $3, $4, $5, $6) RETURNING id
                """, [SQL.int(sessionID), SQL.text(task.taskID), SQL.text(task.group.rawValue), SQL.text(names), SQL.time(task.addedAt),
                      SQL.int(earlier)]).first?.int64("id")
            return stored
        }
    }

    /// One INSERT in autocommit: durable when it returns, in one round trip.
    public func addStep(sessionID: Int64, _ step: SessionStep) throws {
        try write(.insertStep(sessionID: sessionID, step))
    }

    public func addNote(sessionID: Int64, _ note: SessionNote) throws {
        try write(.insertNote(sessionID: sessionID, note))
    }

    public func finishTask(sessionID: Int64, taskID: Int64, outcome: TaskOutcome, at: Date) throws {
        let (detail, partner, who, due, channel) = outcome.storedColumns
        // `outcome IS NULL`: of two instances finishing the same task at once, the second changes nothing.
        try write("""
            UPDATE session_task SET outcome = $1, outcome_detail = $2, partner = $3, follow_up_who = $4, follow_up_due = $5,
                   follow_up_channel = $6, finished_at = $7 WHERE id = $8 AND session_id = $9 AND outcome IS NULL
            """, [SQL.text(outcome.kind), SQL.text(detail), SQL.text(partner), SQL.text(who), SQL.double(due), SQL.text(channel),
                  SQL.time(at), SQL.int(taskID), SQL.int(sessionID)])
    }

    public func handOver(sessionID: Int64, channelAdvice: PreferredChannel?) throws {
        try write("UPDATE assisted_session SET phase = 'customer-feedback', channel_advice = $1 WHERE id = $2 AND phase = 'open'",
                  [SQL.text(channelAdvice?.rawValue), SQL.int(sessionID)])
    }

    public func closeSession(sessionID: Int64, effortScore: Int?, selfReliance: SelfReliance?, at: Date, contact: Contact?,
                             followUps: [FollowUp]) throws {
        try write { connection in
            // The row lock of this UPDATE makes a second close (from another instance) wait and then find the phase changed:
            // the contact and follow-ups are written once.
            let closed = try connection.execute("""
                UPDATE assisted_session SET phase = 'closed', effort_score = $1, self_reliance = $2, finished_at = $3
                WHERE id = $4 AND phase = 'customer-feedback'
                """, [SQL.int(effortScore), SQL.text(selfReliance?.rawValue), SQL.time(at), SQL.int(sessionID)]).affected
            guard closed == 1 else { return }
            try connection.execute("UPDATE queue_ticket SET status = 'done', finished_at = $1 WHERE session_id = $2",
                                   [SQL.time(at), SQL.int(sessionID)])
            if let contact {
                try insertContactOrIgnore(contact, in: connection)
                for followUp in followUps {
                    try connection.execute("INSERT INTO follow_up (customer_id, description, due, channel) VALUES ($1, $2, $3, $4)",
                                           [SQL.int(followUp.customerID), SQL.text(followUp.description), SQL.time(followUp.due),
                                            SQL.text(followUp.channel.rawValue)])
                }
            } else {
                // Anonymous (or consent withdrawn during the session): keep what statistics need (tasks,
                // outcome kinds, who did the steps, times, answers), no link to the customer and no free text.
                try anonymiseSession(sessionID, in: connection)
            }
        }
    }

    public func readTogether(messageID: Int64, customerID: Int64, contact: Contact, sessionID: Int64? = nil) throws -> Bool {
        try write { connection in
            // `NOT read`: of two instances reading the same message at once, only one counts it.
            let changed = try connection.execute("UPDATE message SET read = true WHERE id = $1 AND customer_id = $2 AND NOT read",
                                                 [SQL.int(messageID), SQL.int(customerID)]).affected
            guard changed == 1 else { return false }
            // Counted on the session too, so the insights keep it when the record is erased.
            if let sessionID {
                try connection.execute("UPDATE assisted_session SET messages_read = messages_read + 1 WHERE id = $1", [SQL.int(sessionID)])
            }
            var reading = contact
            reading.customerID = customerID
            try insertContactOrIgnore(reading, in: connection)
            return true
        }
    }

    public func openSessions(branches: BranchScope) throws -> [OpenSessionSummary] {
        var parameters: [String?] = []
        let scope = SQL.branchScope("s.branch", branches, &parameters)
        return try query("""
            SELECT s.id, s.started_at, s.staff_id, s.branch, c.given_name || ' ' || c.family_name AS name FROM assisted_session s
            LEFT JOIN customer c ON c.id = s.customer_id WHERE s.phase <> 'closed' AND \(scope) ORDER BY s.started_at, s.id
            """, parameters).map { row in
            OpenSessionSummary(id: row.int64("id") ?? 0, startedAt: storedDate(row, "started_at"), customerName: row["name"],
                               staffID: row.int64("staff_id") ?? 0, branch: row.string("branch"))
        }
    }

    public func taskHistory(customerID: Int64) throws -> [TaskHistoryEntry] {
        try query("""
            SELECT t.id, t.task_id, t.names, s.started_at, s.self_reliance,
                   (SELECT string_agg(actor, ',' ORDER BY id) FROM session_step WHERE session_task_id = t.id) AS actors
            FROM session_task t JOIN assisted_session s ON s.id = t.session_id
            WHERE s.customer_id = $1 AND s.phase = 'closed' ORDER BY t.task_id COLLATE "C", s.started_at, t.id
            """, [SQL.int(customerID)]).map { row in
            let actors = row.string("actors").split(separator: ",").compactMap { StepActor(rawValue: String($0)) }
            return TaskHistoryEntry(taskID: row.string("task_id"), taskNames: decodeNames(row.string("names")), date: storedDate(row, "started_at"),
                                    actors: actors, selfReliance: row["self_reliance"].flatMap(SelfReliance.init))
        }
    }

    /// Sessions, newest first, for the API: optionally from/to a start date, at one branch, with one task;
    /// `beforeID` continues a listing (the cursor).
    public func sessionList(from: Date?, to: Date?, branch: String?, branches: BranchScope, taskID: String?, beforeID: Int64?,
                            limit: Int) throws -> [AssistedSession] {
        var parameters: [String?] = []
        var conditions = [SQL.branchScope("s.branch", branches, &parameters)]
        func add(_ condition: (String) -> String, _ value: String?) {
            parameters.append(value)
            conditions.append(condition("$\(parameters.count)"))
        }
        if let from { add({ "s.started_at >= \($0)::double precision" }, SQL.time(from)) }
        if let to { add({ "s.started_at < \($0)::double precision" }, SQL.time(to)) }
        if let branch { add({ "s.branch = \($0)::text" }, SQL.text(branch)) }
        if let taskID { add({ "EXISTS (SELECT 1 FROM session_task t WHERE t.session_id = s.id AND t.task_id = \($0)::text)" }, SQL.text(taskID)) }
        if let beforeID { add({ "s.id < \($0)::bigint" }, SQL.int(beforeID)) }
        // A negative limit means "no limit" in SQLite; PostgreSQL refuses it, and LIMIT NULL means the same.
        parameters.append(limit < 0 ? nil : SQL.int(limit))
        let sql = """
            SELECT s.id FROM assisted_session s WHERE \(conditions.joined(separator: " AND ")) ORDER BY s.id DESC LIMIT $\(parameters.count)::bigint
            """
        return try pool.readSnapshot { connection in
            let ids = try connection.rows(sql, parameters).compactMap { $0.int64("id") }
            return ids.isEmpty ? [] : assembleSessions(ids, try connection.pipeline(sessionReads(ids, details: true)))
        }
    }

    /// Sessions started and finished so far (anonymised ones included), for `/metrics`.
    public func sessionCounts() throws -> (started: Int, finished: Int) {
        let row = try query("SELECT count(*) AS started, count(*) FILTER (WHERE phase = 'closed') AS finished FROM assisted_session").first
        return (row?.int("started") ?? 0, row?.int("finished") ?? 0)
    }
}

extension PostgresStore: InsightRepository {
    public func insightSessions(from: Date, to: Date, branches: BranchScope) throws -> [InsightSession] {
        var parameters: [String?] = [SQL.time(from), SQL.time(to)]
        let scope = SQL.branchScope("s.branch", branches, &parameters)
        let condition = "s.phase = 'closed' AND s.started_at >= $1::double precision AND s.started_at < $2::double precision AND \(scope)"
        let selection = "SELECT s.id FROM assisted_session s WHERE \(condition)"
        return try pool.readSnapshot { connection in
            var actors: [Int64: [StepActor]] = [:]
            for row in try connection.rows("SELECT session_task_id, actor FROM session_step WHERE session_id IN (\(selection)) ORDER BY id",
                                           parameters) {
                if let actor = StepActor(rawValue: row.string("actor")) { actors[row.int64("session_task_id") ?? 0, default: []].append(actor) }
            }
            var tasks: [Int64: [InsightSession.Task]] = [:]
            for row in try connection.rows("""
                SELECT id, session_id, task_id, task_group, names, outcome, partner, earlier_visits FROM session_task
                WHERE session_id IN (\(selection)) ORDER BY id
                """, parameters) {
                tasks[row.int64("session_id") ?? 0, default: []].append(InsightSession.Task(
                    taskID: row.string("task_id"), group: TaskGroup(rawValue: row.string("task_group")) ?? .other,
                    names: decodeNames(row.string("names")), outcome: row["outcome"], partner: row["partner"],
                    earlierVisits: row.int("earlier_visits"), actors: actors[row.int64("id") ?? 0] ?? []))
            }
            return try connection.rows("""
                SELECT s.id, s.started_at, s.finished_at, s.waiting_seconds, s.effort_score, s.self_reliance, s.channel_advice, s.messages_read
                FROM assisted_session s WHERE \(condition) ORDER BY s.started_at, s.id
                """, parameters).map { row in
                InsightSession(
                    startedAt: storedDate(row, "started_at"), finishedAt: row.date("finished_at"), waitingSeconds: row.int("waiting_seconds"),
                    effortScore: row.int("effort_score"), selfReliance: row["self_reliance"].flatMap(SelfReliance.init),
                    channelAdvice: row["channel_advice"].flatMap(PreferredChannel.init), messagesRead: row.int("messages_read") ?? 0,
                    tasks: tasks[row.int64("id") ?? 0] ?? [])
            }
        }
    }
}

extension PostgresStatement {
    /// The INSERT of one step of a session (by the staff member or, with its log line, by a remote colleague).
    static func insertStep(sessionID: Int64, _ step: SessionStep) -> PostgresStatement {
        PostgresStatement("INSERT INTO session_step (session_id, session_task_id, description, actor, reason, at) VALUES ($1, $2, $3, $4, $5, $6)",
                          [SQL.int(sessionID), SQL.int(step.sessionTaskID), SQL.text(step.description), SQL.text(step.actor.rawValue),
                           SQL.text(step.reason), SQL.time(step.at)])
    }

    /// The INSERT of one note of a session.
    static func insertNote(sessionID: Int64, _ note: SessionNote) -> PostgresStatement {
        PostgresStatement("INSERT INTO session_note (session_id, text, at) VALUES ($1, $2, $3)",
                          [SQL.int(sessionID), SQL.text(note.text), SQL.time(note.at)])
    }
}
