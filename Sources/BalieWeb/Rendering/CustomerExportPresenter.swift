import BalieCore
import Foundation

/// Turns the export of one customer (`PrivacyRepository.exportCustomer`, the same data as the JSON download) into
/// the readable access page: every section, codes by their translated names, dates as people read them.
struct CustomerExportPresenter {
    let app: WebApp
    let language: String

    func context(customer: Customer, export: [String: Any]) -> [String: Any] {
        let root = ExportRow(values: export)
        let contacts = root.rows("contacts").map(contact)
        let consents = root.rows("consents").map(consent)
        let messages = root.rows("messages").map(message)
        let followUps = root.rows("follow_ups").map(followUp)
        let sessions = root.rows("sessions").map(session)
        let audit = root.rows("audit").map(auditRow)
        return [
            "customer": record(customer),
            "has_needs": !customer.accessibilityNeeds.isEmpty,
            "has_note": customer.note?.isEmpty == false,
            "has_contacts": !contacts.isEmpty, "contacts": contacts,
            "has_consents": !consents.isEmpty, "consents": consents,
            "has_messages": !messages.isEmpty, "messages": messages,
            "has_follow_ups": !followUps.isEmpty, "follow_ups": followUps,
            "has_sessions": !sessions.isEmpty, "sessions": sessions,
            "has_audit": !audit.isEmpty, "audit": audit,
        ]
    }

    // MARK: - Sections

    private func record(_ customer: Customer) -> [String: Any] {
        [
            "full_name": customer.fullName,
            "number": customer.number,
            "birth_date": customer.birthDate?.dutch ?? "—",
            "postcode": customer.postcode ?? "—",
            "phone": customer.phone ?? "—",
            "email": customer.email ?? "—",
            "preferred_channel_name": customer.preferredChannel.map { text("preferred_channels.\(WebApp.key($0.rawValue))") } ?? "—",
            "language_name": app.localization.language(customer.language)?.ownName ?? customer.language ?? "—",
            "address": app.addressName(for: customer, language: language),
            "needs_text": customer.accessibilityNeeds.map { text("needs.\(WebApp.key($0.rawValue))") }.joined(separator: ", "),
            "note": customer.note ?? "",
        ]
    }

    private func contact(_ row: ExportRow) -> [String: Any] {
        let channel = Channel(rawValue: row.text("channel"))
        return [
            "when": when(row.date("at")),
            "channel_name": channel.map { text("channels.\(WebApp.key($0.rawValue))") } ?? row.text("channel"),
            "channel_icon": channel.map(WebApp.icon(for:)) ?? "other",
            "topic": row.text("topic"), "summary": row.text("summary"), "outcome": row.text("outcome"),
            "source": row.text("source_system"),
        ]
    }

    private func consent(_ row: ExportRow) -> [String: Any] {
        [
            "purpose_name": text("consent.purposes.\(WebApp.key(row.text("purpose")))"),
            "status_text": text(row.flag("given") ? "consent.given" : "consent.withdrawn"),
            "when": when(row.date("at")),
            "how_name": text("consent.how.\(WebApp.key(row.text("method")))"),
        ]
    }

    private func message(_ row: ExportRow) -> [String: Any] {
        ["title": row.text("title"), "sent": when(row.date("sent_at")), "important_text": yesNo(row.flag("important")),
         "read_text": yesNo(row.flag("read"))]
    }

    private func followUp(_ row: ExportRow) -> [String: Any] {
        ["description": row.text("description"), "due": row.date("due").map(app.formatDate) ?? "—",
         "channel_name": text("preferred_channels.\(WebApp.key(row.text("channel")))"), "done_text": yesNo(row.flag("done"))]
    }

