import ArgumentParser
import BalieCore
import BalieStore
import Foundation

/// The retention settings, shared by `purge` and `serve` (which purges once a day).
struct RetentionOptions: ParsableArguments {
    @Option(help: "Days a session stays linked to the customer, then it is anonymised (env BALIE_SESSIONS_PERSONAL_DAYS; default 365).")
    var sessionsPersonalDays: Int?
    @Option(help: "Days audit rows are kept (env BALIE_AUDIT_DAYS; default 730).") var auditDays: Int?
    @Option(help: "Days queue tickets are kept (env BALIE_TICKET_DAYS; default 30).") var ticketDays: Int?

    func policy() throws -> RetentionPolicy {
        var policy = RetentionPolicy()
        policy.sessionsPersonalDays = try Environment.int("SESSIONS_PERSONAL_DAYS", sessionsPersonalDays, default: policy.sessionsPersonalDays)
        policy.auditDays = try Environment.int("AUDIT_DAYS", auditDays, default: policy.auditDays)
        policy.ticketDays = try Environment.int("TICKET_DAYS", ticketDays, default: policy.ticketDays)
        guard policy.sessionsPersonalDays >= 1, policy.auditDays >= 1, policy.ticketDays >= 1 else {
            throw ValidationError("Retention periods must be at least 1 day.")
        }
        return policy
    }
}

struct Purge: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply the retention periods now; --dry-run reports what would go.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var retention: RetentionOptions
    @Flag(help: "Report what would go, change nothing.") var dryRun = false

    func run() throws {
        let db = try database.openStore(connections: 2)
        let report = try db.purge(policy: try retention.policy(), now: Date(), dryRun: dryRun)
        if !dryRun {
            try db.appendAudit(AuditEvent(at: Date(), action: .purged, actorID: nil, subject: nil, origin: "cli", detail: report.description))
        }
        print((dryRun ? "Would purge: " : "Purged: ") + report.description + ".")
    }
}
