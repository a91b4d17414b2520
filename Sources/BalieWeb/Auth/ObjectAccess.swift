import BalieCore
import BalieHTTP
import Foundation

/// The one place where an id from a URL becomes an object: each loader applies the rule for its kind
/// (`AccessRules`), and a refusal answers exactly like an object that does not exist, changes nothing,
/// and is itself audited.
extension WebApp {
    /// An assisted session of the requester's branches.
    func accessibleSession(_ request: PageRequest, id: String? = nil, details: Bool = true) throws -> AssistedSession {
        guard let id = Int64(id ?? request.parameters["id"] ?? ""), let session = try database.session(id: id, details: details) else {
            throw PageError.notFound("No such session.")
        }
        guard AccessRules.mayUseBranchObject(request.requester, branch: session.branch) else {
            try refuse(request, what: "session \(id)", branch: session.branch)
        }
        return session
    }

    /// A queue ticket of the requester's branch (staff), or of the kiosk's branch (the ticket page).
    func accessibleTicket(_ request: PageRequest) throws -> QueueTicket {
        guard let id = Int64(request.parameters["id"] ?? ""), let ticket = try database.ticket(id: id) else {
            throw PageError.notFound("No such ticket.")
        }
        let allowed = request.signedIn == nil
            ? AccessRules.mayViewTicket(request.requester, branch: ticket.branch)
            : AccessRules.mayUseBranchObject(request.requester, branch: ticket.branch) && ticket.branch == request.workingBranch
        guard allowed else { try refuse(request, what: "ticket \(id)", branch: ticket.branch) }
        return ticket
    }

    func loadHelpRequest(_ request: PageRequest) throws -> HelpRequest {
        guard let id = Int64(request.parameters["id"] ?? ""), let help = try database.helpRequest(id: id) else {
            throw PageError.notFound("No such help request.")
        }
        return help
    }

    /// A help request as the kiosk that asked sees it: the same browser visit (and, in staff mode, the same
    /// member of staff).
    func kioskHelpRequest(_ request: PageRequest) throws -> HelpRequest {
        let help = try loadHelpRequest(request)
        let visitMatches = help.requesterKey.map { constantTimeEquals(Array($0.utf8), Array(requesterKey(request.visit).utf8)) } ?? false
        let allowed: Bool
        if let requestedBy = help.requestedBy {
            allowed = request.signedIn?.staffID == requestedBy && (help.requesterKey == nil || visitMatches)
        } else {
            allowed = AccessRules.mayFollowAsKiosk(request.requester, help, visitMatches: visitMatches)
        }
        guard allowed else { try refuse(request, what: "help request \(help.id!)", branch: help.branch) }
        return help
    }

    /// An open request a remote colleague may accept.
    func acceptableHelpRequest(_ request: PageRequest) throws -> HelpRequest {
        let help = try loadHelpRequest(request)
        guard AccessRules.mayAccept(request.requester, help) else { try refuse(request, what: "help request \(help.id!)", branch: help.branch) }
        return help
    }

    /// A request as the colleague who accepted it sees it.
    func helperRequest(_ request: PageRequest) throws -> HelpRequest {
        let help = try loadHelpRequest(request)
        guard AccessRules.mayHelp(request.requester, help) else { try refuse(request, what: "help request \(help.id!)", branch: help.branch) }
        return help
    }

    /// The hash that binds a help request to the browser visit that made it.
    func requesterKey(_ visit: Visit) -> String {
        SecretHash.of("help-request:\(visit.id)")
    }

    /// Audits a refused look at an object and answers "not found".
    func refuse(_ request: PageRequest, what: String, branch: String?) throws -> Never {
        try database.appendAudit(AuditEvent(
            at: Date(), action: .accessRefused, actorID: request.signedIn?.staffID, actorRole: request.signedIn?.staff.role,
            subject: nil, origin: origin(request), detail: "\(request.http.method) \(request.http.routePattern ?? "-"): \(what)",
            branch: branch))
        throw PageError.notFound("No such page.")
    }
}

extension WebApp {
    /// The branch an audit row of this request belongs to: the kiosk's, or the signed-in person's working branch.
    func auditBranch(_ request: PageRequest) -> String? {
        request.kiosk?.branchCode ?? request.signedIn?.session.workingBranch
    }
}
