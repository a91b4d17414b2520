import BalieCore
import Foundation

// Remote help requests and their log, as AppDatabase+Help.swift keeps them: the same filters, orders and
// transactions. SQLite sorts NULL first in ascending order and PostgreSQL last, hence NULLS FIRST below.

extension PostgresStore: HelpRequestRepository {
    private static let helpColumns = """
        id, kiosk, branch, topic, session_id, requested_by, requester_key, language, status, created_at, helper_id,
        accepted_at, answered_at, ended_at, ended_by
        """

    private static func helpRequest(from row: PostgresRow) -> HelpRequest {
        HelpRequest(
            id: row.int64("id"), kiosk: row.string("kiosk"), branch: row.string("branch"), topic: row.string("topic"),
            sessionID: row.int64("session_id"), requestedBy: row.int64("requested_by"), requesterKey: row["requester_key"],
            language: row.string("language"), status: HelpRequest.Status(rawValue: row.string("status")) ?? .ended,
            createdAt: row.date("created_at") ?? Date(timeIntervalSince1970: 0), helperID: row.int64("helper_id"),
            acceptedAt: row.date("accepted_at"), answeredAt: row.date("answered_at"), endedAt: row.date("ended_at"),
            endedBy: row["ended_by"].flatMap(HelpRequest.EndedBy.init))
    }


    public func createHelpRequest(_ request: HelpRequest) throws -> HelpRequest {
        try write { connection in
            let rows = try connection.rows("""
                INSERT INTO help_request (kiosk, branch, topic, session_id, requested_by, requester_key, language, status, created_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id
                """, [SQL.text(request.kiosk), SQL.text(request.branch), SQL.text(request.topic), SQL.int(request.sessionID),
                      SQL.int(request.requestedBy), SQL.text(request.requesterKey), SQL.text(request.language),
                      SQL.text(request.status.rawValue), SQL.time(request.createdAt)])
            guard let id = rows.first?.int64("id") else { throw PostgresError(sqlState: "", message: "no id returned", isUnavailable: false) }
            var created = request
            created.id = id
            try connection.execute(.insertHelpEvent(HelpEvent(helpRequestID: id, at: request.createdAt, kind: .requested, actorID: request.requestedBy)))
            return created
        }
    }

    public func helpRequest(id: Int64) throws -> HelpRequest? {
        try query("SELECT \(Self.helpColumns) FROM help_request WHERE id = $1", [SQL.int(id)]).first.map(Self.helpRequest(from:))
    }

    public func updateHelpRequest(_ request: HelpRequest, event: HelpEvent) throws {
        try updateHelpRequest(request, event: event, audit: nil, consent: nil)
    }

    /// Stores a changed request with its log line, and in the same transaction the audit row and the
    /// customer's consent answer when there are any (one pipeline).
    public func updateHelpRequest(_ request: HelpRequest, event: HelpEvent, audit: AuditEvent?, consent: Consent?) throws {
        var statements = [
            PostgresStatement("""
                UPDATE help_request SET status = $1, helper_id = $2, accepted_at = $3, answered_at = $4, ended_at = $5, ended_by = $6
                WHERE id = $7
                """, [SQL.text(request.status.rawValue), SQL.int(request.helperID), SQL.time(request.acceptedAt), SQL.time(request.answeredAt),
                      SQL.time(request.endedAt), SQL.text(request.endedBy?.rawValue), SQL.int(request.id)]),
            .insertHelpEvent(event),
        ]
        if let consent { statements.append(.insertConsent(consent)) }
        if let audit { statements.append(.insertAudit(audit)) }
        try write(statements)
    }

    /// Logs a view or a message of the remote colleague, with its audit row (one transaction, one pipeline).
    public func logHelpEvent(_ event: HelpEvent, audit: AuditEvent) throws {
        try write([.insertHelpEvent(event), .insertAudit(audit)])
    }

    /// A step the remote colleague adds to the session, logged and audited in one transaction.
    public func addHelperStep(sessionID: Int64, _ step: SessionStep, event: HelpEvent, audit: AuditEvent) throws {
        try write([.insertStep(sessionID: sessionID, step), .insertHelpEvent(event), .insertAudit(audit)])
    }

    /// A note the remote colleague adds to the session, logged and audited in one transaction.
    public func addHelperNote(sessionID: Int64, _ note: SessionNote, event: HelpEvent, audit: AuditEvent) throws {
        try write([.insertNote(sessionID: sessionID, note), .insertHelpEvent(event), .insertAudit(audit)])
    }

