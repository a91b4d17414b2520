import BalieCore
import BalieHTTP
import Foundation

/// Remote support: a kiosk asks for a colleague, a remote colleague accepts, the customer answers on
/// the kiosk screen whether that person may follow the session, and only then does the colleague see
/// it live and send messages, steps and notes. The customer ends it with one button. Both screens
/// follow the same event stream; without JavaScript they refresh themselves.
extension WebApp {
    /// Seconds between refreshes of the help screens without JavaScript.
    static let helpRefreshSeconds = 5
    static let remoteHelpers = Access.roles([.remote, .supervisor])

    func registerHelpRoutes() {
        // The kiosk side: staff mode (from a session) and customer mode (from the start or a topic page).
        post("/sessions/:id/help", .recordReaders) { [unowned self] request in
            let session = try accessibleSession(request)
            guard session.phase == .open, let id = session.id else { throw PageError.notFound("No open session.") }
            if let live = try database.liveHelpRequest(sessionID: id) { return .redirect(to: "/help/\(live.id!)") }
            let current = session.tasks.last { $0.outcome == nil } ?? session.tasks.last
            let topic = current.map { $0.name(session.language) } ?? localization.text("help.no_topic", session.language)
            return try createHelpRequest(request, topic: topic, session: session, language: session.language)
        }
        post("/kiosk/help", .customerKiosk) { [unowned self] request in
            var topic = localization.text("help.no_topic", request.language)
            if let value = request.form["group"], !value.isEmpty {
                guard let group = TaskGroup(rawValue: value) else { throw PageError.badRequest("Unknown task group.") }
                topic = localization.text("groups.\(group.translationKey).name", request.language)
            }
            return try createHelpRequest(request, topic: topic, session: nil, language: request.language)
        }
        get("/help/:id") { [unowned self] request in try kioskHelpPage(request, try kioskHelpRequest(request)) }
        get("/help/:id/events") { [unowned self] request in
            let help = try kioskHelpRequest(request)
            return helpStream(request, requestID: help.id!)
        }
        post("/help/:id/consent") { [unowned self] request in
            let help = try kioskHelpRequest(request)
            guard let answer = request.form["answer"], ["yes", "no"].contains(answer) else {
                throw PageError.badRequest("Answer yes or no.")
            }
            try answerHelp(help, yes: answer == "yes", request: request)
            return .redirect(to: "/help/\(help.id!)")
        }
        post("/help/:id/end") { [unowned self] request in
            let help = try kioskHelpRequest(request)
            try endHelp(help, by: .customer, actorID: request.signedIn?.staffID, request: request)
            return .redirect(to: "/help/\(help.id!)")
        }

        // The remote side.
        get("/remote", Self.remoteHelpers) { [unowned self] request in try remoteHomePage(request) }
        get("/remote/events", Self.remoteHelpers) { [unowned self] request in helpStream(request, requestID: nil) }
        post("/remote/requests/:id/accept", Self.remoteHelpers) { [unowned self] request in
            let help = try acceptableHelpRequest(request)
            let signedIn = request.signedIn!
            let now = Date()
            let accepted: HelpRequest
            do throws(HelpRules.Refusal) {
                accepted = try HelpRules.accept(help, helperID: signedIn.staffID, at: now)
            } catch {
                // Someone else was quicker, or the kiosk withdrew it: back to the list, which says so.
                return .redirect(to: "/remote?taken=1")
            }
            try database.updateHelpRequest(accepted, event: HelpEvent(helpRequestID: help.id!, at: now, kind: .accepted, actorID: signedIn.staffID),
                                           audit: try helpAudit(.helpAccepted, help, request), consent: nil)
            publishState(accepted)
            return .redirect(to: "/remote/requests/\(help.id!)")
        }
        get("/remote/requests/:id", Self.remoteHelpers) { [unowned self] request in try remoteRequestPage(request, try helperRequest(request)) }
        get("/remote/requests/:id/events", Self.remoteHelpers) { [unowned self] request in
            let help = try helperRequest(request)
            return helpStream(request, requestID: help.id!)
        }
        post("/remote/requests/:id/messages", Self.remoteHelpers) { [unowned self] request in
            try helperAct(request, field: "message-text") { help, signedIn, now in
                let text = try HelpRules.message(request.form["text"] ?? "")
                try HelpRules.checkHelperAction(help, helperID: signedIn.staffID)
                try database.logHelpEvent(HelpEvent(helpRequestID: help.id!, at: now, kind: .message, actorID: signedIn.staffID, text: text),
                                          audit: try helpAudit(.remoteMessageSent, help, request))
                publish(help, "message", HelpEventData(text: text, at: formatted(now, "HH:mm")))
            }
        }
        post("/remote/requests/:id/steps", Self.remoteHelpers) { [unowned self] request in
            try helperAct(request, field: "step-description") { help, signedIn, now in
                try HelpRules.checkSessionChange(help, helperID: signedIn.staffID)
                let session = try database.session(id: help.sessionID!)
                let taskID = Int64(request.form["task"] ?? "") ?? -1
                guard let session else { throw HelpRules.Refusal.noSession }
                guard let actor = StepActor(rawValue: request.form["actor"] ?? "") else { throw SessionRules.Refusal.actorMissing }
                try SessionRules.checkStep(session, taskID: taskID, actor: actor, reason: actor == .staffOnBehalf ? "remote" : "")
                let description = try SessionRules.text(request.form["description"] ?? "")
                try database.addHelperStep(
                    sessionID: session.id!,
                    SessionStep(sessionTaskID: taskID, description: description, actor: actor,
                                reason: actor == .staffOnBehalf ? localization.text("help.remote_reason", "nl") : nil, at: now),
                    event: HelpEvent(helpRequestID: help.id!, at: now, kind: .step, actorID: signedIn.staffID, text: description),
                    audit: try helpAudit(.remoteStepAdded, help, request))
                publish(help, "session", HelpEventData())
            }
        }
        post("/remote/requests/:id/notes", Self.remoteHelpers) { [unowned self] request in
            try helperAct(request, field: "note-text") { help, signedIn, now in
                try HelpRules.checkSessionChange(help, helperID: signedIn.staffID)
                guard let session = try database.session(id: help.sessionID!) else { throw HelpRules.Refusal.noSession }
                try SessionRules.checkNote(session)
                let text = try SessionRules.text(request.form["text"] ?? "")
                try database.addHelperNote(sessionID: session.id!, SessionNote(text: text, at: now),
                                           event: HelpEvent(helpRequestID: help.id!, at: now, kind: .note, actorID: signedIn.staffID, text: text),
                                           audit: try helpAudit(.remoteNoteAdded, help, request))
                publish(help, "session", HelpEventData())
            }
        }
        post("/remote/requests/:id/end", Self.remoteHelpers) { [unowned self] request in
            let help = try helperRequest(request)
            try endHelp(help, by: .helper, actorID: request.signedIn!.staffID, request: request)
            return .redirect(to: "/remote")
        }
    }

