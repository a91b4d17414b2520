import BalieCore
import BalieHTTP
import Foundation

/// The assisted session: start, tasks, steps, notes, messages read together, outcomes, the screen
/// turned to the customer for two questions, and the take-home summary. Every step is stored as it is
/// entered, so a restart or a closed browser resumes the session.
extension WebApp {
    func registerSessionRoutes() {
        post("/sessions", .recordReaders) { [unowned self] request in try startSession(request) }
        get("/sessions/:id", .recordReaders) { [unowned self] request in
            let session = try loadSession(request)
            switch session.phase {
            case .open:
                // A session page shows the customer's name and unread messages: a look at the record, audited like one.
                try database.appendAudit(AuditEvent(
                    at: Date(), action: .sessionViewed, actorID: request.signedIn?.staffID, actorRole: request.signedIn?.staff.role,
                    subject: try session.customerID.flatMap(database.customerNumber), origin: origin(request),
                    detail: "session \(session.id!)", branch: session.branch))
                return try sessionPage(request, session)
            case .customerFeedback: return .redirect(to: "/sessions/\(session.id!)/feedback", status: .found)
            case .closed: return .redirect(to: "/sessions/\(session.id!)/summary", status: .found)
            }
        }
        post("/sessions/:id/tasks", .recordReaders) { [unowned self] request in
            try act(request) { session in
                let task = try SessionRules.checkAddTask(session, catalog: catalog, taskID: request.form["task"] ?? "")
                try database.addTask(sessionID: session.id!, SessionTask(taskID: task.id, names: task.names, group: task.group, addedAt: Date()))
            }
        }
        post("/sessions/:id/tasks/:task/steps", .recordReaders) { [unowned self] request in
            // The hot write path: the session without its steps, and their count.
            try act(request, field: "description-\(request.parameters["task"] ?? "")", details: false) { session in
                let taskID = Int64(request.parameters["task"] ?? "") ?? -1
                guard let actor = StepActor(rawValue: request.form["actor"] ?? "") else { throw SessionRules.Refusal.actorMissing }
                let reason = (request.form["reason"] ?? "").trimmingCharacters(in: .whitespaces)
                try SessionRules.checkStep(session, taskID: taskID, actor: actor, reason: reason,
                                           stepCount: try database.stepCount(sessionID: session.id!))
                let description = try SessionRules.text(request.form["description"] ?? "")
                if reason.count > SessionRules.maxTextLength { throw SessionRules.Refusal.textTooLong }
                try database.addStep(sessionID: session.id!, SessionStep(
                    sessionTaskID: taskID, description: description, actor: actor,
                    reason: actor == .staffOnBehalf ? reason : nil, at: Date()))
            }
        }
        post("/sessions/:id/notes", .recordReaders) { [unowned self] request in
            try act(request, field: "note-text") { session in
                try SessionRules.checkNote(session)
                try database.addNote(sessionID: session.id!, SessionNote(text: try SessionRules.text(request.form["text"] ?? ""), at: Date()))
            }
        }
        post("/sessions/:id/tasks/:task/finish", .recordReaders) { [unowned self] request in
            try act(request, field: "outcome-\(request.parameters["task"] ?? "")-resolved") { session in
                let taskID = Int64(request.parameters["task"] ?? "") ?? -1
                let outcome = try outcome(from: request.form)
                try SessionRules.checkOutcome(session, taskID: taskID, outcome: outcome, catalog: catalog, now: Date())
                try database.finishTask(sessionID: session.id!, taskID: taskID, outcome: outcome, at: Date())
            }
        }
        post("/sessions/:id/messages/:message/read", .recordReaders) { [unowned self] request in
            try act(request) { session in
                guard session.phase == .open else { throw SessionRules.Refusal.sessionNotOpen }
                guard let customerID = session.customerID, let message = try database.message(id: Int64(request.parameters["message"] ?? "") ?? -1),
                    message.customerID == customerID
                else { throw PageError.notFound("No such message for this customer.") }
                _ = try database.readTogether(messageID: message.id!, customerID: customerID,
                                              contact: SessionRecordText.readTogether(message, customerID: customerID, at: Date()),
                                              sessionID: session.id)
            }
        }
        post("/sessions/:id/handover", .recordReaders) { [unowned self] request in
            let session = try loadSession(request)
            do throws(SessionRules.Refusal) {
                try SessionRules.checkHandover(session)
            } catch {
                return try sessionPage(request, session, refusal: error, field: "channel_advice", status: .unprocessableContent)
            }
            try database.handOver(sessionID: session.id!, channelAdvice: PreferredChannel(rawValue: request.form["channel_advice"] ?? ""))
            // The screen turns to the customer for feedback: remote viewing ends here.
            try endHelp(sessionID: session.id!, by: .kiosk, request: request)
            return .redirect(to: "/sessions/\(session.id!)/feedback")
        }
        get("/sessions/:id/feedback", .recordReaders) { [unowned self] request in
            let session = try loadSession(request)
            guard session.phase == .customerFeedback else { return .redirect(to: "/sessions/\(session.id!)", status: .found) }
            return try feedbackPage(customerFacing(request, session), session)
        }
        post("/sessions/:id/feedback", .recordReaders) { [unowned self] request in
            let session = try loadSession(request)
            let skipped = request.form["skip"] != nil
            let effort = skipped ? nil : request.form["effort"].flatMap { Int($0) }
            let reliance = skipped ? nil : request.form["self_reliance"].flatMap(SelfReliance.init)
            do throws(SessionRules.Refusal) {
                try SessionRules.checkFeedback(session, effortScore: effort)
            } catch .feedbackNotFromCustomer {
                return .redirect(to: "/sessions/\(session.id!)")
            } catch {
                return try feedbackPage(customerFacing(request, session), session, refusal: error, status: .unprocessableContent)
            }
            try close(session, effort: effort, reliance: reliance, request: request)
            return .redirect(to: "/sessions/\(session.id!)/summary")
        }
        get("/sessions/:id/summary", .recordReaders) { [unowned self] request in
            let session = try loadSession(request)
            guard session.phase == .closed else { return .redirect(to: "/sessions/\(session.id!)", status: .found) }
            return try summaryPage(customerFacing(request, session), session)
        }
    }

