import BalieCore
import Foundation

/// Turns the export of one customer (`PrivacyRepository.exportCustomer`, the same data as the JSON download) into
/// the readable access page: every section, codes by their translated names, dates as people read them.
struct CustomerExportPresenter {
    let app: WebApp
    let language: String

    func page(layout: LayoutModel, customer: Customer, export: ExportRecord) -> PrivacyExportPage {
        let escaped = WebApp.queryEscaped(customer.number)
        return PrivacyExportPage(
            layout: layout, customer: record(customer), hasNeeds: !customer.accessibilityNeeds.isEmpty,
            hasNote: customer.note?.isEmpty == false, contacts: export.rows("contacts").map(contact),
            consents: export.rows("consents").map(consent), messages: export.rows("messages").map(message),
            followUps: export.rows("follow_ups").map(followUp), sessions: export.rows("sessions").map(session),
            audit: export.rows("audit").map(auditRow),
            intro: text("privacy_pages.export.intro", ["organisation": app.configuration.organisationName]),
            customerHref: "/customers/\(escaped)", jsonHref: "/customers/\(escaped)/export.json", canErase: false,
            eraseHref: "/customers/\(escaped)/erase")
    }

    // MARK: - Sections

    private func record(_ customer: Customer) -> PrivacyExportPage.Record {
        .init(
            fullName: customer.fullName, number: customer.number, birthDate: customer.birthDate?.dutch ?? "—",
            postcode: customer.postcode ?? "—", phone: customer.phone ?? "—", email: customer.email ?? "—",
            preferredChannelName: customer.preferredChannel.map { text("preferred_channels.\(WebApp.key($0.rawValue))") } ?? "—",
            languageName: app.localization.language(customer.language)?.ownName ?? customer.language ?? "—",
            address: app.addressName(for: customer, language: language),
            needsText: customer.accessibilityNeeds.map { text("needs.\(WebApp.key($0.rawValue))") }.joined(separator: ", "),
            note: customer.note ?? "")
    }

    private func contact(_ row: ExportRecord) -> ContactItem {
        let channel = Channel(rawValue: row.text("channel"))
        return ContactItem(
            when: when(row.date("at")), channelName: channel.map { text("channels.\(WebApp.key($0.rawValue))") } ?? row.text("channel"),
            channelIcon: channel.map(WebApp.icon(for:)) ?? "other", topic: row.text("topic"), summary: row.text("summary"),
            outcome: row.text("outcome"), source: row.text("source_system"))
    }

    private func consent(_ row: ExportRecord) -> PrivacyExportPage.Consent {
        .init(purposeName: text("consent.purposes.\(WebApp.key(row.text("purpose")))"),
              statusText: text(row.flag("given") ? "consent.given" : "consent.withdrawn"), when: when(row.date("at")),
              howName: text("consent.how.\(WebApp.key(row.text("method")))"))
    }

    private func message(_ row: ExportRecord) -> PrivacyExportPage.Message {
        .init(title: row.text("title"), sent: when(row.date("sent_at")), importantText: yesNo(row.flag("important")),
              readText: yesNo(row.flag("read")))
    }

    private func followUp(_ row: ExportRecord) -> PrivacyExportPage.FollowUp {
        .init(description: row.text("description"), due: row.date("due").map(app.formatDate) ?? "—",
              channelName: text("preferred_channels.\(WebApp.key(row.text("channel")))"), doneText: yesNo(row.flag("done")))
    }

    private func session(_ row: ExportRecord) -> PrivacyExportPage.Session {
        let tasks = row.rows("tasks").map { task in
            self.task(task, steps: row.rows("steps").filter { $0.integer("session_task_id") == task.integer("id") }.map(step))
        }
        return .init(
            heading: text("privacy_pages.export.session_heading", ["date": when(row.date("started_at"))]),
            finished: row.date("finished_at").map(when) ?? text("privacy_pages.export.not_finished"), kiosk: row.text("kiosk"),
            languageName: app.localization.language(row.text("language"))?.ownName ?? row.text("language"),
            effortText: row.integer("effort_score").map { "\($0) – " + text("feedback.effort_\($0)") } ?? "—",
            relianceText: row.optionalText("self_reliance").map { text("feedback.reliance_\(WebApp.key($0))") } ?? "—",
            adviceText: row.optionalText("channel_advice").map { text("preferred_channels.\(WebApp.key($0))") } ?? "—",
            tasks: tasks, notes: row.rows("notes").map { .init(text: $0.text("text"), when: when($0.date("at"))) })
    }

    private func task(_ row: ExportRecord, steps: [PrivacyExportPage.Step]) -> PrivacyExportPage.Task {
        let taskID = row.text("task_id")
        let storedNames = (try? JSONDecoder().decode([String: String].self, from: Data(row.text("names").utf8))) ?? [:]
        let name = app.catalog.task(taskID)?.name(language) ?? storedNames[language] ?? storedNames["nl"] ?? taskID
        var followUp = ""
        if let who = row.optionalText("follow_up_who") {
            followUp = text("outcome_texts.follow_up", [
                "who": who, "date": row.date("follow_up_due").map(app.formatDate) ?? "—",
                "channel": row.optionalText("follow_up_channel").map { text("preferred_channels.\(WebApp.key($0))") } ?? "—",
            ])
        }
        return .init(
            name: name,
            outcomeName: row.optionalText("outcome").map { text("outcomes.\(WebApp.key($0))") } ?? text("privacy_pages.export.not_finished"),
            detail: row.text("outcome_detail"), partner: row.optionalText("partner").map { app.catalog.partner($0)?.name ?? $0 } ?? "",
            followUp: followUp, steps: steps)
    }

    private func step(_ row: ExportRecord) -> PrivacyExportPage.Step {
        .init(description: row.text("description"), actorName: text("actors.\(WebApp.key(row.text("actor")))"), when: when(row.date("at")),
              reason: row.text("reason"))
    }

    private func auditRow(_ row: ExportRecord) -> PrivacyExportPage.AuditRow {
        let action = row.text("action")
        let key = "audit_actions.\(WebApp.key(action))"
        let actionText = text(key)
        return .init(when: when(row.date("at")), actionName: actionText == key ? action : actionText,
                     roleName: row.optionalText("actor_role").map { text("roles.\($0)") } ?? text("privacy_pages.audit.no_staff"),
                     reason: row.optionalText("reason") ?? "—")
    }

    // MARK: - Parts

    private func text(_ key: String, _ arguments: [String: String] = [:]) -> String {
        app.localization.text(key, language, arguments)
    }

    private func yesNo(_ flag: Bool) -> String { text(flag ? "common.yes" : "common.no") }

    private func when(_ date: Date?) -> String { date.map(app.formatDateTime) ?? "—" }
}
