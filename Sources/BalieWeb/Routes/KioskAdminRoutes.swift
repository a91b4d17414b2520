import BalieCore
import BalieHTTP
import Foundation

/// Branches and kiosks as things an admin manages: enrolling a kiosk's browser with a one-time code,
/// the launcher's exchange of a per-kiosk secret, revoking, branch opening hours, and staff switching
/// the branch they work in.
extension WebApp {
    /// The kiosk column of sessions started where no enrolled kiosk is (a staff member's own browser).
    static let staffDeskName = "staff-desk"
    /// A kiosk not seen for this long is marked on `/admin/kiosks`.
    static let kioskStaleAfter: TimeInterval = 30 * 60

    func registerKioskAdminRoutes() {
        get("/enrol") { [unowned self] request in try enrolPage(request, code: "", error: nil) }
        post("/enrol") { [unowned self] request in
            let typed = String((request.form["code"] ?? "").prefix(32))
            guard !typed.trimmingCharacters(in: .whitespaces).isEmpty else { return try enrolPage(request, code: typed, error: "enrol.errors.code_missing") }
            // Guessing codes costs: every failure counts against the address like an anonymous write.
            let now = Date()
            let token = SecureRandom.token()
            guard let code = KioskRules.normalizedCode(typed),
                let kiosk = try database.enrol(codeHash: KioskRules.hash(code), credentialHash: SecretHash.of(token), now: now)
            else {
                try database.appendAudit(AuditEvent(at: now, action: .kioskEnrolmentRefused, actorID: request.signedIn?.staffID,
                                                    subject: nil, origin: origin(request), branch: auditBranch(request)))
                guard addressWrites.allow(["enrol:\(request.http.clientAddress)"]) else { throw PageError.rateLimited }
                return try enrolPage(request, code: typed, error: "enrol.errors.code_not_valid")
            }
            try database.appendAudit(AuditEvent(at: now, action: .kioskEnrolled, actorID: request.signedIn?.staffID, subject: kiosk.name,
                                                origin: "\(kiosk.name)/\(request.http.clientAddress)", branch: kiosk.branchCode))
            var response = try enrolledPage(request, kiosk, automatic: false)
            response.setCookie(kioskCookie(token, request.http))
            return response
        }
        // The shipped launcher posts the kiosk's secret (from a root-owned file on the kiosk machine) from a
        // local page at every start, so an incognito browser that lost its cookies is a kiosk again at once.
        post("/enrol/device") { [unowned self] request in
            let secret = request.form["secret"] ?? ""
            guard secret.utf8.count == 43, let kiosk = try database.kiosk(credentialHash: SecretHash.of(secret)) else {
                try database.appendAudit(AuditEvent(at: Date(), action: .kioskEnrolmentRefused, actorID: nil, subject: nil,
                                                    origin: "-/\(request.http.clientAddress)", detail: "device secret", branch: auditBranch(request)))
                guard addressWrites.allow(["enrol:\(request.http.clientAddress)"]) else { throw PageError.rateLimited }
                throw PageError.notEnrolled
            }
            var response = try enrolledPage(request, kiosk, automatic: true)
            response.setCookie(kioskCookie(secret, request.http))
            return response
        }

        get("/admin/kiosks", .admin) { [unowned self] request in try kiosksPage(request) }
        post("/admin/kiosks", .admin) { [unowned self] request in
            let branchCode = request.form["branch"] ?? ""
            var problems: [String: String] = [:]
            var name = ""
            do { name = try KioskRules.name(request.form["name"] ?? "") } catch { problems["name"] = "admin_kiosks.errors.name_invalid" }
            guard let kind = Kiosk.Kind(rawValue: request.form["kind"] ?? "") else { throw PageError.badRequest("Unknown kind of kiosk.") }
            guard try database.branch(code: branchCode) != nil, AccessRules.mayManage(request.requester, branch: branchCode) else {
                return try kiosksPage(request, problems: ["branch": "admin_kiosks.errors.branch_unknown"], status: .unprocessableContent)
            }
            guard problems.isEmpty else { return try kiosksPage(request, problems: problems, status: .unprocessableContent) }
            let kiosk: Kiosk
            do {
                kiosk = try database.insertKiosk(Kiosk(name: name, branchCode: branchCode, kind: kind, createdAt: Date()))
            } catch KioskRules.Problem.nameTaken {
                return try kiosksPage(request, problems: ["name": "admin_kiosks.errors.name_taken"], status: .unprocessableContent)
            }
            try audit(request, .kioskCreated, kiosk)
            return try kiosksPage(request, newCode: try issueCode(kiosk, request))
        }
        post("/admin/kiosks/:id/code", .admin) { [unowned self] request in
            let kiosk = try managedKiosk(request)
            return try kiosksPage(request, newCode: try issueCode(kiosk, request))
        }
        post("/admin/kiosks/:id/revoke", .admin) { [unowned self] request in
            let kiosk = try managedKiosk(request)
            try database.revokeKiosk(id: kiosk.id!)
            try audit(request, .kioskRevoked, kiosk)
            return .redirect(to: "/admin/kiosks")
        }

        get("/admin/branches", .admin) { [unowned self] request in try branchesPage(request) }
        post("/admin/branches", .admin) { [unowned self] request in
            // A new branch is for central admins: a branch admin manages their own.
            guard request.signedIn!.staff.grants.contains(.allBranches) else { throw PageError.forbidden }
            var problems: [String: String] = [:]
            var branch = Branch(code: "", name: "")
            do { branch.code = try BranchRules.code(request.form["code"] ?? "") } catch { problems["code"] = "admin_branches.errors.code_invalid" }
            do { branch.name = try BranchRules.name(request.form["name"] ?? "") } catch { problems["name"] = "admin_branches.errors.name_invalid" }
            readSchedule(request.form, into: &branch, problems: &problems)
            guard problems.isEmpty else { return try branchesPage(request, problems: problems, status: .unprocessableContent) }
            do {
                try database.insertBranch(branch)
            } catch BranchRules.Problem.codeTaken {
                return try branchesPage(request, problems: ["code": "admin_branches.errors.code_taken"], status: .unprocessableContent)
            }
            try auditBranchSaved(request, branch)
            return .redirect(to: "/admin/branches")
        }
        post("/admin/branches/:code", .admin) { [unowned self] request in
            guard var branch = try database.branch(code: request.parameters["code"] ?? "") else { throw PageError.notFound("No such branch.") }
            guard AccessRules.mayManage(request.requester, branch: branch.code) else { try refuse(request, what: "branch \(branch.code)", branch: branch.code) }
            var problems: [String: String] = [:]
            readSchedule(request.form, into: &branch, problems: &problems)
            guard problems.isEmpty else { return try branchesPage(request, problems: problems, status: .unprocessableContent) }
            try database.updateBranch(branch)
            try auditBranchSaved(request, branch)
            return .redirect(to: "/admin/branches")
        }

        post("/staff/branch", .anyStaff) { [unowned self] request in
            let signedIn = request.signedIn!
            let code = request.form["branch"] ?? ""
            guard signedIn.staff.scope.contains(code), try database.branch(code: code) != nil else {
                throw PageError.badRequest("That is not one of your branches.")
            }
            try database.setWorkingBranch(tokenHash: signedIn.session.tokenHash, branch: code)
            try database.appendAudit(AuditEvent(at: Date(), action: .branchSwitched, actorID: signedIn.staffID, actorRole: signedIn.staff.role,
                                                subject: signedIn.staff.username, origin: origin(request), branch: code))
            return .redirect(to: "/staff")
        }
    }

