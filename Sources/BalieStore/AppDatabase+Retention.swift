import BalieCore
import Foundation
import GRDB

extension AppDatabase: RetentionRepository {
    /// Applies the retention policy; a dry run counts what would go and changes nothing.
    public func purge(policy: RetentionPolicy, now: Date, dryRun: Bool) throws -> PurgeReport {
        let (sessions, audit, tickets) = policy.cutoffs(now: now)
        return try writer.write { db in
            let sessionIDs = try Int64.fetchAll(db, sql: """
                SELECT id FROM assisted_session WHERE customer_id IS NOT NULL AND phase = 'closed' AND finished_at < ?
                """, arguments: [sessions.timeIntervalSince1970])
            let auditCount = try Int.fetchOne(db, sql: "SELECT count(*) FROM audit_event WHERE at < ?", arguments: [audit.timeIntervalSince1970]) ?? 0
            let ticketCount = try Int.fetchOne(db, sql: "SELECT count(*) FROM queue_ticket WHERE created_at < ?", arguments: [tickets.timeIntervalSince1970]) ?? 0
            let helpCount = try Int.fetchOne(db, sql: "SELECT count(*) FROM help_request WHERE session_id IS NULL AND created_at < ?",
                                             arguments: [tickets.timeIntervalSince1970]) ?? 0
            let report = PurgeReport(sessionsAnonymised: sessionIDs.count, auditRowsDeleted: auditCount, ticketsDeleted: ticketCount,
                                     helpRequestsDeleted: helpCount)
            guard !dryRun else { return report }
            // Past their time sessions keep only what statistics need.
            for id in sessionIDs { try Self.anonymiseSession(id, in: db) }
            // Old audit rows go by the retention rule only; the application cannot otherwise delete them.
            try db.execute(sql: "DROP TRIGGER audit_event_no_delete")
            try db.execute(sql: "DELETE FROM audit_event WHERE at < ?", arguments: [audit.timeIntervalSince1970])
            try db.execute(sql: """
                CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event BEGIN
                    SELECT RAISE(ABORT, 'the audit trail can only be appended to');
                END
                """)
            try db.execute(sql: "DELETE FROM queue_ticket WHERE created_at < ?", arguments: [tickets.timeIntervalSince1970])
            try db.execute(sql: "DELETE FROM help_request WHERE session_id IS NULL AND created_at < ?", arguments: [tickets.timeIntervalSince1970])
            return report
        }
    }
}
