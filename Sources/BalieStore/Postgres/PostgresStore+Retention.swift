import BalieCore
import Foundation

extension PostgresStore: RetentionRepository {
    /// The advisory lock that makes the daily purge run once across instances ("purg" in ASCII).
    static let purgeLockKey = "1886745191"

    /// As the SQLite store's purge. Every instance runs it daily; the first to take the lock does the work
    /// and the others, finding it taken, report nothing gone. Old audit rows go only through the schema's
    /// `balie_purge_audit`, the one way the audit trail lets rows be deleted.
    public func purge(policy: RetentionPolicy, now: Date, dryRun: Bool) throws -> PurgeReport {
        let (sessions, audit, tickets) = policy.cutoffs(now: now)
        return try write { connection in
            let locked = try connection.rows("SELECT pg_try_advisory_xact_lock($1) AS locked", [Self.purgeLockKey]).first?.bool("locked") ?? false
            guard locked else { return PurgeReport(sessionsAnonymised: 0, auditRowsDeleted: 0, ticketsDeleted: 0) }
            let sessionIDs = try connection.rows("""
                SELECT id FROM assisted_session WHERE customer_id IS NOT NULL AND phase = 'closed' AND finished_at < $1 ORDER BY id
                """, [SQL.time(sessions)]).compactMap { $0.int64("id") }
            func count(_ sql: String, _ cutoff: Date) throws -> Int {
                try connection.rows(sql, [SQL.time(cutoff)]).first?.int("n") ?? 0
            }
            let report = PurgeReport(
                sessionsAnonymised: sessionIDs.count,
                auditRowsDeleted: try count("SELECT count(*) AS n FROM audit_event WHERE at < $1", audit),
                ticketsDeleted: try count("SELECT count(*) AS n FROM queue_ticket WHERE created_at < $1", tickets),
                helpRequestsDeleted: try count("SELECT count(*) AS n FROM help_request WHERE session_id IS NULL AND created_at < $1", tickets))
            guard !dryRun else { return report }
            for id in sessionIDs { try anonymiseSession(id, in: connection) }
            try connection.execute("SELECT balie_purge_audit($1)", [SQL.time(audit)])
            try connection.execute("DELETE FROM queue_ticket WHERE created_at < $1", [SQL.time(tickets)])
            try connection.execute("DELETE FROM help_request WHERE session_id IS NULL AND created_at < $1", [SQL.time(tickets)])
            // Live events are only for streams that reconnect; a day is far more than any reconnect needs.
            try connection.execute("DELETE FROM live_event WHERE at < $1", [SQL.time(now.addingTimeInterval(-86_400))])
            try connection.execute("DELETE FROM write_event WHERE at < $1", [SQL.time(now.addingTimeInterval(-86_400))])
            return report
        }
    }
}