    // MARK: - Changes

    private func createHelpRequest(_ request: PageRequest, topic: String, session: AssistedSession?, language: String) throws -> Response {
        // The request is the kiosk's (customer mode) or the session's place (staff mode); the limit of waiting
        // requests holds per kiosk.
        let place: (kiosk: String, branch: String)
        if let session {
            place = (session.kiosk, session.branch)
        } else {
            guard let kiosk = request.kiosk else { throw PageError.notEnrolled }
            try limitAnonymousWrite(request)
            place = (kiosk.name, kiosk.branchCode)
        }
        let sessionID = session?.id
        let waiting = try database.openHelpRequestCount(kiosk: place.kiosk, branch: place.branch)
        do throws(HelpRules.Refusal) {
            try HelpRules.checkRequest(openAtKiosk: waiting)
        } catch {
            throw PageError.tooManyRequests("This kiosk already has help requests waiting.")
        }
        let now = Date()
        let help = try database.createHelpRequest(HelpRequest(
            kiosk: place.kiosk, branch: place.branch, topic: String(topic.prefix(200)), sessionID: sessionID,
            // Bound to this browser visit in both modes: only this screen answers the consent question.
            requestedBy: request.signedIn?.staffID, requesterKey: requesterKey(request.visit),
            language: language, createdAt: now))
        try database.appendAudit(AuditEvent(at: now, action: .helpRequested, actorID: request.signedIn?.staffID, actorRole: request.signedIn?.staff.role,
                                            subject: try customerNumber(help), origin: origin(request), detail: "help request \(help.id!)",
                                            branch: help.branch))
        helpChannels.publishOpen(name: "requested", data: Self.json(HelpEventData(id: help.id!)))
        return .redirect(to: "/help/\(help.id!)")
    }

