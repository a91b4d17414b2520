import BalieCore
import Foundation
import GRDB

extension AppDatabase: HelpRequestRepository {
    private static let helpColumns = """
        id, kiosk, branch, topic, session_id, requested_by, requester_key, language, status, created_at, helper_id,
        accepted_at, answered_at, ended_at, ended_by
        """

    private static func helpRequest(_ row: Row) -> HelpRequest {
        func date(_ column: String) -> Date? { (row[column] as Double?).map(Date.init(timeIntervalSince1970:)) }
        return HelpRequest(
            id: row["id"], kiosk: row["kiosk"], branch: row["branch"], topic: row["topic"], sessionID: row["session_id"],
            requestedBy: row["requested_by"], requesterKey: row["requester_key"], language: row["language"],
            status: HelpRequest.Status(rawValue: row["status"]) ?? .ended, createdAt: Date(timeIntervalSince1970: row["created_at"]),
            helperID: row["helper_id"], acceptedAt: date("accepted_at"), answeredAt: date("answered_at"), endedAt: date("ended_at"),
            endedBy: (row["ended_by"] as String?).flatMap(HelpRequest.EndedBy.init))
    }

    public func createHelpRequest(_ request: HelpRequest) throws -> HelpRequest {
        try writer.write { db in
            try db.execute(sql: """
                INSERT INTO help_request(kiosk, branch, topic, session_id, requested_by, requester_key, language, status, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [request.kiosk, request.branch, request.topic, request.sessionID, request.requestedBy, request.requesterKey,
                                 request.language, request.status.rawValue, request.createdAt.timeIntervalSince1970])
            var created = request
            created.id = db.lastInsertedRowID
            try Self.insertHelpEvent(HelpEvent(helpRequestID: created.id!, at: request.createdAt, kind: .requested, actorID: request.requestedBy), in: db)
            return created
        }
    }

    public func helpRequest(id: Int64) throws -> HelpRequest? {
        try writer.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.helpColumns) FROM help_request WHERE id = ?", arguments: [id]).map(Self.helpRequest)
        }
    }

    public func updateHelpRequest(_ request: HelpRequest, event: HelpEvent) throws {
        try updateHelpRequest(request, event: event, audit: nil, consent: nil)
    }

    /// Stores a changed request with its log line, and in the same transaction the audit row and the
    /// customer's consent answer when there are any.
    public func updateHelpRequest(_ request: HelpRequest, event: HelpEvent, audit: AuditEvent?, consent: Consent?) throws {
        try writer.write { db in
            try db.execute(sql: """
                UPDATE help_request SET status = ?, helper_id = ?, accepted_at = ?, answered_at = ?, ended_at = ?, ended_by = ? WHERE id = ?
                """, arguments: [request.status.rawValue, request.helperID, request.acceptedAt?.timeIntervalSince1970,
                                 request.answeredAt?.timeIntervalSince1970, request.endedAt?.timeIntervalSince1970, request.endedBy?.rawValue,
                                 request.id])
            try Self.insertHelpEvent(event, in: db)
            if let consent {
                try db.execute(sql: """
                    INSERT INTO consent(customer_id, purpose, given, at, recorded_by, method) VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [consent.customerID, consent.purpose.rawValue, consent.given, consent.at.timeIntervalSince1970,
                                     consent.recordedBy, consent.method.rawValue])
            }
            if let audit { try Self.appendAudit(audit, in: db) }
        }
    }

    /// Logs a view or a message of the remote colleague, with its audit row.
    public func logHelpEvent(_ event: HelpEvent, audit: AuditEvent) throws {
        try writer.write { db in
            try Self.insertHelpEvent(event, in: db)
            try Self.appendAudit(audit, in: db)
        }
    }

    /// A step the remote colleague adds to the session, logged and audited in one transaction.
    public func addHelperStep(sessionID: Int64, _ step: SessionStep, event: HelpEvent, audit: AuditEvent) throws {
        try writer.write { db in
            try db.execute(sql: "INSERT INTO session_step(session_id, session_task_id, description, actor, reason, at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [sessionID, step.sessionTaskID, step.description, step.actor.rawValue, step.reason,
                                       step.at.timeIntervalSince1970])
            try Self.insertHelpEvent(event, in: db)
            try Self.appendAudit(audit, in: db)
        }
    }

    /// A note the remote colleague adds to the session, logged and audited in one transaction.
    public func addHelperNote(sessionID: Int64, _ note: SessionNote, event: HelpEvent, audit: AuditEvent) throws {
        try writer.write { db in
            try db.execute(sql: "INSERT INTO session_note(session_id, text, at) VALUES (?, ?, ?)",
                           arguments: [sessionID, note.text, note.at.timeIntervalSince1970])
            try Self.insertHelpEvent(event, in: db)
            try Self.appendAudit(audit, in: db)
        }
    }

    public func helpEvents(requestID: Int64) throws -> [HelpEvent] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT id, help_request_id, at, kind, actor_id, text FROM help_event WHERE help_request_id = ? ORDER BY id",
                             arguments: [requestID]).map { row in
                HelpEvent(id: row["id"], helpRequestID: row["help_request_id"], at: Date(timeIntervalSince1970: row["at"]),
                          kind: HelpEvent.Kind(rawValue: row["kind"]) ?? .viewed, actorID: row["actor_id"], text: row["text"])
            }
        }
    }

    /// Requests waiting for a colleague at the branches in scope, oldest first.
    public func openHelpRequests(branches: BranchScope) throws -> [HelpRequest] {
        let (scope, arguments) = Self.branchCondition("branch", branches)
        return try helpRequests(where: "status = 'open' AND \(scope)", arguments, order: "created_at, id")
    }

    /// The requests a colleague accepted that are still going on.
    public func liveHelpRequests(helperID: Int64) throws -> [HelpRequest] {
        try helpRequests(where: "helper_id = ? AND status IN ('accepted', 'active')", [helperID], order: "accepted_at, id")
    }

    /// The request of a session that is still going on, if any.
    public func liveHelpRequest(sessionID: Int64) throws -> HelpRequest? {
        try helpRequests(where: "session_id = ? AND status IN ('open', 'accepted', 'active')", [sessionID], order: "id DESC").first
    }

    /// The latest request of a session, whatever its state.
    public func latestHelpRequest(sessionID: Int64) throws -> HelpRequest? {
        try helpRequests(where: "session_id = ?", [sessionID], order: "id DESC", limit: 1).first
    }

    /// Requests still going on for any session of a customer (to end them when consent is withdrawn).
    public func liveHelpRequests(customerID: Int64) throws -> [HelpRequest] {
        try helpRequests(where: """
            status IN ('open', 'accepted', 'active') AND session_id IN (SELECT id FROM assisted_session WHERE customer_id = ?)
            """, [customerID], order: "id")
    }

    /// Requests still going on that a kiosk visit made in customer mode (to end them when the screen resets).
    public func liveHelpRequests(requesterKey: String) throws -> [HelpRequest] {
        try helpRequests(where: "requester_key = ? AND status IN ('open', 'accepted', 'active')", [requesterKey], order: "id")
    }

    /// Requests waiting for a colleague, at one kiosk of a branch or everywhere.
    public func openHelpRequestCount(kiosk: String?, branch: String?) throws -> Int {
        try writer.read { db in
            try Int.fetchOne(db, sql: """
                SELECT count(*) FROM help_request WHERE status = 'open' AND (? IS NULL OR kiosk = ?) AND (? IS NULL OR branch = ?)
                """, arguments: [kiosk, kiosk, branch, branch]) ?? 0
        }
    }

    /// Requests newest first for the API, optionally in one state; `beforeID` continues a listing.
    public func helpRequestList(status: HelpRequest.Status?, branches: BranchScope, beforeID: Int64?, limit: Int) throws -> [HelpRequest] {
        let (scope, scopeArguments) = Self.branchCondition("branch", branches)
        var conditions = [scope]
        var arguments: StatementArguments = scopeArguments
        if let status { conditions.append("status = ?"); arguments += [status.rawValue] }
        if let beforeID { conditions.append("id < ?"); arguments += [beforeID] }
        return try helpRequests(where: conditions.joined(separator: " AND "), arguments, order: "id DESC", limit: limit)
    }

    private func helpRequests(where condition: String, _ arguments: StatementArguments, order: String, limit: Int = 500) throws -> [HelpRequest] {
        try writer.read { db in
            // Cached: the conditions and orders are the fixed ones of the functions above.
            try Row.fetchAll(db.cachedStatement(sql: "SELECT \(Self.helpColumns) FROM help_request WHERE \(condition) ORDER BY \(order) LIMIT ?"),
                             arguments: arguments + [limit]).map(Self.helpRequest)
        }
    }

    static func insertHelpEvent(_ event: HelpEvent, in db: Database) throws {
        try db.execute(sql: "INSERT INTO help_event(help_request_id, at, kind, actor_id, text) VALUES (?, ?, ?, ?, ?)",
                       arguments: [event.helpRequestID, event.at.timeIntervalSince1970, event.kind.rawValue, event.actorID, event.text])
    }
}