    // MARK: - Shared by the branch-scoped routes

    /// The branch a member of staff works in; without one (an account with no branch) they cannot act on any.
    func workingBranch(_ request: PageRequest) throws -> String {
        guard let branch = request.workingBranch else { throw PageError.forbidden }
        return branch
    }

    /// Anonymous writes from customer mode are limited per kiosk and per address (`--anonymous-writes-per-kiosk`,
    /// `--anonymous-writes-per-address`, per 10 minutes); past it a plain-language page says to wait.
    func limitAnonymousWrite(_ request: PageRequest) throws {
        guard request.signedIn == nil else { return }
        let kioskKey = request.kiosk.map { "kiosk:\($0.branchCode)/\($0.name)" } ?? "kiosk:-"
        guard kioskWrites.allow([kioskKey]), addressWrites.allow(["address:\(request.http.clientAddress)"]) else {
            logger.notice("anonymous write limit", metadata: ["kiosk": .string(kioskKey), "id": .string(request.http.requestID)])
            throw PageError.rateLimited
        }
    }

    /// The plain page for a browser that is not an enrolled customer kiosk.
    func notEnrolledPage(_ request: Request, visit: Visit) -> Response {
        let page = PageRequest(http: request, visit: visit, form: QueryParameters())
        var layout = layout(page, title: localization.text("not_enrolled.title", visit.language.code))
        layout.customerMode = false
        let answer = (try? self.page("pages/not_enrolled", NotEnrolledPage(layout: layout), language: visit.language.code, status: .forbidden))
            ?? .html("<!doctype html><title>403</title><p>This browser is not an enrolled kiosk.</p>", status: .forbidden)
        var response = secured(answer, request: request, personal: true)
        if visit.isNew { response.setCookie(cookie(Visit.idCookie, visit.cookieValue, request)) }
        return response
    }