    private func answerHelp(_ help: HelpRequest, yes: Bool, request: PageRequest) throws {
        let now = Date()
        let answered: HelpRequest
        do throws(HelpRules.Refusal) {
            answered = try HelpRules.answer(help, yes: yes, at: now)
        } catch {
            return  // Answered already (a second tap, or it ended meanwhile): the page shows the state.
        }
        var consent: Consent?
        if let sessionID = help.sessionID, let customerID = try database.session(id: sessionID)?.customerID {
            consent = Consent(customerID: customerID, purpose: .remoteViewing, given: yes, at: now, recordedBy: help.requestedBy, method: .onScreen)
        }
        let helperName = try help.helperID.flatMap { try database.staff(id: $0) }?.fullName ?? ""
        try database.updateHelpRequest(
            answered, event: HelpEvent(helpRequestID: help.id!, at: now, kind: yes ? .consentGiven : .consentRefused, actorID: nil, text: helperName),
            audit: AuditEvent(at: now, action: .consentRecorded, actorID: request.signedIn?.staffID, actorRole: request.signedIn?.staff.role,
                              subject: try customerNumber(help), origin: origin(request),
                              detail: "remote-viewing: \(yes ? "given" : "withdrawn") (on-screen) for help request \(help.id!)", branch: auditBranch(request)),
            consent: consent)
        publishState(answered)
        if !yes { helpChannels.retire(requestID: help.id!) }
    }

    /// Ends remote viewing at once on both screens.
    func endHelp(_ help: HelpRequest, by: HelpRequest.EndedBy, actorID: Int64?, request: PageRequest) throws {
        let now = Date()
        let ended: HelpRequest
        do throws(HelpRules.Refusal) {
            ended = try HelpRules.end(help, by: by, at: now)
        } catch {
            return  // Over already.
        }
        try database.updateHelpRequest(
            ended, event: HelpEvent(helpRequestID: help.id!, at: now, kind: ended.status == .cancelled ? .cancelled : .ended, actorID: actorID,
                                    text: by.rawValue),
            audit: AuditEvent(at: now, action: .remoteViewingEnded, actorID: actorID, actorRole: request.signedIn?.staff.role,
                              subject: try customerNumber(help), origin: origin(request), detail: "help request \(help.id!) ended by \(by.rawValue)", branch: auditBranch(request)),
            consent: nil)
        publishState(ended)
        helpChannels.retire(requestID: help.id!)
    }

    /// Ends every live help request of a session (it closed) or of a customer (remote-viewing consent withdrawn).
    func endHelp(sessionID: Int64? = nil, customerID: Int64? = nil, by: HelpRequest.EndedBy, request: PageRequest) throws {
        var live: [HelpRequest] = []
        if let sessionID, let help = try database.liveHelpRequest(sessionID: sessionID) { live.append(help) }
        if let customerID { live += try database.liveHelpRequests(customerID: customerID) }
        for help in live { try endHelp(help, by: by, actorID: request.signedIn?.staffID, request: request) }
    }

    /// The kiosk screen resets between customers: whatever its visitor asked for ends.
    func endHelpOfVisit(_ request: PageRequest) throws {
        guard request.signedIn == nil, !request.visit.isNew else { return }
        for help in try database.liveHelpRequests(requesterKey: requesterKey(request.visit)) {
            try endHelp(help, by: .kiosk, actorID: nil, request: request)
        }
    }

    /// Tells a colleague following the session that the kiosk changed it.
    func notifySessionChanged(_ sessionID: Int64) {
        guard let help = try? database.liveHelpRequest(sessionID: sessionID), help.status == .active else { return }
        publish(help, "session", HelpEventData())
    }

    private func helperAct(_ request: PageRequest, field: String,
                           _ change: (HelpRequest, SignedIn, Date) throws -> Void) throws -> Response {
        let help = try helperRequest(request)
        do {
            try change(help, request.signedIn!, Date())
        } catch let refusal as HelpRules.Refusal {
            return try remoteRequestPage(request, help, error: (field, localization.text("help.errors.\(refusal.key)", request.language)))
        } catch let refusal as SessionRules.Refusal {
            return try remoteRequestPage(request, help, error: (field, localization.text("session.errors.\(refusal.key)", request.language)))
        }
        return .redirect(to: "/remote/requests/\(help.id!)")
    }

    private func publishState(_ help: HelpRequest) {
        publish(help, "state", HelpEventData(status: help.status.rawValue))
        helpChannels.publishOpen(name: "changed", data: Self.json(HelpEventData(id: help.id!, status: help.status.rawValue)))
    }

    private func publish(_ help: HelpRequest, _ name: String, _ data: HelpEventData) {
        helpChannels.publish(requestID: help.id!, name: name, data: Self.json(data))
    }