    public func helpEvents(requestID: Int64) throws -> [HelpEvent] {
        try query("SELECT id, help_request_id, at, kind, actor_id, text FROM help_event WHERE help_request_id = $1 ORDER BY id",
                  [SQL.int(requestID)]).map { row in
            HelpEvent(id: row.int64("id"), helpRequestID: row.int64("help_request_id") ?? 0, at: row.date("at") ?? Date(timeIntervalSince1970: 0),
                      kind: HelpEvent.Kind(rawValue: row.string("kind")) ?? .viewed, actorID: row.int64("actor_id"), text: row.string("text"))
        }
    }

    /// Requests waiting for a colleague at the branches in scope, oldest first.
    public func openHelpRequests(branches: BranchScope) throws -> [HelpRequest] {
        var parameters: [String?] = []
        let scope = SQL.branchScope("branch", branches, &parameters)
        return try helpRequests(where: "status = 'open' AND \(scope)", parameters, order: "created_at, id")
    }

    /// The requests a colleague accepted that are still going on.
    public func liveHelpRequests(helperID: Int64) throws -> [HelpRequest] {
        try helpRequests(where: "helper_id = $1 AND status IN ('accepted', 'active')", [SQL.int(helperID)], order: "accepted_at NULLS FIRST, id")
    }

    /// The request of a session that is still going on, if any.
    public func liveHelpRequest(sessionID: Int64) throws -> HelpRequest? {
        try helpRequests(where: "session_id = $1 AND status IN ('open', 'accepted', 'active')", [SQL.int(sessionID)], order: "id DESC").first
    }

    /// Requests still going on for any session of a customer (to end them when consent is withdrawn).
    public func liveHelpRequests(customerID: Int64) throws -> [HelpRequest] {
        try helpRequests(where: """
            status IN ('open', 'accepted', 'active') AND session_id IN (SELECT id FROM assisted_session WHERE customer_id = $1)
            """, [SQL.int(customerID)], order: "id")
    }

    /// Requests still going on that a kiosk visit made in customer mode (to end them when the screen resets).
    public func liveHelpRequests(requesterKey: String) throws -> [HelpRequest] {
        try helpRequests(where: "requester_key = $1 AND status IN ('open', 'accepted', 'active')", [SQL.text(requesterKey)], order: "id")
    }

    /// Requests waiting for a colleague, at one kiosk of a branch or everywhere.
    public func openHelpRequestCount(kiosk: String?, branch: String?) throws -> Int {
        try query("""
            SELECT count(*) AS n FROM help_request
            WHERE status = 'open' AND ($1::text IS NULL OR kiosk = $1::text) AND ($2::text IS NULL OR branch = $2::text)
            """, [SQL.text(kiosk), SQL.text(branch)]).first?.int("n") ?? 0
    }

    /// Requests newest first for the API, optionally in one state; `beforeID` continues a listing.
    public func helpRequestList(status: HelpRequest.Status?, branches: BranchScope, beforeID: Int64?, limit: Int) throws -> [HelpRequest] {
        var parameters: [String?] = []
        var conditions = [SQL.branchScope("branch", branches, &parameters)]
        if let status {
            parameters.append(SQL.text(status.rawValue))
            conditions.append("status = $\(parameters.count)")
        }
        if let beforeID {
            parameters.append(SQL.int(beforeID))
            conditions.append("id < $\(parameters.count)")
        }
        return try helpRequests(where: conditions.joined(separator: " AND "), parameters, order: "id DESC", limit: limit)
    }

    /// `condition` numbers its parameters from $1; the limit comes after them. SQLite reads a negative LIMIT as
    /// none; PostgreSQL refuses it and reads LIMIT NULL as none.
    private func helpRequests(where condition: String, _ parameters: [String?], order: String, limit: Int = 500) throws -> [HelpRequest] {
        try query("SELECT \(Self.helpColumns) FROM help_request WHERE \(condition) ORDER BY \(order) LIMIT $\(parameters.count + 1)",
                  parameters + [limit < 0 ? nil : SQL.int(limit)]).map(Self.helpRequest(from:))
    }

}

extension PostgresStatement {
    /// The INSERT of one line of a help request's log.
    static func insertHelpEvent(_ event: HelpEvent) -> PostgresStatement {
        PostgresStatement("INSERT INTO help_event (help_request_id, at, kind, actor_id, text) VALUES ($1, $2, $3, $4, $5)",
                          [SQL.int(event.helpRequestID), SQL.time(event.at), SQL.text(event.kind.rawValue), SQL.int(event.actorID),
                           SQL.text(event.text)])
    }
}