    // MARK: - Start and close

    private func startSession(_ request: PageRequest) throws -> Response {
        let signedIn = request.signedIn!
        var customerID: Int64?
        var language = request.language
        var subject: String?
        if let number = request.form["customer"], !number.isEmpty {
            guard let customer = try database.customer(number: number), let id = customer.id else { throw PageError.notFound("No such customer.") }
            // Without consent to log sessions into the record, the session stays anonymous.
            customerID = SessionRules.customerForLogging(customerID: id, consentGiven: try database.hasConsent(customerID: id, purpose: .sessionLog))
            if customerID != nil { subject = customer.number }
            if let code = customer.language, localization.language(code) != nil { language = code }
        }
        // At an enrolled kiosk of one's own branches the session is that kiosk's; elsewhere it is at a desk of the working branch.
        let place: (kiosk: String, branch: String)
        if let kiosk = request.kiosk, signedIn.staff.scope.contains(kiosk.branchCode) {
            place = (kiosk.name, kiosk.branchCode)
        } else {
            place = (Self.staffDeskName, try workingBranch(request))
        }
        let session = try database.createSession(AssistedSession(
            customerID: customerID, staffID: signedIn.staffID, kiosk: place.kiosk, branch: place.branch, startedAt: Date(), language: language))
        try database.appendAudit(AuditEvent(at: Date(), action: .sessionStarted, actorID: signedIn.staffID, actorRole: signedIn.staff.role,
                                            subject: subject, origin: origin(request), detail: "session \(session.id!)", branch: place.branch))
        return .redirect(to: "/sessions/\(session.id!)")
    }

    private func close(_ session: AssistedSession, effort: Int?, reliance: SelfReliance?, request: PageRequest) throws {
        let now = Date()
        var contact: Contact?
        var followUps: [FollowUp] = []
        // Consent is checked again at the end: withdrawn during the session, it is not logged into the record.
        if let customerID = session.customerID, try database.hasConsent(customerID: customerID, purpose: .sessionLog) {
            contact = SessionRecordText.closingContact(of: session, customerID: customerID, at: now) { outcomeText($0, language: "nl") }
            followUps = SessionRecordText.followUps(of: session, customerID: customerID)
        }
        try database.closeSession(sessionID: session.id!, effortScore: effort, selfReliance: reliance, at: now, contact: contact, followUps: followUps)
        let signedIn = request.signedIn!
        try database.appendAudit(AuditEvent(at: now, action: .sessionClosed, actorID: signedIn.staffID, actorRole: signedIn.staff.role,
                                            subject: nil, origin: origin(request), detail: "session \(session.id!)", branch: session.branch))
    }