    private func helpStream(_ request: PageRequest, requestID: Int64?) -> Response {
        // A reconnecting EventSource sends Last-Event-ID; on the first connection the page's `since` (the newest
        // event when it was rendered) stands in, so a change between rendering and connecting still arrives.
        let lastID = (request.http.headers["Last-Event-ID"] ?? request.http.query["since"])
            .flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let user = request.signedIn.map { "staff:\($0.staffID)" } ?? "visit:\(request.visit.id)"
        switch helpChannels.subscribe(requestID: requestID, user: user, lastEventID: lastID) {
        case .stream(let stream): return .eventStream(stream)
        case .full: return Response(status: .serviceUnavailable, headers: HTTPHeaders([("Retry-After", "30")]))
        }
    }

    // MARK: - Who may see what

    /// The customer a request is about, for the audit trail: only when the session is logged into a record.
    private func customerNumber(_ help: HelpRequest) throws -> String? {
        guard let sessionID = help.sessionID, let customerID = try database.session(id: sessionID)?.customerID else { return nil }
        return try database.customerNumber(id: customerID)
    }

    private func helpAudit(_ action: AuditEvent.Action, _ help: HelpRequest, _ request: PageRequest) throws -> AuditEvent {
        AuditEvent(at: Date(), action: action, actorID: request.signedIn?.staffID, actorRole: request.signedIn?.staff.role,
                   subject: try customerNumber(help), origin: origin(request), detail: "help request \(help.id!)", branch: help.branch)
    }

    // MARK: - Pages

    private func kioskHelpPage(_ request: PageRequest, _ loaded: HelpRequest) throws -> Response {
        // The stream starts from the newest event before the state is read, so no change falls in between.
        let since = helpChannels.lastEventID(requestID: loaded.id!)
        let help = try database.helpRequest(id: loaded.id!) ?? loaded
        // The screen is the customer's: their language, and nothing of the staff bar.
        var turned = request
        if let language = localization.language(help.language) { turned.visit.language = language }
        let language = turned.language
        let helperName = try help.helperID.flatMap { try database.staff(id: $0) }?.fullName ?? ""
        let messages = try database.helpEvents(requestID: help.id!).filter { $0.kind == .message }
        var screen = layout(turned, title: localization.text("help.kiosk_title", language))
        screen.staffBar.name = ""
        screen.staffSignedIn = false
        let model = HelpKioskPage(
            layout: screen, state: .init(status: help.status),
            help: .init(topic: help.topic, helperName: helperName, base: "/help/\(help.id!)", since: since),
            consentQuestion: localization.text("help.consent_question", language, ["name": helperName]),
            consentExplained: localization.text("help.consent_explained", language, ["name": helperName]),
            messages: messages.map { .init(text: $0.text, when: formatted($0.at, "HH:mm")) },
            backHref: help.sessionID.map { "/sessions/\($0)" } ?? "/", refreshSeconds: Self.helpRefreshSeconds,
            refreshURL: selfRefreshURL(request, base: "/help/\(help.id!)"))
        return try page("pages/help_kiosk", model, language: language)
    }

    /// Without JavaScript the kiosk's help page refreshes itself. In customer mode it counts the seconds
    /// nobody touched it (`waited`) and, once that reaches the idle time, goes to "Are you still there?" like
    /// every other customer page, so an abandoned kiosk still resets (which ends the help).
    private func selfRefreshURL(_ request: PageRequest, base: String) -> String {
        guard request.signedIn == nil else { return base }
        let waited = min(max(Int(request.http.query["waited"] ?? "") ?? 0, 0), configuration.idleSeconds)
        let next = waited + Self.helpRefreshSeconds
        guard next < configuration.idleSeconds else { return "/kiosk/still-there?return=" + Self.queryEscaped(base) }
        return "\(base)?waited=\(next)"
    }

