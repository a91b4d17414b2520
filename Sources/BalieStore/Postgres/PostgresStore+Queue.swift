import BalieCore
import Foundation

private let ticketColumns = "id, branch, day, number, task_group, priority, status, created_at, called_at, called_by, desk, session_id, code"

private func queueTicket(_ row: PostgresRow) -> QueueTicket {
    QueueTicket(id: row.int64("id"), branch: row.string("branch"), day: row.string("day"), number: row.int("number") ?? 0,
                group: TaskGroup(rawValue: row.string("task_group")) ?? .other, priority: row.bool("priority") ?? false,
                status: QueueTicket.Status(rawValue: row.string("status")) ?? .waiting,
                createdAt: row.date("created_at") ?? Date(timeIntervalSince1970: 0), calledAt: row.date("called_at"),
                calledBy: row.int64("called_by"), desk: row["desk"], sessionID: row.int64("session_id"), code: row["code"])
}


extension PostgresStore: QueueRepository {
    public func takeTicket(branch: String, day: String, group: TaskGroup, priority: Bool, at: Date) throws -> QueueTicket {
        try write { connection in
            // One taker per branch and day at a time across all instances: the lock lasts until this transaction commits.
            try connection.execute("SELECT pg_advisory_xact_lock(hashtext('queue_ticket'), hashtext($1::text || E'\\n' || $2::text))",
                                   [SQL.text(branch), SQL.text(day)])
            let number = (try connection.rows("SELECT max(number) AS number FROM queue_ticket WHERE branch = $1 AND day = $2",
                                              [SQL.text(branch), SQL.text(day)]).first?.int("number") ?? 0) + 1
            let code = QueueTicket.code(group: group, number: number)
            let id = try connection.rows("""
                INSERT INTO queue_ticket (branch, day, number, task_group, priority, status, created_at, code)
                VALUES ($1, $2, $3, $4, $5, 'waiting', $6, $7) RETURNING id
                """, [SQL.text(branch), SQL.text(day), SQL.int(number), SQL.text(group.rawValue), SQL.bool(priority), SQL.time(at),
                      SQL.text(code)]).first?.int64("id")
            return QueueTicket(id: id, branch: branch, day: day, number: number, group: group, priority: priority, createdAt: at)
        }
    }

    public func ticket(id: Int64) throws -> QueueTicket? {
        try query("SELECT \(ticketColumns) FROM queue_ticket WHERE id = $1", [SQL.int(id)]).first.map(queueTicket)
    }

    public func tickets(branch: String, day: String, statuses: [QueueTicket.Status]) throws -> [QueueTicket] {
        try query("""
            SELECT \(ticketColumns) FROM queue_ticket WHERE branch = $1 AND day = $2 AND status = ANY ($3::text[])
            ORDER BY CASE WHEN status = 'waiting' THEN 0 ELSE 1 END, priority DESC, created_at, id
            """, [SQL.text(branch), SQL.text(day), SQL.textArray(statuses.map(\.rawValue))]).map(queueTicket)
    }

    public func callNext(branch: String, day: String, groups: [TaskGroup], staffID: Int64, desk: String, at: Date) throws -> QueueTicket? {
        try write { connection in
            // SKIP LOCKED: a ticket another instance is calling right now is passed over, so no two callers get the same one.
            try connection.rows("""
                UPDATE queue_ticket SET status = 'called', called_at = $4, called_by = $5, desk = $6
                WHERE status = 'waiting' AND id = (
                    SELECT id FROM queue_ticket WHERE branch = $1 AND day = $2 AND status = 'waiting' AND task_group = ANY ($3::text[])
                    ORDER BY priority DESC, created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING \(ticketColumns)
                """, [SQL.text(branch), SQL.text(day), SQL.textArray(groups.map(\.rawValue)), SQL.time(at), SQL.int(staffID), SQL.text(desk)])
                .first.map(queueTicket)
        }
    }