    // MARK: - Acting on a session

    private func loadSession(_ request: PageRequest, details: Bool = true) throws -> AssistedSession {
        try accessibleSession(request, details: details)
    }

    /// Runs one change; a refusal by the rules shows the session again with the reason at the top.
    private func act(_ request: PageRequest, field: String = "task", details: Bool = true,
                     _ change: (AssistedSession) throws -> Void) throws -> Response {
        let session = try loadSession(request, details: details)
        do {
            try change(session)
        } catch let refusal as SessionRules.Refusal {
            return try sessionPage(request, try loadSession(request), refusal: refusal, field: field, status: .unprocessableContent)
        }
        notifySessionChanged(session.id!)
        return .redirect(to: "/sessions/\(session.id!)")
    }

    private func outcome(from form: QueryParameters) throws -> TaskOutcome {
        let detail = form["detail"] ?? ""
        switch form["outcome"] ?? "" {
        case "resolved": return .resolved
        case "partly": return .partly(detail)
        case "referred": return .referred(partner: form["partner"] ?? "", handover: detail)
        case "follow-up":
            guard let due = BirthDateFreeDate.parse(form["due"] ?? "", timeZone: configuration.timeZone) else {
                throw SessionRules.Refusal.dueInvalid
            }
            guard let channel = PreferredChannel(rawValue: form["channel"] ?? "") else { throw SessionRules.Refusal.channelMissing }
            return .followUp(who: form["who"] ?? "", due: due, channel: channel)
        case "not-possible": return .notPossible(reason: detail)
        default: throw SessionRules.Refusal.outcomeMissing
        }
    }

    // MARK: - Pages

    private func sessionPage(_ request: PageRequest, _ session: AssistedSession, refusal: SessionRules.Refusal? = nil,
                             field: String = "task", status: HTTPStatus = .ok) throws -> Response {
        let language = request.language
        let base = "/sessions/\(session.id!)"
        var info = SessionPage.Info(id: Int(session.id!), started: formatted(session.startedAt, "HH:mm"), kiosk: session.kiosk,
                                    customerHref: "", customerName: nil)
        var messages: [SessionPage.Message] = []
        if let customerID = session.customerID, let record = try customerRecord(id: customerID) {
            info.customerName = record.customer.fullName
            info.customerHref = "/customers/\(Self.queryEscaped(record.customer.number))"
            messages = record.unreadImportantMessages.map {
                .init(title: $0.title, sent: formatDate($0.sentAt), readAction: "\(base)/messages/\($0.id!)/read")
            }
        }
        var screen = layout(request, title: localization.text("session.title", language))
        screen.customerMode = false
        info.secondsLeft = screen.session?.secondsLeft
        info.warnSeconds = screen.session?.warnSeconds
        let actorName = { (actor: StepActor) in self.localization.text("actors.\(Self.key(actor.rawValue))", language) }
        let tasks = session.tasks.map { task in
            SessionPage.Task(
                id: Int(task.id!), name: task.name(language), groupName: localization.text("groups.\(task.group.translationKey).name", language),
                outcomeText: task.outcome == nil ? nil : outcomeText(task.outcome, language: language),
                steps: session.steps(of: task).map {
                    .init(description: $0.description, actorName: actorName($0.actor), reason: $0.reason ?? "", when: formatted($0.at, "HH:mm"))
                },
                stepAction: "\(base)/tasks/\(task.id!)/steps", finishAction: "\(base)/tasks/\(task.id!)/finish",
                partners: (catalog.task(task.taskID)?.partners ?? []).compactMap(catalog.partner).map { .init(id: $0.id, name: $0.name) })
        }
        var liveHelp: SessionPage.LiveHelp?
        if session.phase == .open, let help = try database.liveHelpRequest(sessionID: session.id!) {
            liveHelp = .init(href: "/help/\(help.id!)", statusText: localization.text("help.status.\(help.status.rawValue)", language))
        }
        let model = SessionPage(
            layout: screen, info: info, phaseOpen: session.phase == .open,
            errors: refusal.map { [.init(fieldID: field, text: localization.text("session.errors.\($0.key)", language))] } ?? [],
            tasks: tasks, base: base,
            catalogGroups: TaskGroup.allCases.map { group in
                .init(name: localization.text("groups.\(group.translationKey).name", language),
                      tasks: catalog.tasks(in: group).map { .init(id: $0.id, name: $0.name(language)) })
            },
            stepActors: StepActor.allCases.map { .init(code: $0.rawValue, name: actorName($0)) },
            outcomes: ["resolved", "partly", "referred", "follow-up", "not-possible"].map {
                .init(code: $0, name: localization.text("outcomes.\(Self.key($0))", language))
            },
            channels: PreferredChannel.allCases.map {
                .init(code: $0.rawValue, name: localization.text("preferred_channels.\(Self.key($0.rawValue))", language))
            },
            notes: session.notes.map { .init(text: $0.text, when: formatted($0.at, "HH:mm")) },
            messages: messages, liveHelp: liveHelp)
        return try page("pages/session", model, language: language, status: status)
    }