    private func remoteHomePage(_ request: PageRequest) throws -> Response {
        let language = request.language
        let since = helpChannels.lastEventID(requestID: nil)
        let now = Date()
        let open = try database.openHelpRequests(branches: request.requester.branches).filter { AccessRules.mayAccept(request.requester, $0) }.map { help in
            let minutes = max(0, Int(now.timeIntervalSince(help.createdAt) / 60))
            return RemoteHomePage.OpenRequest(id: Int(help.id!), kiosk: help.kiosk, branch: help.branch, topic: help.topic,
                                              waitingText: localization.plural("help.waiting_minutes", count: minutes, language),
                                              acceptAction: "/remote/requests/\(help.id!)/accept")
        }
        let mine = try database.liveHelpRequests(helperID: request.signedIn!.staffID).map { help in
            RemoteHomePage.MyRequest(id: Int(help.id!), kiosk: help.kiosk, topic: help.topic, href: "/remote/requests/\(help.id!)",
                                     statusText: localization.text("help.status.\(help.status.rawValue)", language))
        }
        let model = RemoteHomePage(
            layout: layout(request, title: localization.text("remote.title", language)), hasOpen: !open.isEmpty, openRequests: open,
            hasMine: !mine.isEmpty, myRequests: mine, wasTaken: request.http.query["taken"] == "1",
            eventsURL: "/remote/events?since=\(since)", refreshSeconds: Self.helpRefreshSeconds * 2)
        return try page("pages/remote_home", model, language: language)
    }

    private func remoteRequestPage(_ request: PageRequest, _ loaded: HelpRequest, error: (field: String, text: String)? = nil) throws -> Response {
        let since = helpChannels.lastEventID(requestID: loaded.id!)
        let help = try database.helpRequest(id: loaded.id!) ?? loaded
        let language = request.language
        let signedIn = request.signedIn!
        let base = "/remote/requests/\(help.id!)"
        var live = RemoteRequestPage.LiveSession()
        var events = try database.helpEvents(requestID: help.id!)
        if help.status == .active {
            // What the colleague sees of the session is audited, every time.
            let now = Date()
            try database.logHelpEvent(HelpEvent(helpRequestID: help.id!, at: now, kind: .viewed, actorID: signedIn.staffID),
                                      audit: try helpAudit(.remoteViewed, help, request))
            events.append(HelpEvent(helpRequestID: help.id!, at: now, kind: .viewed, actorID: signedIn.staffID))
            if let sessionID = help.sessionID, let session = try database.session(id: sessionID) {
                live = liveSession(session, language: language)
            }
        }
        let model = RemoteRequestPage(
            layout: layout(request, title: localization.text("remote.request_title", language)), state: .init(status: help.status),
            help: .init(id: Int(help.id!), kiosk: help.kiosk, branch: help.branch, topic: help.topic, base: base, since: since),
            live: live, sent: events.filter { $0.kind == .message }.map { .init(text: $0.text, when: formatted($0.at, "HH:mm")) },
            messageMax: HelpRules.maxMessageLength, errors: error.map { [.init(fieldID: $0.field, text: $0.text)] } ?? [],
            refreshSeconds: Self.helpRefreshSeconds)
        return try page("pages/remote_request", model, language: language, status: error == nil ? .ok : .unprocessableContent)
    }

    /// The session as the remote colleague sees it: tasks, steps, notes and the current step; not the customer's record.
    private func liveSession(_ session: AssistedSession, language: String) -> RemoteRequestPage.LiveSession {
        let lastStep = session.steps.max { $0.at < $1.at }
        let actorName = { (actor: StepActor) in self.localization.text("actors.\(Self.key(actor.rawValue))", language) }
        return RemoteRequestPage.LiveSession(
            shown: true,
            tasks: session.tasks.map { task in
                .init(id: Int(task.id!), name: task.name(language),
                      outcomeText: task.outcome == nil ? nil : outcomeText(task.outcome, language: language),
                      steps: session.steps(of: task).map {
                          .init(description: $0.description, when: formatted($0.at, "HH:mm"), isCurrent: $0.id == lastStep?.id,
                                actorName: actorName($0.actor))
                      })
            },
            currentStep: lastStep.map { .init(description: $0.description, when: formatted($0.at, "HH:mm")) },
            notes: session.notes.map { .init(text: $0.text, when: formatted($0.at, "HH:mm")) },
            openTasks: session.tasks.filter { $0.outcome == nil }.map { .init(id: String($0.id!), name: $0.name(language)) },
            stepActors: StepActor.allCases.map { .init(code: $0.rawValue, name: actorName($0)) })
    }

    /// An event's data as JSON with sorted keys (what the help screens' script reads).
    static func json<Data: Encodable>(_ data: Data) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(data)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// What a help event tells the screens following it; absent fields are left out.
struct HelpEventData: Encodable {
    var id: Int64?
    var status: String?
    var text: String?
    var at: String?

    init(id: Int64? = nil, status: String? = nil, text: String? = nil, at: String? = nil) {
        self.id = id
        self.status = status
        self.text = text
        self.at = at
    }
}
