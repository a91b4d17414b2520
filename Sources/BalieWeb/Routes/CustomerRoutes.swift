import BalieCore
import BalieHTTP
import Foundation

/// Finding a customer and the 360° view of their shared record. Every search and every look at a
/// record leaves one row in the audit trail.
extension WebApp {
    /// At most this many search results are shown; more means "type more".
    static let searchResultLimit = 20
    static let maxSearchInput = 100
    /// Contacts on the 360° page, and per page of the full history.
    static let recentContactCount = 10
    static let contactsPerPage = 20

    func registerCustomerRoutes() {
        get("/customers", .recordReaders) { [unowned self] request in try customerSearch(request) }
        get("/customers/:number", .recordReaders) { [unowned self] request in try customerPage(request) }
        get("/customers/:number/contacts", .recordReaders) { [unowned self] request in try contactsPage(request) }
        post("/customers/:number/consents", .recordReaders) { [unowned self] request in try recordConsent(request) }
    }

    // MARK: - Search

    private func customerSearch(_ request: PageRequest) throws -> Response {
        let language = request.language
        let q = (request.http.query["q"] ?? "").trimmingCharacters(in: .whitespaces)
        let postcodeText = (request.http.query["postcode"] ?? "").trimmingCharacters(in: .whitespaces)
        let birthText = (request.http.query["birth_date"] ?? "").trimmingCharacters(in: .whitespaces)
        let searched = request.http.query["q"] != nil || request.http.query["postcode"] != nil || request.http.query["birth_date"] != nil
        var errors: [(String, String)] = []
        var query: CustomerQuery?
        if searched {
            if !postcodeText.isEmpty || !birthText.isEmpty {
                let postcode = (try? CustomerRules.postcode(String(postcodeText.prefix(Self.maxSearchInput)))) ?? nil
                let birth = BirthDate(dutch: String(birthText.prefix(Self.maxSearchInput)))
                if postcodeText.isEmpty || birthText.isEmpty {
                    errors.append((postcodeText.isEmpty ? "postcode" : "birth_date", "customers.errors.postcode_and_birth_date_both"))
                } else if let postcode, let birth {
                    query = .postcodeAndBirthDate(postcode, birth)
                } else if postcode == nil {
                    errors.append(("postcode", "customers.errors.postcode_invalid"))
                } else {
                    errors.append(("birth_date", "customers.errors.birth_date_invalid"))
                }
            } else if q.isEmpty {
                errors.append(("q", "customers.errors.q_missing"))
            } else if q.count > Self.maxSearchInput {
                errors.append(("q", "customers.errors.q_too_long"))
            } else if q.contains(where: \.isNumber) {
                query = (try? CustomerRules.customerNumber(q)).map(CustomerQuery.number) ?? .number(q)
            } else {
                query = .name(q)
            }
        }
        var results: [CustomerSummary] = []
        if let query {
            results = try database.searchCustomers(query, limit: Self.searchResultLimit + 1)
            try database.appendAudit(AuditEvent(
                at: Date(), action: .customerSearched, actorID: request.signedIn?.staffID, actorRole: request.signedIn?.staff.role,
                subject: nil, origin: origin(request), detail: "\(query.shape): \(min(results.count, Self.searchResultLimit)) shown", branch: auditBranch(request)))
        }
        let shown = results.prefix(Self.searchResultLimit)
        func fieldError(_ field: String) -> String? {
            errors.first { $0.0 == field }.map { localization.text($0.1, language) }
        }
        let model = CustomerSearchPage(
            layout: layout(request, title: localization.text("customers.title", language)),
            query: .init(q: String(q.prefix(Self.maxSearchInput)), postcode: String(postcodeText.prefix(20)),
                         birthDate: String(birthText.prefix(20))),
            hasErrors: !errors.isEmpty,
            errors: errors.map { ErrorSummaryEntry(fieldID: $0.0, text: localization.text($0.1, language)) },
            fieldErrors: .init(q: fieldError("q"), postcode: fieldError("postcode"), birthDate: fieldError("birth_date")),
            searched: query != nil,
            hasResults: !shown.isEmpty,
            resultsText: localization.plural("customers.found", count: shown.count, language),
            tooMany: results.count > Self.searchResultLimit,
            results: shown.map { summary in
                CustomerSearchPage.Result(
                    number: summary.number, name: "\(summary.givenName) \(summary.familyName)",
                    birthDate: summary.birthDate?.dutch ?? "", postcode: summary.postcode ?? "",
                    href: "/customers/\(Self.queryEscaped(summary.number))")
            })
        return try page("pages/customer_search", model, language: language, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    // MARK: - The 360° view

    private func customerPage(_ request: PageRequest) throws -> Response {
        let language = request.language
        let number = request.parameters["number"] ?? ""
        guard let record = try database.customerRecord(number: number, recentContacts: Self.recentContactCount) else {
            throw PageError.notFound("No such customer.")
        }
        let customer = record.customer
        try auditView(.customerViewed, customer: customer, request)
        let escapedNumber = Self.queryEscaped(customer.number)
        let customerID = customer.id!
        let history = Dictionary(grouping: try database.taskHistory(customerID: customerID), by: \.taskID)
        let taskHistory = history.keys.sorted().map { taskID -> CustomerPage.TaskHistory in
            let entries = history[taskID]!
            return CustomerPage.TaskHistory(
                name: catalog.task(taskID)?.name(language) ?? entries.last!.taskNames[language] ?? entries.last!.taskNames["nl"] ?? taskID,
                entries: entries.map { entry in
                    CustomerPage.HistoryEntry(
                        date: formatDate(entry.date),
                        actorsText: Set(entry.actors).sorted { $0.rawValue < $1.rawValue }
                            .map { localization.text("actors.\(Self.key($0.rawValue))", language) }.joined(separator: ", "),
                        relianceText: entry.selfReliance.map { localization.text("feedback.reliance_\(Self.key($0.rawValue))", language) } ?? "—")
                })
        }
        var otherLanguage: CustomerPage.Choice?
        if let code = customer.language, code != language, let other = localization.language(code) {
            otherLanguage = CustomerPage.Choice(code: other.code, name: other.ownName)
        }
        let model = CustomerPage(
            layout: layout(request, title: localization.text("customer.title", language)),
            greeting: greeting(for: customer, language: language),
            customer: CustomerPage.Facts(
                number: customer.number, fullName: customer.fullName, birthDate: customer.birthDate?.dutch ?? "",
                postcode: customer.postcode ?? "—", phone: customer.phone ?? "—", email: customer.email ?? "—",
                preferredChannelName: customer.preferredChannel.map { localization.text("preferred_channels.\(Self.key($0.rawValue))", language) } ?? "",
                languageName: localization.language(customer.language)?.ownName ?? (customer.language ?? ""),
                note: customer.note?.isEmpty == false ? customer.note : nil),
            hasNote: customer.note?.isEmpty == false,
            hasNeeds: !customer.accessibilityNeeds.isEmpty,
            needs: customer.accessibilityNeeds.map { .init(name: localization.text("needs.\(Self.key($0.rawValue))", language)) },
            consents: Consent.Purpose.allCases.map { consentCard($0, record.consents[$0], language: language) },
            consentsAction: "/customers/\(escapedNumber)/consents",
            consentMethods: Consent.Method.allCases.map {
                .init(code: $0.rawValue, name: localization.text("consent.how.\(Self.key($0.rawValue))", language))
            },
            hasFollowUps: !record.openFollowUps.isEmpty,
            followUps: record.openFollowUps.map {
                .init(description: $0.description, due: formatDate($0.due),
                      channelName: localization.text("preferred_channels.\(Self.key($0.channel.rawValue))", language))
            },
            hasMessages: !record.unreadImportantMessages.isEmpty,
            messages: record.unreadImportantMessages.map { .init(title: $0.title, sent: formatDate($0.sentAt)) },
            hasContacts: !record.recentContacts.isEmpty,
            contacts: record.recentContacts.map { contactItem($0, language: language) },
            hasMoreContacts: record.contactCount > record.recentContacts.count,
            moreContactsHref: "/customers/\(escapedNumber)/contacts?page=1",
            // The privacy rights: supervisors show a customer what is held, admins erase.
            canExport: Access.supervisorsAndAdmins.allows(request.signedIn?.staff.role),
            exportHref: "/customers/\(escapedNumber)/export",
            canErase: Access.admin.allows(request.signedIn?.staff.role),
            eraseHref: "/customers/\(escapedNumber)/erase",
            hasSessionConsent: try database.hasConsent(customerID: customerID, purpose: .sessionLog),
            hasTaskHistory: !taskHistory.isEmpty,
            taskHistory: taskHistory,
            customerLanguage: otherLanguage)
        return try page("pages/customer", model, language: language)
    }

    private func contactsPage(_ request: PageRequest) throws -> Response {
        let language = request.language
        guard let customer = try database.customer(number: request.parameters["number"] ?? ""), let id = customer.id else {
            throw PageError.notFound("No such customer.")
        }
        guard let pageNumber = Int(request.http.query["page"] ?? "1"), (1...100_000).contains(pageNumber) else {
            throw PageError.badRequest("The page number is not a number.")
        }
        try auditView(.contactsViewed, customer: customer, request)
        let total = try database.customerRecord(number: customer.number, recentContacts: 0)?.contactCount ?? 0
        let pages = max(1, (total + Self.contactsPerPage - 1) / Self.contactsPerPage)
        let contacts = try database.contacts(customerID: id, offset: (pageNumber - 1) * Self.contactsPerPage, limit: Self.contactsPerPage)
        let base = "/customers/\(Self.queryEscaped(customer.number))/contacts?page="
        let model = CustomerContactsPage(
            layout: layout(request, title: localization.text("customer.contacts_page_title", language)),
            customerName: customer.fullName, backHref: "/customers/\(Self.queryEscaped(customer.number))",
            hasContacts: !contacts.isEmpty, contacts: contacts.map { contactItem($0, language: language) },
            pageText: localization.text("customer.page", language, ["page": String(pageNumber), "pages": String(pages)]),
            prevHref: pageNumber > 1 ? base + String(pageNumber - 1) : nil,
            nextHref: pageNumber < pages ? base + String(pageNumber + 1) : nil)
        return try page("pages/customer_contacts", model, language: language)
    }

    private func recordConsent(_ request: PageRequest) throws -> Response {
        guard let customer = try database.customer(number: request.parameters["number"] ?? ""), let id = customer.id else {
            throw PageError.notFound("No such customer.")
        }
        guard let purpose = Consent.Purpose(rawValue: request.form["purpose"] ?? ""),
            let method = Consent.Method(rawValue: request.form["how"] ?? ""),
            let givenText = request.form["given"], ["true", "false"].contains(givenText)
        else { throw PageError.badRequest("The consent form is incomplete.") }
        let signedIn = request.signedIn!
        let now = Date()
        try database.recordConsent(
            Consent(customerID: id, purpose: purpose, given: givenText == "true", at: now, recordedBy: signedIn.staffID, method: method),
            audit: AuditEvent(at: now, action: .consentRecorded, actorID: signedIn.staffID, actorRole: signedIn.staff.role,
                              subject: customer.number, origin: origin(request),
                              detail: "\(purpose.rawValue): \(givenText == "true" ? "given" : "withdrawn") (\(method.rawValue))", branch: auditBranch(request)))
        // Withdrawn consent takes effect at once: a colleague following a session of this customer stops seeing it.
        if purpose == .remoteViewing && givenText == "false" { try endHelp(customerID: id, by: .consentWithdrawn, request: request) }
        return .redirect(to: "/customers/\(Self.queryEscaped(customer.number))")
    }

    // MARK: - Parts

    private func auditView(_ action: AuditEvent.Action, customer: Customer, _ request: PageRequest) throws {
        let reason = request.http.query["reason"].map { String($0.prefix(200)).filter { !$0.isNewline } }
        try database.appendAudit(AuditEvent(
            at: Date(), action: action, actorID: request.signedIn?.staffID, actorRole: request.signedIn?.staff.role,
            subject: customer.number, origin: origin(request), reason: reason, branch: auditBranch(request)))
    }

    /// "Goedemiddag, mevrouw De Vries": the time of day at the branch, and the form of address the customer prefers.
    func greeting(for customer: Customer, language: String, at now: Date = Date()) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = configuration.timeZone
        let hour = calendar.component(.hour, from: now)
        let part = hour < 12 ? "morning" : hour < 18 ? "afternoon" : "evening"
        return localization.text("greetings.\(part)", language, ["name": addressName(for: customer, language: language)])
    }

    /// "mevrouw De Vries", "Fatma": how the customer likes to be addressed.
    func addressName(for customer: Customer, language: String) -> String {
        // A family name after "mevrouw" starts with a capital: "De Vries", not "de Vries".
        let family = customer.familyName.prefix(1).uppercased() + customer.familyName.dropFirst()
        switch customer.formOfAddress {
        case .female: return localization.text("address.female", language, ["family_name": family])
        case .male: return localization.text("address.male", language, ["family_name": family])
        case .givenName: return localization.text("address.given_name", language, ["given_name": customer.givenName])
        case .fullName:
            return localization.text("address.full_name", language, ["given_name": customer.givenName, "family_name": customer.familyName])
        }
    }

    private func consentCard(_ purpose: Consent.Purpose, _ entry: (consent: Consent, recordedByName: String?)?,
                             language: String) -> CustomerPage.ConsentCard {
        let given = entry?.consent.given ?? false
        var details = ""  // the status already says "not asked"
        if let entry {
            details = localization.text(given ? "consent.details_given" : "consent.details_withdrawn", language, [
                "date": formatDate(entry.consent.at), "staff": entry.recordedByName ?? "—",
                "how": localization.text("consent.how.\(Self.key(entry.consent.method.rawValue))", language),
            ])
        }
        return CustomerPage.ConsentCard(
            purpose: purpose.rawValue,
            purposeName: localization.text("consent.purposes.\(Self.key(purpose.rawValue))", language),
            given: given,
            statusText: localization.text(entry == nil ? "consent.not_asked" : given ? "consent.given" : "consent.withdrawn", language),
            details: details,
            actionGiven: given ? "false" : "true",
            actionLabel: localization.text(given ? "consent.record_withdrawn" : "consent.record_given", language))
    }

    private func contactItem(_ contact: Contact, language: String) -> ContactItem {
        ContactItem(when: formatDateTime(contact.at), channelName: localization.text("channels.\(Self.key(contact.channel.rawValue))", language),
                    channelIcon: Self.icon(for: contact.channel), topic: contact.topic, summary: contact.summary,
                    outcome: contact.outcome, source: contact.sourceSystem)
    }

    static func icon(for channel: Channel) -> String {
        switch channel {
        case .phone: "phone"
        case .email: "mail"
        case .chat: "chat"
        case .app: "app"
        case .web: "web"
        case .letter: "letter"
        case .branch: "government"
        case .kioskAssisted, .remoteAssisted: "staff"
        }
    }

    /// A stored value as a locale key ("phone-call" → "phone_call"); most have no dash and come back as they are.
    static func key(_ value: String) -> String {
        guard value.utf8.contains(UInt8(ascii: "-")) else { return value }
        return String(decoding: value.utf8.map { $0 == UInt8(ascii: "-") ? UInt8(ascii: "_") : $0 }, as: UTF8.self)
    }

    func formatDate(_ date: Date) -> String { formatted(date, "dd-MM-yyyy") }
    func formatDateTime(_ date: Date) -> String { formatted(date, "dd-MM-yyyy HH:mm") }

    func formatted(_ date: Date, _ format: String) -> String {
        dateFormats.string(from: date, format: format, timeZone: configuration.timeZone)
    }
}