    public func updateTicket(id: Int64, status: QueueTicket.Status, group: TaskGroup?, sessionID: Int64?, at: Date?) throws -> Bool {
        try write { connection in
            try connection.execute("""
                UPDATE queue_ticket SET status = $1::text, task_group = coalesce($2::text, task_group), session_id = coalesce($3::bigint, session_id),
                       called_at = CASE WHEN $1::text = 'called' THEN $4::double precision WHEN $1::text = 'waiting' THEN NULL ELSE called_at END,
                       called_by = CASE WHEN $1::text = 'waiting' THEN NULL ELSE called_by END,
                       desk = CASE WHEN $1::text = 'waiting' THEN NULL ELSE desk END,
                       finished_at = CASE WHEN $1::text IN ('done', 'no-show') THEN $4::double precision ELSE finished_at END
                WHERE id = $5 AND status IN ('waiting', 'called', 'serving')
                """, [SQL.text(status.rawValue), SQL.text(group?.rawValue), SQL.int(sessionID), SQL.time(at), SQL.int(id)]).affected == 1
        }
    }

    public func peopleAhead(of ticket: QueueTicket) throws -> Int {
        try query("""
            SELECT count(*) AS ahead FROM queue_ticket WHERE branch = $1 AND day = $2 AND status = 'waiting' AND id <> $3::bigint
              AND (priority > $4::boolean OR (priority = $4::boolean AND (created_at < $5::double precision
                   OR (created_at = $5::double precision AND id < $3::bigint))))
            """, [SQL.text(ticket.branch), SQL.text(ticket.day), SQL.int(ticket.id), SQL.bool(ticket.priority), SQL.time(ticket.createdAt)])
            .first?.int("ahead") ?? 0
    }

    public func recentServiceMinutes(branch: String, group: TaskGroup, since: Date) throws -> Double? {
        try query("""
            SELECT avg(s.finished_at - s.started_at) / 60.0 AS minutes FROM queue_ticket q JOIN assisted_session s ON s.id = q.session_id
            WHERE q.branch = $1 AND q.task_group = $2 AND s.finished_at IS NOT NULL AND s.started_at >= $3
            """, [SQL.text(branch), SQL.text(group.rawValue), SQL.time(since)]).first?.double("minutes")
    }

    @discardableResult
    public func expireTickets(branch: String, before day: String) throws -> Int {
        try write { connection in
            try connection.execute("UPDATE queue_ticket SET status = 'expired' WHERE branch = $1 AND day < $2 AND status IN ('waiting', 'called')",
                                   [SQL.text(branch), SQL.text(day)]).affected
        }
    }
}

extension PostgresStore: StaffCallRepository {
    @discardableResult
    public func record(_ call: StaffCall) throws -> StaffCall {
        try write { connection in
            var stored = call
            stored.id = try connection.rows("INSERT INTO staff_call (kiosk, branch, task_group, at) VALUES ($1, $2, $3, $4) RETURNING id",
                                            [SQL.text(call.kiosk), SQL.text(call.branch), SQL.text(call.group?.rawValue), SQL.time(call.at)])
                .first?.int64("id")
            return stored
        }
    }

    public func staffCallCount(kiosk: String, branch: String, since: Date) throws -> Int {
        try query("SELECT count(*) AS calls FROM staff_call WHERE branch = $1 AND kiosk = $2 AND at >= $3",
                  [SQL.text(branch), SQL.text(kiosk), SQL.time(since)]).first?.int("calls") ?? 0
    }

    public func recentStaffCalls(branch: String, limit: Int) throws -> [StaffCall] {
        // A negative limit means "no limit" in SQLite; PostgreSQL refuses it, and LIMIT NULL means the same.
        try query("SELECT id, kiosk, branch, task_group, at FROM staff_call WHERE branch = $1 ORDER BY at DESC, id DESC LIMIT $2::bigint",
                  [SQL.text(branch), limit < 0 ? nil : SQL.int(limit)]).map { row in
            StaffCall(id: row.int64("id"), kiosk: row.string("kiosk"), branch: row.string("branch"),
                      group: row["task_group"].flatMap(TaskGroup.init), at: row.date("at") ?? Date(timeIntervalSince1970: 0))
        }
    }
}
