import BalieCore
import BalieHTTP
import Foundation

extension Access {
    /// Those who answer for privacy in a branch: they may show customers what is held and read the audit trail.
    static let supervisorsAndAdmins = Access.roles([.supervisor, .admin])

    /// Whether a member of staff in this role may use a route with this access (to show a link only then).
    func allows(_ role: StaffRole?) -> Bool {
        switch self {
        case .everyone: true
        case .roles(let roles): role.map(roles.contains) ?? false
        case .api, .customerKiosk: false
        }
    }
}

/// The privacy rights on the web (issue #10): the access page a customer can take home (and its JSON),
/// erasure with two confirmations, and the audit trail with filters and a CSV export. Each is audited.
extension WebApp {
    static let auditRowsPerPage = 50
    /// The most rows one CSV export holds; a larger selection is refused with a request for a shorter period.
    static let auditExportLimit = 50_000

    func registerPrivacyRoutes() {
        get("/customers/:number/export", .supervisorsAndAdmins) { [unowned self] request in
            request.http.query["format"] == "json" ? try exportJSON(request) : try exportPage(request)
        }
        get("/customers/:number/export.json", .supervisorsAndAdmins) { [unowned self] request in try exportJSON(request) }
        get("/customers/:number/erase", .admin) { [unowned self] request in try erasePage(request) }
        post("/customers/:number/erase", .admin) { [unowned self] request in try eraseConfirmation(request) }
        post("/customers/:number/erase/confirm", .admin) { [unowned self] request in try erase(request) }
        get("/privacy/erased", .admin) { [unowned self] request in try erasedPage(request) }
        get("/audit", .supervisorsAndAdmins) { [unowned self] request in try auditPage(request) }
        get("/audit.csv", .supervisorsAndAdmins) { [unowned self] request in try auditCSV(request) }
    }

    // MARK: - Access (AVG art. 15)

    private func exportJSON(_ request: PageRequest) throws -> Response {
        let number = request.parameters["number"] ?? ""
        guard let data = try database.exportCustomerJSON(number: number) else { throw PageError.notFound("No such customer.") }
        try appendPrivacyAudit(.customerExported, subject: number, detail: "json", request)
        var response = Response(status: .ok, contentType: "application/json", bytes: Array(data + Data("\n".utf8)))
        let fileName = "balie-export-" + number.filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") } + ".json"
        response.headers["Content-Disposition"] = "attachment; filename=\"\(fileName)\""
        return response
    }

    private func exportPage(_ request: PageRequest) throws -> Response {
        let language = request.language
        let (customer, export) = try customerAndExport(request)
        try appendPrivacyAudit(.customerExported, subject: customer.number, detail: "page", request)
        var model = CustomerExportPresenter(app: self, language: language)
            .page(layout: layout(request, title: localization.text("privacy_pages.export.title", language)), customer: customer, export: export)
        model.canErase = Access.admin.allows(request.signedIn?.staff.role)
        return try page("pages/privacy_export", model, language: language)
    }

    // MARK: - Erasure (AVG art. 17)

    /// The first step: what goes and what stays, and the reason.
    private func erasePage(_ request: PageRequest) throws -> Response {
        let (customer, export) = try customerAndExport(request)
        try appendPrivacyAudit(.customerViewed, subject: customer.number, detail: "erase page", request)
        return try eraseStep(request, customer: customer, export: export, reason: "", errors: [])
    }

    /// The second step: the reason is fine; ask for the number again.
    private func eraseConfirmation(_ request: PageRequest) throws -> Response {
        let (customer, export) = try customerAndExport(request)
        let typed = request.form["reason"] ?? ""
        switch erasureReason(typed, customer: customer) {
        case .failure(let problem):
            return try eraseStep(request, customer: customer, export: export, reason: typed, errors: [("reason", problem)])
        case .success(let reason):
            return try confirmStep(request, customer: customer, reason: reason, typedNumber: "", errors: [])
        }
    }