    // MARK: - Kiosks

    private func managedKiosk(_ request: PageRequest) throws -> Kiosk {
        guard let id = Int64(request.parameters["id"] ?? ""), let kiosk = try database.kiosk(id: id) else { throw PageError.notFound("No such kiosk.") }
        guard AccessRules.mayManage(request.requester, branch: kiosk.branchCode) else {
            try refuse(request, what: "kiosk \(id)", branch: kiosk.branchCode)
        }
        return kiosk
    }

    private func issueCode(_ kiosk: Kiosk, _ request: PageRequest) throws -> (code: String, kiosk: Kiosk, until: Date) {
        let code = KioskRules.newCode()
        let now = Date()
        try database.addEnrolmentCode(kioskID: kiosk.id!, codeHash: KioskRules.hash(KioskRules.normalizedCode(code)!), at: now)
        return (code, kiosk, now.addingTimeInterval(KioskRules.enrolmentLifetime))
    }

    private func audit(_ request: PageRequest, _ action: AuditEvent.Action, _ kiosk: Kiosk) throws {
        try database.appendAudit(AuditEvent(at: Date(), action: action, actorID: request.signedIn?.staffID, actorRole: request.signedIn?.staff.role,
                                            subject: kiosk.name, origin: origin(request), detail: "kiosk \(kiosk.id!)", branch: kiosk.branchCode))
    }

    private func kiosksPage(_ request: PageRequest, newCode: (code: String, kiosk: Kiosk, until: Date)? = nil,
                            problems: [String: String] = [:], status: HTTPStatus = .ok) throws -> Response {
        let language = request.language
        let branches = try database.allBranches().filter { AccessRules.mayManage(request.requester, branch: $0.code) }
        let names = Dictionary(uniqueKeysWithValues: branches.map { ($0.code, $0.name) })
        let now = Date()
        let kiosks = try database.allKiosks().filter { names[$0.branchCode] != nil }.map { kiosk in
            let stale = kiosk.isActive && now.timeIntervalSince(kiosk.lastSeenAt ?? kiosk.createdAt) > Self.kioskStaleAfter
            return AdminKiosksPage.KioskRow(
                name: kiosk.name, branchName: names[kiosk.branchCode] ?? kiosk.branchCode,
                kindName: localization.text("kiosk_kinds.\(Self.key(kiosk.kind.rawValue))", language),
                active: kiosk.isActive,
                statusText: localization.text(kiosk.isActive ? "admin_kiosks.active" : "admin_kiosks.revoked", language),
                lastSeenText: kiosk.lastSeenAt.map(formatDateTime) ?? localization.text("admin_kiosks.never_seen", language),
                stale: stale,
                codeAction: "/admin/kiosks/\(kiosk.id!)/code", revokeAction: "/admin/kiosks/\(kiosk.id!)/revoke")
        }
        let chosenBranch = request.form["branch"] ?? request.workingBranch
        let chosenKind = request.form["kind"] ?? Kiosk.Kind.customer.rawValue
        let message = fieldMessages(problems, language: language)
        let model = AdminKiosksPage(
            layout: layout(request, title: localization.text("admin_kiosks.title", language)),
            kiosks: kiosks, hasKiosks: !kiosks.isEmpty,
            branches: branches.map { SelectOption(code: $0.code, name: $0.name, selected: $0.code == chosenBranch) },
            kinds: Kiosk.Kind.allCases.map {
                SelectOption(code: $0.rawValue, name: localization.text("kiosk_kinds.\(Self.key($0.rawValue))", language),
                             selected: $0.rawValue == chosenKind)
            },
            form: .init(name: problems.isEmpty ? "" : String((request.form["name"] ?? "").prefix(64))),
            hasNewCode: newCode != nil,
            newCode: newCode.map {
                .init(code: $0.code, kioskName: $0.kiosk.name, branchName: names[$0.kiosk.branchCode] ?? $0.kiosk.branchCode,
                      validUntil: formatted($0.until, "HH:mm"))
            },
            hasErrors: !problems.isEmpty,
            errors: errorEntries(problems, order: ["name", "branch"], language: language),
            fieldErrors: .init(name: message("name"), branch: message("branch")))
        return try page("pages/admin_kiosks", model, language: language, status: status)
    }

    // MARK: - Branches