    private func feedbackPage(_ request: PageRequest, _ session: AssistedSession, refusal: SessionRules.Refusal? = nil,
                              status: HTTPStatus = .ok) throws -> Response {
        let language = request.language
        // The screen is the customer's: no staff name or sign-out button on it.
        var screen = layout(request, title: localization.text("feedback.title", language))
        screen.staffSignedIn = false
        screen.staffMode = false
        let model = SessionFeedbackPage(
            layout: screen,
            errors: refusal.map { [.init(fieldID: "effort-1", text: localization.text("session.errors.\($0.key)", language))] } ?? [],
            feedbackAction: "/sessions/\(session.id!)/feedback",
            effortQuestion: localization.text("feedback.effort_question", language, ["organisation": configuration.organisationName]),
            effortOptions: (1...7).map { .init(value: $0, label: localization.text("feedback.effort_\($0)", language)) },
            relianceOptions: SelfReliance.allCases.map {
                .init(value: $0.rawValue, label: localization.text("feedback.reliance_\(Self.key($0.rawValue))", language))
            })
        return try page("pages/session_feedback", model, language: language, status: status)
    }

    private func summaryPage(_ request: PageRequest, _ session: AssistedSession) throws -> Response {
        let language = request.language
        let staff = try database.staff(id: session.staffID)
        var screen = layout(request, title: localization.text("summary.title", language))
        screen.staffSignedIn = false
        screen.staffMode = false
        let model = SessionSummaryPage(
            layout: screen, date: formatDate(session.finishedAt ?? session.startedAt), staffName: staff?.fullName ?? "",
            organisation: configuration.organisationName,
            tasks: session.tasks.map { task in
                var next = ""
                if case .followUp = task.outcome { next = outcomeText(task.outcome, language: language) }
                if case .referred = task.outcome { next = outcomeText(task.outcome, language: language) }
                return .init(name: task.name(language), outcomeText: outcomeText(task.outcome, language: language), nextStep: next)
            },
            hasFollowUpContact: true, doneHref: "/staff")
        return try page("pages/session_summary", model, language: language)
    }

    /// The same request, shown in the customer's language (the screen is turned to them).
    private func customerFacing(_ request: PageRequest, _ session: AssistedSession) -> PageRequest {
        var turned = request
        if let language = localization.language(session.language) { turned.visit.language = language }
        return turned
    }

    func outcomeText(_ outcome: TaskOutcome?, language: String) -> String {
        guard let outcome else { return "" }
        switch outcome {
        case .resolved: return localization.text("outcome_texts.resolved", language)
        case .partly(let detail): return localization.text("outcome_texts.partly", language, ["detail": detail])
        case .referred(let partner, let handover):
            return localization.text("outcome_texts.referred", language, ["partner": catalog.partner(partner)?.name ?? partner, "detail": handover])
        case .followUp(let who, let due, let channel):
            return localization.text("outcome_texts.follow_up", language, [
                "who": who, "date": formatDate(due),
                "channel": localization.text("preferred_channels.\(Self.key(channel.rawValue))", language),
            ])
        case .notPossible(let reason): return localization.text("outcome_texts.not_possible", language, ["detail": reason])
        }
    }

    private func customerRecord(id: Int64) throws -> CustomerRecord? {
        guard let number = try database.customerNumber(id: id) else { return nil }
        return try database.customerRecord(number: number, recentContacts: 0)
    }
}

/// A calendar date from a form's date field ("2026-12-01"), at noon in the branch's time zone.
enum BirthDateFreeDate {
    static func parse(_ text: String, timeZone: TimeZone) -> Date? {
        guard let day = BirthDate(iso: text) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day, hour: 12))
    }
}