    private func erase(_ request: PageRequest) throws -> Response {
        let (customer, export) = try customerAndExport(request)
        let typedReason = request.form["reason"] ?? ""
        let reason: String
        switch erasureReason(typedReason, customer: customer) {
        case .failure(let problem):
            return try eraseStep(request, customer: customer, export: export, reason: typedReason, errors: [("reason", problem)])
        case .success(let checked): reason = checked
        }
        let typedNumber = request.form["confirm_number"] ?? ""
        guard ErasureRules.confirms(typedNumber, number: customer.number) else {
            let problem = typedNumber.trimmingCharacters(in: .whitespaces).isEmpty
                ? "privacy_pages.erase.errors.number_missing" : "privacy_pages.erase.errors.number_wrong"
            return try confirmStep(request, customer: customer, reason: reason, typedNumber: typedNumber,
                                   errors: [("confirm_number", problem)])
        }
        let signedIn = request.signedIn!
        let event = AuditEvent(at: Date(), action: .customerErased, actorID: signedIn.staffID, actorRole: signedIn.staff.role,
                               subject: nil, origin: origin(request), reason: reason, branch: auditBranch(request))
        guard let erasure = try database.eraseCustomer(number: customer.number, audit: event) else {
            throw PageError.notFound("No such customer.")
        }
        return .redirect(to: "/privacy/erased?contacts=\(erasure.contacts)&sessions=\(erasure.sessionsAnonymised)")
    }

    /// The done page: numbers only, nothing that names the customer.
    private func erasedPage(_ request: PageRequest) throws -> Response {
        let language = request.language
        let counts = [("contacts", "privacy_pages.erased.contacts"), ("sessions", "privacy_pages.erased.sessions")]
            .compactMap { name, label -> CountRow? in
                guard let count = request.http.query[name].flatMap({ Int($0) }), count >= 0 else { return nil }
                return CountRow(label: localization.text(label, language), count: count)
            }
        let model = PrivacyErasedPage(layout: layout(request, title: localization.text("privacy_pages.erased.title", language)),
                                      hasCounts: !counts.isEmpty, counts: counts)
        return try page("pages/privacy_erased", model, language: language)
    }

    /// The customer of the route and everything held about them.
    private func customerAndExport(_ request: PageRequest) throws -> (Customer, ExportRecord) {
        let number = request.parameters["number"] ?? ""
        guard let customer = try database.customer(number: number), let export = try database.exportCustomer(number: number) else {
            throw PageError.notFound("No such customer.")
        }
        return (customer, export)
    }

    /// The checked reason, or the locale key of what is wrong with it.
    private func erasureReason(_ text: String, customer: Customer) -> Result<String, ErasureReasonProblem> {
        do {
            return .success(try ErasureRules.reason(text, customerValues: [customer.number, customer.givenName, customer.familyName]))
        } catch {
            let key: String
            switch error {
            case .reasonMissing: key = "privacy_pages.erase.errors.reason_missing"
            case .reasonTooShort: key = "privacy_pages.erase.errors.reason_too_short"
            case .reasonTooLong: key = "privacy_pages.erase.errors.reason_too_long"
            case .reasonNamesCustomer: key = "privacy_pages.erase.errors.reason_names_customer"
            }
            return .failure(ErasureReasonProblem(key: key))
        }
    }