    private func readSchedule(_ form: QueryParameters, into branch: inout Branch, problems: inout [String: String]) {
        if let zone = form["time_zone"] {
            do { branch.timeZone = try BranchRules.timeZone(zone) } catch { problems["time_zone"] = "admin_branches.errors.time_zone_invalid" }
        }
        if let hours = form["hours"] {
            do { branch.openingHours = try WeeklyHours.parse(String(hours.prefix(500))) } catch { problems["hours"] = "admin_branches.errors.hours_invalid" }
        }
        if let closures = form["closures"] {
            do { branch.closures = try BranchRules.closures(String(closures.prefix(2000))) } catch { problems["closures"] = "admin_branches.errors.closure_invalid" }
        }
    }

    private func auditBranchSaved(_ request: PageRequest, _ branch: Branch) throws {
        try database.appendAudit(AuditEvent(at: Date(), action: .branchSaved, actorID: request.signedIn?.staffID, actorRole: request.signedIn?.staff.role,
                                            subject: branch.code, origin: origin(request), branch: branch.code))
    }

    private func branchesPage(_ request: PageRequest, problems: [String: String] = [:], status: HTTPStatus = .ok) throws -> Response {
        let language = request.language
        let kiosks = try database.allKiosks()
        let branches = try database.allBranches().filter { AccessRules.mayManage(request.requester, branch: $0.code) }.map { branch in
            AdminBranchesPage.BranchRow(
                code: branch.code, name: branch.name, timeZone: branch.timeZone, hoursText: branch.openingHours.text,
                closuresText: branch.closures.map(\.iso).joined(separator: ","),
                kioskCount: kiosks.filter { $0.branchCode == branch.code && $0.isActive }.count,
                editAction: "/admin/branches/\(Self.queryEscaped(branch.code))")
        }
        let refill = problems.isEmpty ? QueryParameters() : request.form
        let message = fieldMessages(problems, language: language)
        let model = AdminBranchesPage(
            layout: layout(request, title: localization.text("admin_branches.title", language)),
            branches: branches,
            canAdd: request.signedIn?.staff.grants.contains(.allBranches) ?? false,
            form: .init(code: String((refill["code"] ?? "").prefix(32)), name: String((refill["name"] ?? "").prefix(100)),
                        timeZone: refill["time_zone"] ?? "Europe/Amsterdam", hours: String((refill["hours"] ?? "").prefix(500)),
                        closures: String((refill["closures"] ?? "").prefix(2000))),
            hasErrors: !problems.isEmpty,
            errors: errorEntries(problems, order: ["code", "name", "time_zone", "hours", "closures"], language: language),
            fieldErrors: .init(code: message("code"), name: message("name"), timeZone: message("time_zone"), hours: message("hours"),
                               closures: message("closures")))
        return try page("pages/admin_branches", model, language: language, status: status)
    }

    // MARK: - Enrolment pages

    private func enrolPage(_ request: PageRequest, code: String, error: String?) throws -> Response {
        let language = request.language
        let problems = error.map { ["code": $0] } ?? [:]
        var layout = layout(request, title: localization.text("enrol.title", language))
        layout.customerMode = false
        let model = EnrolPage(
            layout: layout, form: .init(code: code), hasErrors: error != nil,
            errors: errorEntries(problems, order: ["code"], language: language),
            fieldErrors: .init(code: error.map { localization.text($0, language) }))
        return try page("pages/enrol", model, language: language, status: error == nil ? .ok : .unprocessableContent)
    }

    private func enrolledPage(_ request: PageRequest, _ kiosk: Kiosk, automatic: Bool) throws -> Response {
        let language = request.language
        let branchName = try database.branch(code: kiosk.branchCode)?.name ?? kiosk.branchCode
        var layout = layout(request, title: localization.text("enrol.done_title", language))
        layout.customerMode = false
        let model = EnrolledPage(
            layout: layout,
            kindName: localization.text("kiosk_kinds.\(Self.key(kiosk.kind.rawValue))", language),
            doneText: localization.text("enrol.done_text", language, ["kiosk": kiosk.name, "branch": branchName]),
            startHref: kiosk.kind == .display ? "/branches/\(Self.queryEscaped(kiosk.branchCode))/display" : "/",
            autoStart: automatic)
        return try page("pages/enrolled", model, language: language)
    }

    /// The error summary's entries (in field order) for a form's problems (locale keys by field).
    func errorEntries(_ problems: [String: String], order: [String], language: String) -> [ErrorSummaryEntry] {
        order.compactMap { field in problems[field].map { ErrorSummaryEntry(fieldID: field, text: localization.text($0, language)) } }
    }

    /// A field's translated message, nil when the form has no problem with it.
    func fieldMessages(_ problems: [String: String], language: String) -> (String) -> String? {
        { field in problems[field].map { self.localization.text($0, language) } }
    }
}
