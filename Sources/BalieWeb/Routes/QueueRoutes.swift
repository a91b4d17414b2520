import BalieCore
import BalieHTTP
import Foundation

/// The walk-in queue: a ticket without personal data, staff calling the next one (priority first), the
/// waiting-room display updated live, and a session started from a ticket carrying its waiting time.
extension WebApp {
    /// Seconds between refreshes of the display without JavaScript.
    static let displayRefreshSeconds = 10
    static let displayedCalls = 6

    func registerQueueRoutes() {
        get("/queue/take", .customerKiosk) { [unowned self] request in
            let language = request.language
            let model = QueueTakePage(
                layout: layout(request, title: localization.text("queue.take_title", language)),
                groups: TaskGroup.allCases.map { group in
                    .init(id: group.rawValue, icon: group.icon, name: localization.text("groups.\(group.translationKey).name", language),
                          description: localization.text("groups.\(group.translationKey).description", language))
                })
            return try page("pages/queue_take", model, language: language)
        }
        post("/queue/tickets", .customerKiosk) { [unowned self] request in
            guard let group = TaskGroup(rawValue: request.form["group"] ?? "") else { throw PageError.badRequest("Unknown task group.") }
            try limitAnonymousWrite(request)
            let ticket = try database.takeTicket(branch: request.kiosk!.branchCode, day: queueDay(request.kiosk!.branchCode), group: group,
                                                 priority: request.form["extra_help"] == "1", at: Date())
            return .redirect(to: "/queue/tickets/\(ticket.id!)")
        }
        get("/queue/tickets/:id", .customerKiosk) { [unowned self] request in
            try ticketPage(request, try accessibleTicket(request))
        }
        get("/queue", .recordReaders) { [unowned self] request in try staffQueuePage(request) }
        post("/queue/call-next", .recordReaders) { [unowned self] request in
            let branch = try workingBranch(request), day = try queueDay(branch)
            try database.expireTickets(branch: branch, before: day)
            if let ticket = try database.callNext(branch: branch, day: day, groups: TaskGroup.allCases,
                                                  staffID: request.signedIn!.staffID, desk: deskName(request), at: Date()) {
                announce(ticket)
            }
            return .redirect(to: "/queue")
        }
        post("/queue/tickets/:id/recall", .recordReaders) { [unowned self] request in
            let ticket = try calledTicket(request)
            _ = try database.updateTicket(id: ticket.id!, status: .called, group: nil, sessionID: nil, at: Date())
            announce(ticket)
            return .redirect(to: "/queue")
        }
        post("/queue/tickets/:id/no-show", .recordReaders) { [unowned self] request in
            _ = try database.updateTicket(id: try calledTicket(request).id!, status: .noShow, group: nil, sessionID: nil, at: Date())
            return .redirect(to: "/queue")
        }
        post("/queue/tickets/:id/transfer", .recordReaders) { [unowned self] request in
            guard let group = TaskGroup(rawValue: request.form["group"] ?? "") else { throw PageError.badRequest("Unknown task group.") }
            // Back in the queue for the other group, keeping its place in time.
            _ = try database.updateTicket(id: try calledTicket(request).id!, status: .waiting, group: group, sessionID: nil, at: nil)
            return .redirect(to: "/queue")
        }
        post("/queue/tickets/:id/start", .recordReaders) { [unowned self] request in
            let ticket = try calledTicket(request)
            let signedIn = request.signedIn!
            let now = Date()
            let waited = Int((ticket.calledAt ?? now).timeIntervalSince(ticket.createdAt))
            let session = try database.createSession(AssistedSession(
                customerID: nil, staffID: signedIn.staffID, kiosk: request.kiosk?.name ?? Self.staffDeskName, branch: ticket.branch, startedAt: now, waitingSeconds: max(0, waited),
                language: request.language))
            _ = try database.updateTicket(id: ticket.id!, status: .serving, group: nil, sessionID: session.id, at: now)
            try database.appendAudit(AuditEvent(at: now, action: .sessionStarted, actorID: signedIn.staffID, actorRole: signedIn.staff.role,
                                                subject: nil, origin: origin(request), detail: "session \(session.id!) from ticket \(ticket.code)",
                                                branch: ticket.branch))
            return .redirect(to: "/sessions/\(session.id!)")
        }
        // A display follows its own branch; an enrolled kiosk or a member of staff finds theirs at /display.
        get("/display") { [unowned self] request in
            guard let branch = request.workingBranch else { throw PageError.notEnrolled }
            return .redirect(to: "/branches/\(Self.queryEscaped(branch))/display", status: .found)
        }
        get("/branches/:code/display") { [unowned self] request in
            guard let branch = try database.branch(code: request.parameters["code"] ?? "") else { throw PageError.notFound("No such branch.") }
            let calls = try database.tickets(branch: branch.code, day: queueDay(branch), statuses: [.called, .serving])
                .filter { $0.calledAt != nil }.sorted { $0.calledAt! > $1.calledAt! }.prefix(Self.displayedCalls)
            // A screen on the wall: no idle reset, no staff header.
            var screen = layout(request, title: localization.text("queue.display_title", request.language))
            screen.customerMode = false
            screen.staffMode = false
            screen.staffSignedIn = false
            let model = QueueDisplayPage(
                layout: screen, calls: calls.map { .init(code: $0.code, desk: $0.desk ?? "") },
                eventsURL: "/branches/\(Self.queryEscaped(branch.code))/display/events", refreshSeconds: Self.displayRefreshSeconds)
            return try page("pages/queue_display", model, language: request.language)
        }
        get("/branches/:code/display/events") { [unowned self] request in
            guard let branch = try database.branch(code: request.parameters["code"] ?? "") else { throw PageError.notFound("No such branch.") }
            let lastID = request.http.headers["Last-Event-ID"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard let stream = queueEvents.subscribe(branch: branch.code, lastEventID: lastID) else {
                return Response(status: .serviceUnavailable, headers: HTTPHeaders([("Retry-After", "30")]))
            }
            return .eventStream(stream)
        }
    }

    private func announce(_ ticket: QueueTicket) {
        queueEvents.publish(branch: ticket.branch, name: "called", data: Self.json(["code": ticket.code, "desk": ticket.desk ?? ""] as [String: String]))
    }

    private func calledTicket(_ request: PageRequest) throws -> QueueTicket {
        let ticket = try accessibleTicket(request)
        guard ticket.status == .called else { throw PageError.badRequest("This ticket is not called.") }
        return ticket
    }

    func today(_ now: Date = Date()) -> String { formatted(now, "yyyy-MM-dd") }

    /// The queue runs by the branch's own calendar day (a branch in Willemstad starts its day hours after one
    /// in Amsterdam); a branch without a known zone uses the server's.
    func queueDay(_ branch: Branch, _ now: Date = Date()) -> String {
        dateFormats.string(from: now, format: "yyyy-MM-dd", timeZone: TimeZone(identifier: branch.timeZone) ?? configuration.timeZone)
    }

    func queueDay(_ code: String, _ now: Date = Date()) throws -> String {
        guard let branch = try database.branch(code: code) else { return today(now) }
        return queueDay(branch, now)
    }

    /// What the display shows as the place to go: the kiosk or desk where staff called from.
    private func deskName(_ request: PageRequest) -> String {
        request.kiosk?.name ?? String(request.signedIn?.staff.fullName.split(separator: " ").first ?? "")
    }

    private func ticketPage(_ request: PageRequest, _ ticket: QueueTicket) throws -> Response {
        let language = request.language
        let ahead = ticket.status == .waiting ? try database.peopleAhead(of: ticket) : 0
        let service = try database.recentServiceMinutes(branch: ticket.branch, group: ticket.group, since: Date().addingTimeInterval(-14 * 86_400))
        let onDuty = max(1, try database.openSessions(branches: .only([ticket.branch])).map(\.staffID).reduce(into: Set<Int64>()) { $0.insert($1) }.count)
        let wait = QueueRules.waitRange(peopleAhead: ahead, serviceMinutes: service, staffOnDuty: onDuty)
        // Said plainly when the wait may run past closing time, rather than letting someone wait in vain.
        var closesText: String?
        if let wait, let closing = try database.branch(code: ticket.branch)?.closing(after: Date()), wait.high > closing.minutesLeft {
            closesText = localization.text("queue.closes_before_turn", language, ["time": WeeklyHours.clock(closing.closesAt)])
        }
        let model = QueueTicketPage(
            layout: layout(request, title: localization.text("queue.ticket_title", language)),
            ticket: .init(code: ticket.code, groupName: localization.text("groups.\(ticket.group.translationKey).name", language)),
            peopleAheadText: localization.plural("queue.people_ahead", count: ahead, language),
            waitText: waitText(wait, peopleAhead: ahead, language: language),
            hasPriority: ticket.priority, closesText: closesText)
        return try page("pages/queue_ticket", model, language: language)
    }

    /// "You are next", "About 10 minutes" for one person ahead, else an honest range.
    private func waitText(_ wait: (low: Int, high: Int)?, peopleAhead: Int, language: String) -> String {
        guard let wait else { return localization.text("queue.wait_next", language) }
        if peopleAhead == 1 { return localization.text("queue.wait_about", language, ["minutes": String(wait.high)]) }
        return localization.text("queue.wait_range", language, ["low": String(wait.low), "high": String(wait.high)])
    }

    private func staffQueuePage(_ request: PageRequest) throws -> Response {
        let language = request.language
        let branch = try workingBranch(request), day = try queueDay(branch)
        try database.expireTickets(branch: branch, before: day)
        let now = Date()
        let tickets = try database.tickets(branch: branch, day: day, statuses: [.waiting, .called])
        let waiting = tickets.filter { $0.status == .waiting }, called = tickets.filter { $0.status == .called }
        var names: [Int64: String] = [:]
        for id in Set(called.compactMap(\.calledBy)) { names[id] = try database.staff(id: id)?.fullName }
        let model = QueueStaffPage(
            layout: layout(request, title: localization.text("queue.staff_title", language)),
            waiting: waiting.map { ticket in
                .init(code: ticket.code, groupName: localization.text("groups.\(ticket.group.translationKey).name", language),
                      priority: ticket.priority, waited: "\(Int(now.timeIntervalSince(ticket.createdAt) / 60)) min")
            },
            called: called.map { ticket in
                let base = "/queue/tickets/\(ticket.id!)"
                return .init(
                    code: ticket.code, groupName: localization.text("groups.\(ticket.group.translationKey).name", language),
                    calledBy: ticket.calledBy.flatMap { names[$0] } ?? "", desk: ticket.desk ?? "",
                    recallAction: "\(base)/recall", noShowAction: "\(base)/no-show", startAction: "\(base)/start",
                    transferAction: "\(base)/transfer",
                    transferGroups: TaskGroup.allCases.filter { $0 != ticket.group }.map {
                        .init(id: $0.rawValue, name: localization.text("groups.\($0.translationKey).name", language))
                    })
            })
        return try page("pages/queue_staff", model, language: language)
    }
}
