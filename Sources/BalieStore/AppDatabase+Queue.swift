import BalieCore
import Foundation
import GRDB

extension AppDatabase: QueueRepository {
    private static let ticketColumns = "id, branch, day, number, task_group, priority, status, created_at, called_at, called_by, desk, session_id, code"

    private static func ticket(_ row: Row) -> QueueTicket {
        QueueTicket(id: row["id"], branch: row["branch"], day: row["day"], number: row["number"],
                    group: TaskGroup(rawValue: row["task_group"]) ?? .other, priority: row["priority"],
                    status: QueueTicket.Status(rawValue: row["status"]) ?? .waiting, createdAt: Date(timeIntervalSince1970: row["created_at"]),
                    calledAt: (row["called_at"] as Double?).map(Date.init(timeIntervalSince1970:)), calledBy: row["called_by"],
                    desk: row["desk"], sessionID: row["session_id"], code: row["code"])
    }

    public func takeTicket(branch: String, day: String, group: TaskGroup, priority: Bool, at: Date) throws -> QueueTicket {
        try writer.write { db in
            let number = (try Int.fetchOne(db, sql: "SELECT max(number) FROM queue_ticket WHERE branch = ? AND day = ?", arguments: [branch, day]) ?? 0) + 1
            let code = QueueTicket.code(group: group, number: number)
            try db.execute(sql: """
                INSERT INTO queue_ticket(branch, day, number, task_group, priority, status, created_at, code) VALUES (?, ?, ?, ?, ?, 'waiting', ?, ?)
                """, arguments: [branch, day, number, group.rawValue, priority, at.timeIntervalSince1970, code])
            return QueueTicket(id: db.lastInsertedRowID, branch: branch, day: day, number: number, group: group, priority: priority, createdAt: at)
        }
    }

    public func ticket(id: Int64) throws -> QueueTicket? {
        try writer.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.ticketColumns) FROM queue_ticket WHERE id = ?", arguments: [id]).map(Self.ticket)
        }
    }

    public func tickets(branch: String, day: String, statuses: [QueueTicket.Status]) throws -> [QueueTicket] {
        try writer.read { db in
            let marks = statuses.map { _ in "?" }.joined(separator: ", ")
            var arguments: StatementArguments = [branch, day]
            arguments += StatementArguments(statuses.map(\.rawValue))
            return try Row.fetchAll(db, sql: """
                SELECT \(Self.ticketColumns) FROM queue_ticket WHERE branch = ? AND day = ? AND status IN (\(marks))
                ORDER BY CASE WHEN status = 'waiting' THEN 0 ELSE 1 END, priority DESC, created_at, id
                """, arguments: arguments).map(Self.ticket)
        }
    }

    public func callNext(branch: String, day: String, groups: [TaskGroup], staffID: Int64, desk: String, at: Date) throws -> QueueTicket? {
        try writer.write { db in
            let marks = groups.map { _ in "?" }.joined(separator: ", ")
            var arguments: StatementArguments = [branch, day]
            arguments += StatementArguments(groups.map(\.rawValue))
            guard let id = try Int64.fetchOne(db, sql: """
                SELECT id FROM queue_ticket WHERE branch = ? AND day = ? AND status = 'waiting' AND task_group IN (\(marks))
                ORDER BY priority DESC, created_at, id LIMIT 1
                """, arguments: arguments) else { return nil }
            try db.execute(sql: "UPDATE queue_ticket SET status = 'called', called_at = ?, called_by = ?, desk = ? WHERE id = ? AND status = 'waiting'",
                           arguments: [at.timeIntervalSince1970, staffID, desk, id])
            return try Row.fetchOne(db, sql: "SELECT \(Self.ticketColumns) FROM queue_ticket WHERE id = ?", arguments: [id]).map(Self.ticket)
        }
    }

    public func updateTicket(id: Int64, status: QueueTicket.Status, group: TaskGroup?, sessionID: Int64?, at: Date?) throws -> Bool {
        try writer.write { db in
            try db.execute(sql: """
                UPDATE queue_ticket SET status = ?, task_group = coalesce(?, task_group), session_id = coalesce(?, session_id),
                       called_at = CASE WHEN ? = 'called' THEN ? WHEN ? = 'waiting' THEN NULL ELSE called_at END,
                       called_by = CASE WHEN ? = 'waiting' THEN NULL ELSE called_by END,
                       desk = CASE WHEN ? = 'waiting' THEN NULL ELSE desk END,
                       finished_at = CASE WHEN ? IN ('done', 'no-show') THEN ? ELSE finished_at END
                WHERE id = ? AND status IN ('waiting', 'called', 'serving')
                """, arguments: [status.rawValue, group?.rawValue, sessionID, status.rawValue, at?.timeIntervalSince1970, status.rawValue,
                                 status.rawValue, status.rawValue, status.rawValue, at?.timeIntervalSince1970, id])
            return db.changesCount == 1
        }
    }

    public func peopleAhead(of ticket: QueueTicket) throws -> Int {
        try writer.read { db in
            try Int.fetchOne(db, sql: """
                SELECT count(*) FROM queue_ticket WHERE branch = ? AND day = ? AND status = 'waiting' AND id != ?
                  AND (priority > ? OR (priority = ? AND (created_at < ? OR (created_at = ? AND id < ?))))
                """, arguments: [ticket.branch, ticket.day, ticket.id, ticket.priority, ticket.priority,
                                 ticket.createdAt.timeIntervalSince1970, ticket.createdAt.timeIntervalSince1970, ticket.id]) ?? 0
        }
    }

    public func recentServiceMinutes(branch: String, group: TaskGroup, since: Date) throws -> Double? {
        try writer.read { db in
            try Double.fetchOne(db, sql: """
                SELECT avg(s.finished_at - s.started_at) / 60.0 FROM queue_ticket q JOIN assisted_session s ON s.id = q.session_id
                WHERE q.branch = ? AND q.task_group = ? AND s.finished_at IS NOT NULL AND s.started_at >= ?
                """, arguments: [branch, group.rawValue, since.timeIntervalSince1970])
        }
    }

    @discardableResult
    public func expireTickets(branch: String, before day: String) throws -> Int {
        try writer.write { db in
            try db.execute(sql: "UPDATE queue_ticket SET status = 'expired' WHERE branch = ? AND day < ? AND status IN ('waiting', 'called')",
                           arguments: [branch, day])
            return db.changesCount
        }
    }
}
