import BalieCore
import Foundation
import GRDB

extension AppDatabase: SessionRepository {
    public func createSession(_ session: AssistedSession) throws -> AssistedSession {
        try writer.write { db in
            try db.execute(sql: """
                INSERT INTO assisted_session(customer_id, staff_id, kiosk, branch, started_at, waiting_seconds, phase, language)
                VALUES (?, ?, ?, ?, ?, ?, 'open', ?)
                """, arguments: [session.customerID, session.staffID, session.kiosk, session.branch, session.startedAt.timeIntervalSince1970,
                                 session.waitingSeconds, session.language])
            var stored = session
            stored.id = db.lastInsertedRowID
            return stored
        }
    }

    /// A session with its tasks; with `details` also its steps and notes (adding a step needs only their count).
    public func session(id: Int64, details: Bool) throws -> AssistedSession? {
        try writer.read { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT id, customer_id, staff_id, kiosk, branch, started_at, finished_at, waiting_seconds, phase, language,
                       effort_score, self_reliance, channel_advice FROM assisted_session WHERE id = ?
                """), arguments: [id]) else { return nil }
            let tasks = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT id, task_id, task_group, names, added_at, outcome, outcome_detail, partner, follow_up_who, follow_up_due,
                       follow_up_channel FROM session_task WHERE session_id = ? ORDER BY id
                """), arguments: [id]).map(Self.sessionTask)
            guard details else {
                return Self.assistedSession(row, tasks: tasks, steps: [], notes: [])
            }
            let steps = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT id, session_task_id, description, actor, reason, at FROM session_step WHERE session_id = ? ORDER BY id
                """), arguments: [id]).map { row in
                SessionStep(id: row["id"], sessionTaskID: row["session_task_id"], description: row["description"],
                            actor: StepActor(rawValue: row["actor"]) ?? .customerWithHelp, reason: row["reason"],
                            at: Date(timeIntervalSince1970: row["at"]))
            }
            let notes = try Row.fetchAll(db.cachedStatement(sql: "SELECT id, text, at FROM session_note WHERE session_id = ? ORDER BY id"),
                                         arguments: [id]).map { row in
                SessionNote(id: row["id"], text: row["text"], at: Date(timeIntervalSince1970: row["at"]))
            }
            return Self.assistedSession(row, tasks: tasks, steps: steps, notes: notes)
        }
    }

    private static func assistedSession(_ row: Row, tasks: [SessionTask], steps: [SessionStep], notes: [SessionNote]) -> AssistedSession {
        AssistedSession(
            id: row["id"], customerID: row["customer_id"], staffID: row["staff_id"], kiosk: row["kiosk"], branch: row["branch"],
            startedAt: Date(timeIntervalSince1970: row["started_at"]),
            finishedAt: (row["finished_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            waitingSeconds: row["waiting_seconds"], phase: AssistedSession.Phase(rawValue: row["phase"]) ?? .open,
            language: row["language"], tasks: tasks, steps: steps, notes: notes, effortScore: row["effort_score"],
            selfReliance: (row["self_reliance"] as String?).flatMap(SelfReliance.init),
            channelAdvice: (row["channel_advice"] as String?).flatMap(PreferredChannel.init))
    }

    public func stepCount(sessionID: Int64) throws -> Int {
        try writer.read { db in try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM session_step WHERE session_id = ?"), arguments: [sessionID]) ?? 0 }
    }

    private static func sessionTask(_ row: Row) -> SessionTask {
        let names = (try? JSONDecoder().decode([String: String].self, from: Data((row["names"] as String).utf8))) ?? [:]
        let detail: String = row["outcome_detail"]
        var outcome: TaskOutcome?
        switch row["outcome"] as String? {
        case "resolved": outcome = .resolved
        case "partly": outcome = .partly(detail)
        case "referred": outcome = .referred(partner: row["partner"] ?? "", handover: detail)
        case "follow-up":
            outcome = .followUp(who: row["follow_up_who"] ?? "", due: Date(timeIntervalSince1970: row["follow_up_due"] ?? 0),
                                channel: (row["follow_up_channel"] as String?).flatMap(PreferredChannel.init) ?? .phone)
        case "not-possible": outcome = .notPossible(reason: detail)
        default: outcome = nil
        }
        return SessionTask(id: row["id"], taskID: row["task_id"], names: names, group: TaskGroup(rawValue: row["task_group"]) ?? .other,
                           outcome: outcome, addedAt: Date(timeIntervalSince1970: row["added_at"]))
    }

    @discardableResult
    public func addTask(sessionID: Int64, _ task: SessionTask) throws -> SessionTask {
        let names = String(decoding: try JSONEncoder().encode(task.names), as: UTF8.self)
        return try writer.write { db in
            // How often this customer came for the same task before: what the insights need to follow
            // self-reliance over time, and a number that stays meaningful after the session is anonymised.
            let earlier = try Int.fetchOne(db, sql: """
                SELECT CASE WHEN s.customer_id IS NULL THEN NULL ELSE (
                    SELECT count(*) FROM session_task t JOIN assisted_session o ON o.id = t.session_id
                    WHERE o.customer_id = s.customer_id AND o.id != s.id AND t.task_id = ?) END
                FROM assisted_session s WHERE s.id = ?
                """, arguments: [task.taskID, sessionID])
            try db.execute(sql: "INSERT INTO session_task(session_id, task_id, task_group, names, added_at, earlier_visits) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [sessionID, task.taskID, task.group.rawValue, names, task.addedAt.timeIntervalSince1970, earlier])
            var stored = task
            stored.id = db.lastInsertedRowID
            return stored
        }
    }

    public func addStep(sessionID: Int64, _ step: SessionStep) throws {
        // Steps come in from many kiosks at once: they share commits (see WriteBatcher).
        try batcher.write(to: writer) { db in
            try db.cachedStatement(sql: "INSERT INTO session_step(session_id, session_task_id, description, actor, reason, at) VALUES (?, ?, ?, ?, ?, ?)").execute(
                           arguments: [sessionID, step.sessionTaskID, step.description, step.actor.rawValue, step.reason,
                                       step.at.timeIntervalSince1970])
        }
    }

    public func addNote(sessionID: Int64, _ note: SessionNote) throws {
        try batcher.write(to: writer) { db in
            try db.cachedStatement(sql: "INSERT INTO session_note(session_id, text, at) VALUES (?, ?, ?)").execute(
                           arguments: [sessionID, note.text, note.at.timeIntervalSince1970])
        }
    }

    public func finishTask(sessionID: Int64, taskID: Int64, outcome: TaskOutcome, at: Date) throws {
        let (detail, partner, who, due, channel) = outcome.storedColumns
        try writer.write { db in
            try db.execute(sql: """
                UPDATE session_task SET outcome = ?, outcome_detail = ?, partner = ?, follow_up_who = ?, follow_up_due = ?,
                       follow_up_channel = ?, finished_at = ? WHERE id = ? AND session_id = ? AND outcome IS NULL
                """, arguments: [outcome.kind, detail, partner, who, due, channel, at.timeIntervalSince1970, taskID, sessionID])
        }
    }

    public func handOver(sessionID: Int64, channelAdvice: PreferredChannel?) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE assisted_session SET phase = 'customer-feedback', channel_advice = ? WHERE id = ? AND phase = 'open'",
                           arguments: [channelAdvice?.rawValue, sessionID])
        }
    }

    public func closeSession(sessionID: Int64, effortScore: Int?, selfReliance: SelfReliance?, at: Date, contact: Contact?,
                             followUps: [FollowUp]) throws {
        try writer.write { db in
            try db.execute(sql: """
                UPDATE assisted_session SET phase = 'closed', effort_score = ?, self_reliance = ?, finished_at = ?
                WHERE id = ? AND phase = 'customer-feedback'
                """, arguments: [effortScore, selfReliance?.rawValue, at.timeIntervalSince1970, sessionID])
            guard db.changesCount == 1 else { return }
            try db.execute(sql: "UPDATE queue_ticket SET status = 'done', finished_at = ? WHERE session_id = ?",
                           arguments: [at.timeIntervalSince1970, sessionID])
            if let contact {
                try db.execute(sql: """
                    INSERT OR IGNORE INTO contact(customer_id, channel, at, topic, summary, outcome, source_system) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [contact.customerID, contact.channel.rawValue, contact.at.timeIntervalSince1970, contact.topic,
                                     contact.summary, contact.outcome, contact.sourceSystem])
                for followUp in followUps {
                    try db.execute(sql: "INSERT INTO follow_up(customer_id, description, due, channel) VALUES (?, ?, ?, ?)",
                                   arguments: [followUp.customerID, followUp.description, followUp.due.timeIntervalSince1970, followUp.channel.rawValue])
                }
            } else {
                // Anonymous (or consent withdrawn during the session): keep what statistics need (tasks,
                // outcome kinds, who did the steps, times, answers), no link to the customer and no free text.
                try Self.anonymiseSession(sessionID, in: db)
            }
        }
    }

    /// Keeps what statistics need of a session (tasks, outcome kinds, who did the steps, times, answers)
    /// and removes the link to the customer and every free text.
    static func anonymiseSession(_ sessionID: Int64, in db: Database) throws {
        try db.execute(sql: "UPDATE assisted_session SET customer_id = NULL WHERE id = ?", arguments: [sessionID])
        try db.execute(sql: "UPDATE session_step SET description = '', reason = NULL WHERE session_id = ?", arguments: [sessionID])
        try db.execute(sql: "UPDATE session_task SET outcome_detail = '', follow_up_who = NULL WHERE session_id = ?", arguments: [sessionID])
        try db.execute(sql: "DELETE FROM session_note WHERE session_id = ?", arguments: [sessionID])
        // Messages a remote colleague sent to the screen are free text too.
        try db.execute(sql: """
            UPDATE help_event SET text = '' WHERE help_request_id IN (SELECT id FROM help_request WHERE session_id = ?)
            """, arguments: [sessionID])
    }

    public func readTogether(messageID: Int64, customerID: Int64, contact: Contact, sessionID: Int64? = nil) throws -> Bool {
        try writer.write { db in
            try db.execute(sql: "UPDATE message SET read = 1 WHERE id = ? AND customer_id = ? AND read = 0", arguments: [messageID, customerID])
            guard db.changesCount == 1 else { return false }
            // Counted on the session too, so the insights keep it when the record is erased.
            if let sessionID {
                try db.execute(sql: "UPDATE assisted_session SET messages_read = messages_read + 1 WHERE id = ?", arguments: [sessionID])
            }
            try db.execute(sql: """
                INSERT OR IGNORE INTO contact(customer_id, channel, at, topic, summary, outcome, source_system) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [customerID, contact.channel.rawValue, contact.at.timeIntervalSince1970, contact.topic, contact.summary,
                                 contact.outcome, contact.sourceSystem])
            return true
        }
    }

    public func openSessions(branches: BranchScope) throws -> [OpenSessionSummary] {
        try writer.read { db in
            let (condition, arguments) = Self.branchCondition("s.branch", branches)
            return try Row.fetchAll(db, sql: """
                SELECT s.id, s.started_at, s.staff_id, s.branch, c.given_name || ' ' || c.family_name AS name FROM assisted_session s
                LEFT JOIN customer c ON c.id = s.customer_id WHERE s.phase != 'closed' AND \(condition) ORDER BY s.started_at
                """, arguments: arguments).map { row in
                OpenSessionSummary(id: row["id"], startedAt: Date(timeIntervalSince1970: row["started_at"]), customerName: row["name"],
                                   staffID: row["staff_id"], branch: row["branch"])
            }
        }
    }

    public func taskHistory(customerID: Int64) throws -> [TaskHistoryEntry] {
        try writer.read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT t.id, t.task_id, t.names, s.started_at, s.self_reliance,
                       (SELECT group_concat(actor) FROM session_step WHERE session_task_id = t.id) AS actors
                FROM session_task t JOIN assisted_session s ON s.id = t.session_id
                WHERE s.customer_id = ? AND s.phase = 'closed' ORDER BY t.task_id, s.started_at
                """), arguments: [customerID]).map { row in
                let names = (try? JSONDecoder().decode([String: String].self, from: Data((row["names"] as String).utf8))) ?? [:]
                let actors = ((row["actors"] as String?) ?? "").split(separator: ",").compactMap { StepActor(rawValue: String($0)) }
                return TaskHistoryEntry(taskID: row["task_id"], taskNames: names, date: Date(timeIntervalSince1970: row["started_at"]),
                                        actors: actors, selfReliance: (row["self_reliance"] as String?).flatMap(SelfReliance.init))
            }
        }
    }

    /// Sessions, newest first, for the API: optionally from/to a start date, at one branch, with one task;
    /// `beforeID` continues a listing (the cursor).
    public func sessionList(from: Date?, to: Date?, branch: String?, branches: BranchScope, taskID: String?, beforeID: Int64?,
                            limit: Int) throws -> [AssistedSession] {
        let ids: [Int64] = try writer.read { db in
            let (scope, scopeArguments) = Self.branchCondition("s.branch", branches)
            var conditions = [scope]
            var arguments: StatementArguments = scopeArguments
            if let from { conditions.append("s.started_at >= ?"); arguments += [from.timeIntervalSince1970] }
            if let to { conditions.append("s.started_at < ?"); arguments += [to.timeIntervalSince1970] }
            if let branch { conditions.append("s.branch = ?"); arguments += [branch] }
            if let taskID { conditions.append("EXISTS (SELECT 1 FROM session_task t WHERE t.session_id = s.id AND t.task_id = ?)"); arguments += [taskID] }
            if let beforeID { conditions.append("s.id < ?"); arguments += [beforeID] }
            arguments += [limit]
            return try Int64.fetchAll(db, sql: """
                SELECT s.id FROM assisted_session s
                WHERE \(conditions.joined(separator: " AND ")) ORDER BY s.id DESC LIMIT ?
                """, arguments: arguments)
        }
        return try ids.compactMap { try session(id: $0) }
    }

    /// Whether the customer's latest answer for a purpose is yes.
    public func hasConsent(customerID: Int64, purpose: Consent.Purpose) throws -> Bool {
        try writer.read { db in
            try Bool.fetchOne(db.cachedStatement(sql: """
                SELECT given FROM consent WHERE customer_id = ? AND purpose = ? ORDER BY at DESC, id DESC LIMIT 1
                """), arguments: [customerID, purpose.rawValue]) ?? false
        }
    }

    public func message(id: Int64) throws -> Message? {
        try writer.read { db in
            try Row.fetchOne(db, sql: "SELECT id, customer_id, title, sent_at, important, read FROM message WHERE id = ?", arguments: [id]).map { row in
                Message(id: row["id"], customerID: row["customer_id"], title: row["title"], sentAt: Date(timeIntervalSince1970: row["sent_at"]),
                        isImportant: row["important"], isRead: row["read"])
            }
        }
    }

    /// An SQL condition that keeps rows of the branches in scope.
    static func branchCondition(_ column: String, _ scope: BranchScope) -> (String, StatementArguments) {
        guard let codes = scope.codes else { return ("1 = 1", []) }
        guard !codes.isEmpty else { return ("0 = 1", []) }
        return ("\(column) IN (\(codes.map { _ in "?" }.joined(separator: ", ")))", StatementArguments(codes))
    }
}

extension TaskOutcome {
    /// How both stores keep an outcome in `session_task`: its detail text, the partner of a referral, and who,
    /// when (seconds since 1970) and how of a follow-up.
    var storedColumns: (detail: String, partner: String?, who: String?, due: Double?, channel: String?) {
        switch self {
        case .resolved: ("", nil, nil, nil, nil)
        case .partly(let text), .notPossible(let text): (text, nil, nil, nil, nil)
        case .referred(let to, let handover): (handover, to, nil, nil, nil)
        case .followUp(let person, let date, let via): ("", nil, person, date.timeIntervalSince1970, via.rawValue)
        }
    }
}