    private func session(_ row: ExportRow) -> [String: Any] {
        let tasks = row.rows("tasks").map { task -> [String: Any] in
            let steps = row.rows("steps").filter { $0.int("session_task_id") == task.int("id") }.map(step)
            return self.task(task).merging(["has_steps": !steps.isEmpty, "steps": steps]) { $1 }
        }
        let notes = row.rows("notes").map { ["text": $0.text("text"), "when": when($0.date("at"))] }
        let effort = row.int("effort_score").map { "\($0) – " + text("feedback.effort_\($0)") }
        return [
            "heading": text("privacy_pages.export.session_heading", ["date": when(row.date("started_at"))]),
            "finished": row.date("finished_at").map(when) ?? text("privacy_pages.export.not_finished"),
            "kiosk": row.text("kiosk"),
            "language_name": app.localization.language(row.text("language"))?.ownName ?? row.text("language"),
            "effort_text": effort ?? "—",
            "reliance_text": row.optionalText("self_reliance").map { text("feedback.reliance_\(WebApp.key($0))") } ?? "—",
            "advice_text": row.optionalText("channel_advice").map { text("preferred_channels.\(WebApp.key($0))") } ?? "—",
            "has_tasks": !tasks.isEmpty, "tasks": tasks,
            "has_notes": !notes.isEmpty, "notes": notes,
        ]
    }

    private func task(_ row: ExportRow) -> [String: Any] {
        let taskID = row.text("task_id")
        let storedNames = (try? JSONSerialization.jsonObject(with: Data(row.text("names").utf8))) as? [String: String] ?? [:]
        let name = app.catalog.task(taskID)?.name(language) ?? storedNames[language] ?? storedNames["nl"] ?? taskID
        var followUp = ""
        if let who = row.optionalText("follow_up_who") {
            followUp = text("outcome_texts.follow_up", [
                "who": who, "date": row.date("follow_up_due").map(app.formatDate) ?? "—",
                "channel": row.optionalText("follow_up_channel").map { text("preferred_channels.\(WebApp.key($0))") } ?? "—",
            ])
        }
        let partner = row.optionalText("partner").map { app.catalog.partner($0)?.name ?? $0 } ?? ""
        return [
            "name": name,
            "outcome_name": row.optionalText("outcome").map { text("outcomes.\(WebApp.key($0))") } ?? text("privacy_pages.export.not_finished"),
            "detail": row.text("outcome_detail"), "has_detail": !row.text("outcome_detail").isEmpty,
            "partner": partner, "has_partner": !partner.isEmpty,
            "follow_up": followUp, "has_follow_up": !followUp.isEmpty,
        ]
    }

    private func step(_ row: ExportRow) -> [String: Any] {
        let reason = row.text("reason")
        return [
            "description": row.text("description"),
            "actor_name": text("actors.\(WebApp.key(row.text("actor")))"),
            "when": when(row.date("at")),
            "reason": reason, "has_reason": !reason.isEmpty,
        ]
    }

    private func auditRow(_ row: ExportRow) -> [String: Any] {
        let action = row.text("action")
        let key = "audit_actions.\(WebApp.key(action))"
        let actionText = text(key)
        return [
            "when": when(row.date("at")),
            "action_name": actionText == key ? action : actionText,
            "role_name": row.optionalText("actor_role").map { text("roles.\($0)") } ?? text("privacy_pages.audit.no_staff"),
            "reason": row.optionalText("reason") ?? "—",
        ]
    }

    // MARK: - Parts

    private func text(_ key: String, _ arguments: [String: String] = [:]) -> String {
        app.localization.text(key, language, arguments)
    }

    private func yesNo(_ flag: Bool) -> String { text(flag ? "common.yes" : "common.no") }

    private func when(_ date: Date?) -> String { date.map(app.formatDateTime) ?? "—" }
}

/// One row of the export: column values as SQLite gave them (text, integer, real or null).
private struct ExportRow {
    let values: [String: Any]

    func text(_ key: String) -> String { values[key] as? String ?? "" }
    /// The text, or nil when the column is null or empty.
    func optionalText(_ key: String) -> String? { (values[key] as? String).flatMap { $0.isEmpty ? nil : $0 } }
    func int(_ key: String) -> Int64? { values[key] as? Int64 }
    func flag(_ key: String) -> Bool { int(key) == 1 }
    func date(_ key: String) -> Date? {
        guard let seconds = (values[key] as? Double) ?? (values[key] as? Int64).map(Double.init) else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }
    func rows(_ key: String) -> [ExportRow] { (values[key] as? [[String: Any]] ?? []).map(ExportRow.init) }
}