    private func eraseStep(_ request: PageRequest, customer: Customer, export: ExportRecord, reason: String,
                           errors: [(String, ErasureReasonProblem)]) throws -> Response {
        let language = request.language
        func row(_ label: String, _ count: Int) -> CountRow { CountRow(label: localization.text(label, language), count: count) }
        func count(_ key: String) -> Int { export.rows(key).count }
        let model = PrivacyErasePage(
            layout: layout(request, title: localization.text("privacy_pages.erase.title", language)),
            customer: ErasureCustomer(number: customer.number, fullName: customer.fullName),
            customerHref: "/customers/\(Self.queryEscaped(customer.number))",
            action: "/customers/\(Self.queryEscaped(customer.number))/erase",
            goes: [row("privacy_pages.erase.goes_record", 1), row("privacy_pages.erase.goes_contacts", count("contacts")),
                   row("privacy_pages.erase.goes_consents", count("consents")), row("privacy_pages.erase.goes_messages", count("messages")),
                   row("privacy_pages.erase.goes_follow_ups", count("follow_ups"))],
            stays: [row("privacy_pages.erase.stays_sessions", count("sessions")), row("privacy_pages.erase.stays_audit", count("audit"))],
            reason: String(reason.prefix(ErasureRules.reasonLength.upperBound + 100)),
            hasErrors: !errors.isEmpty,
            errors: errorEntries(errors.map { ($0.0, $0.1.key) }, language: language),
            fieldErrors: .init(reason: fieldMessage(errors.map { ($0.0, $0.1.key) }, "reason", language: language)))
        return try page("pages/privacy_erase", model, language: language, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    private func confirmStep(_ request: PageRequest, customer: Customer, reason: String, typedNumber: String,
                             errors: [(String, String)]) throws -> Response {
        let language = request.language
        let model = PrivacyEraseConfirmPage(
            layout: layout(request, title: localization.text("privacy_pages.erase.confirm_title", language)),
            customer: ErasureCustomer(number: customer.number, fullName: customer.fullName),
            customerHref: "/customers/\(Self.queryEscaped(customer.number))",
            action: "/customers/\(Self.queryEscaped(customer.number))/erase/confirm",
            reason: reason,
            confirmNumber: String(typedNumber.prefix(40)),
            confirmLabel: localization.text("privacy_pages.erase.confirm_label", language, ["number": customer.number]),
            hasErrors: !errors.isEmpty,
            errors: errorEntries(errors, language: language),
            fieldErrors: .init(confirmNumber: fieldMessage(errors, "confirm_number", language: language)))
        return try page("pages/privacy_erase_confirm", model, language: language, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    // MARK: - The audit trail

    private func auditPage(_ request: PageRequest) throws -> Response {
        let filters = AuditFilterInput(request.http.query)
        var query: AuditQuery
        switch filters.query(timeZone: configuration.timeZone) {
        case .failure(let problems): return try auditFormPage(request, filters, problems: problems.list)
        case .success(let checked): query = checked
        }
        if let before = request.http.query["before"] {
            guard let id = Int64(before) else { throw PageError.badRequest("The page is not a number.") }
            query.beforeID = id
        }
        try appendPrivacyAudit(.auditViewed, subject: query.customerNumber, detail: "page: " + query.auditDetail, request)
        let entries = try database.auditEntries(query, branches: AccessRules.auditScope(request.requester), limit: Self.auditRowsPerPage + 1)
        let shown = entries.prefix(Self.auditRowsPerPage)
        var results = PrivacyAuditPage.Results(searched: true, rows: shown.map { auditRow($0, language: request.language) })
        if entries.count > Self.auditRowsPerPage, let last = shown.last?.event.id {
            results.olderHref = "/audit" + filters.queryString(before: last)
        }
        if query.beforeID != nil { results.newestHref = "/audit" + filters.queryString() }
        return try auditFormPage(request, filters, problems: [], results: results)
    }

    private func auditCSV(_ request: PageRequest) throws -> Response {
        let query: AuditQuery
        let filters = AuditFilterInput(request.http.query)
        switch filters.query(timeZone: configuration.timeZone) {
        case .failure(let problems): return try auditFormPage(request, filters, problems: problems.list)
        case .success(let checked): query = checked
        }
        try appendPrivacyAudit(.auditViewed, subject: query.customerNumber, detail: "csv: " + query.auditDetail, request)
        let entries = try database.auditEntries(query, branches: AccessRules.auditScope(request.requester), limit: Self.auditExportLimit + 1)
        guard entries.count <= Self.auditExportLimit else {
            return try auditFormPage(request, filters, problems: [("from", "privacy_pages.audit.errors.too_many_rows")])
        }
        let csv = CSVWriter.document(header: Self.auditCSVHeader, rows: entries.map(auditCSVRow))
        var response = Response(status: .ok, contentType: "text/csv; charset=utf-8", bytes: Array(csv.utf8))
        response.headers["Content-Disposition"] = "attachment; filename=\"balie-audit.csv\""
        return response
    }

    /// The audit page: the filter form, its problems (422) or the rows found.
    private func auditFormPage(_ request: PageRequest, _ filters: AuditFilterInput, problems: [(field: String, key: String)],
                               results: PrivacyAuditPage.Results = .init()) throws -> Response {
        let language = request.language
        let model = PrivacyAuditPage(
            layout: layout(request, title: localization.text("privacy_pages.audit.title", language)),
            filters: .init(customer: filters.customer, staff: filters.staff, from: filters.from, to: filters.to),
            csvHref: "/audit.csv" + filters.queryString(),
            hasErrors: !problems.isEmpty,
            errors: errorEntries(problems, language: language),
            fieldErrors: .init(customer: fieldMessage(problems, "customer", language: language),
                               staff: fieldMessage(problems, "staff", language: language),
                               from: fieldMessage(problems, "from", language: language), to: fieldMessage(problems, "to", language: language)),
            results: results)
        return try page("pages/privacy_audit", model, language: language, status: problems.isEmpty ? .ok : .unprocessableContent)
    }

    static let auditCSVHeader = ["id", "at", "action", "staff_username", "staff_name", "role", "subject", "origin", "reason", "detail"]

    private func auditCSVRow(_ entry: AuditEntry) -> [String] {
        let event = entry.event
        return [event.id.map(String.init) ?? "", ISO8601DateFormatter().string(from: event.at), event.action.rawValue,
                entry.staffUsername ?? "", entry.staffName ?? "", event.actorRole?.rawValue ?? "", event.subject ?? "",
                event.origin, event.reason ?? "", event.detail ?? ""]
    }

    private func auditRow(_ entry: AuditEntry, language: String) -> PrivacyAuditPage.Row {
        let event = entry.event
        let actionKey = "audit_actions.\(Self.key(event.action.rawValue))"
        let actionText = localization.text(actionKey, language)
        var who = localization.text("privacy_pages.audit.no_staff", language)
        if let username = entry.staffUsername { who = "\(entry.staffName ?? username) (\(username))" }
        return PrivacyAuditPage.Row(
            when: formatDateTime(event.at),
            who: who,
            roleName: event.actorRole.map { localization.text(Self.roleKey($0), language) } ?? "—",
            // A case added without a translation yet shows its code rather than a key.
            actionName: actionText == actionKey ? event.action.rawValue : actionText,
            subject: event.subject ?? "—",
            reason: event.reason ?? "—",
            origin: event.origin)
    }

    // MARK: - Parts

    private func appendPrivacyAudit(_ action: AuditEvent.Action, subject: String?, detail: String, _ request: PageRequest) throws {
        try database.appendAudit(AuditEvent(
            at: Date(), action: action, actorID: request.signedIn?.staffID, actorRole: request.signedIn?.staff.role,
            subject: subject, origin: origin(request), detail: detail, branch: auditBranch(request)))
    }

    /// The error summary's entries, in the order found.
    private func errorEntries(_ errors: [(field: String, key: String)], language: String) -> [ErrorSummaryEntry] {
        errors.map { ErrorSummaryEntry(fieldID: $0.field, text: localization.text($0.key, language)) }
    }

    /// The first message for `field`, nil when the field is fine.
    private func fieldMessage(_ errors: [(field: String, key: String)], _ field: String, language: String) -> String? {
        errors.first { $0.field == field }.map { localization.text($0.key, language) }
    }
}

/// A locale key that says what is wrong with an erasure reason.
struct ErasureReasonProblem: Error {
    let key: String
}

/// The audit viewer's filters as typed: kept as text to show them again, checked into an `AuditQuery`.
struct AuditFilterInput {
    static let maxInput = 64
    let customer: String
    let staff: String
    let from: String
    let to: String

    init(_ query: QueryParameters) {
        func text(_ name: String) -> String {
            String((query[name] ?? "").trimmingCharacters(in: .whitespaces).prefix(Self.maxInput))
        }
        customer = text("customer")
        staff = text("staff")
        from = text("from")
        to = text("to")
    }

    /// The checked query, or the fields with the locale keys of their problems.
    func query(timeZone: TimeZone) -> Result<AuditQuery, AuditFilterProblems> {
        var problems: [(field: String, key: String)] = []
        var query = AuditQuery()
        if !customer.isEmpty {
            if let number = try? CustomerRules.customerNumber(customer) { query.customerNumber = number }
            else { problems.append(("customer", "privacy_pages.audit.errors.customer_invalid")) }
        }
        if !staff.isEmpty {
            if let username = try? StaffRules.normalizedUsername(staff) { query.staffUsername = username }
            else { problems.append(("staff", "privacy_pages.audit.errors.staff_invalid")) }
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        func day(_ text: String) -> Date? {
            // A calendar day typed as 31-12-2026 (as people here write it) or 2026-12-31.
            guard let date = BirthDate(dutch: text) ?? BirthDate(iso: text) else { return nil }
            return calendar.date(from: DateComponents(year: date.year, month: date.month, day: date.day))
        }
        if !from.isEmpty {
            if let start = day(from) { query.from = start }
            else { problems.append(("from", "privacy_pages.audit.errors.date_invalid")) }
        }
        if !to.isEmpty {
            // The whole last day counts.
            if let end = day(to).flatMap({ calendar.date(byAdding: .day, value: 1, to: $0) }) { query.until = end }
            else { problems.append(("to", "privacy_pages.audit.errors.date_invalid")) }
        }
        if let start = query.from, let end = query.until, start >= end {
            problems.append(("to", "privacy_pages.audit.errors.period_reversed"))
        }
        return problems.isEmpty ? .success(query) : .failure(AuditFilterProblems(list: problems))
    }

    /// The filters as a query string for the "older" and CSV links ("" without filters).
    func queryString(before: Int64? = nil) -> String {
        var pairs = [("customer", customer), ("staff", staff), ("from", from), ("to", to)].filter { !$0.1.isEmpty }
        if let before { pairs.append(("before", String(before))) }
        guard !pairs.isEmpty else { return "" }
        return "?" + pairs.map { "\($0.0)=\(WebApp.queryEscaped($0.1))" }.joined(separator: "&")
    }
}

struct AuditFilterProblems: Error {
    let list: [(field: String, key: String)]
}
