import BalieCore
import Foundation

/// The JSON shapes of the channel API (see www/openapi.json). snake_case, dates in ISO 8601.
struct ApiCustomerSummary: Encodable {
    let number: String
    let given_name: String
    let family_name: String
    let birth_date: String?
    let postcode: String?

    init(_ summary: CustomerSummary) {
        number = summary.number
        given_name = summary.givenName
        family_name = summary.familyName
        birth_date = summary.birthDate?.iso
        postcode = summary.postcode
    }
}

struct ApiConsent: Encodable {
    let purpose: String
    let given: Bool
    let at: Date
    let method: String
}

struct ApiCustomer: Encodable {
    let number: String
    let given_name: String
    let family_name: String
    let birth_date: String?
    let postcode: String?
    let phone: String?
    let email: String?
    let preferred_channel: String?
    let language: String?
    let accessibility_needs: [String]
    let consents: [ApiConsent]
    let unread_important_messages: Int
    let open_follow_ups: Int

    init(_ record: CustomerRecord) {
        let customer = record.customer
        number = customer.number
        given_name = customer.givenName
        family_name = customer.familyName
        birth_date = customer.birthDate?.iso
        postcode = customer.postcode
        phone = customer.phone
        email = customer.email
        preferred_channel = customer.preferredChannel?.rawValue
        language = customer.language
        accessibility_needs = customer.accessibilityNeeds.map(\.rawValue)
        consents = Consent.Purpose.allCases.compactMap { purpose in
            record.consents[purpose].map { ApiConsent(purpose: purpose.rawValue, given: $0.consent.given, at: $0.consent.at, method: $0.consent.method.rawValue) }
        }
        unread_important_messages = record.unreadImportantMessages.count
        open_follow_ups = record.openFollowUps.count
    }
}

struct ApiContact: Encodable {
    let id: Int64
    let channel: String
    let at: Date
    let topic: String
    let summary: String
    let outcome: String
    let source_system: String

    init(_ contact: Contact) {
        id = contact.id ?? 0
        channel = contact.channel.rawValue
        at = contact.at
        topic = contact.topic
        summary = contact.summary
        outcome = contact.outcome
        source_system = contact.sourceSystem
    }
}

struct ApiSessionTask: Encodable {
    let task_id: String
    let name: String
    let outcome: String?
    let steps: [String: Int]
}

struct ApiSession: Encodable {
    let id: Int64
    let customer_number: String?
    let kiosk: String
    let started_at: Date
    let finished_at: Date?
    let phase: String
    let language: String
    let waiting_seconds: Int?
    let effort_score: Int?
    let self_reliance: String?
    let channel_advice: String?
    let tasks: [ApiSessionTask]

    init(_ session: AssistedSession, customerNumber: String?) {
        id = session.id ?? 0
        customer_number = customerNumber
        kiosk = session.kiosk
        started_at = session.startedAt
        finished_at = session.finishedAt
        phase = session.phase.rawValue
        language = session.language
        waiting_seconds = session.waitingSeconds
        effort_score = session.effortScore
        self_reliance = session.selfReliance?.rawValue
        channel_advice = session.channelAdvice?.rawValue
        tasks = session.tasks.map { task in
            var steps: [String: Int] = [:]
            for step in session.steps(of: task) { steps[step.actor.rawValue, default: 0] += 1 }
            return ApiSessionTask(task_id: task.taskID, name: task.name("nl"), outcome: task.outcome?.kind, steps: steps)
        }
    }
}

struct ApiPage<Item: Encodable>: Encodable {
    let items: [Item]
    let next_cursor: String?
}

/// A request for remote help, without personal data.
struct ApiHelpRequest: Encodable {
    let id: Int64
    let kiosk: String
    let branch: String
    let topic: String
    let session_id: Int64?
    let status: String
    let created_at: Date
    let accepted_at: Date?
    let answered_at: Date?
    let ended_at: Date?
    let ended_by: String?

    init(_ help: HelpRequest) {
        id = help.id ?? 0
        kiosk = help.kiosk
        branch = help.branch
        topic = help.topic
        session_id = help.sessionID
        status = help.status.rawValue
        created_at = help.createdAt
        accepted_at = help.acceptedAt
        answered_at = help.answeredAt
        ended_at = help.endedAt
        ended_by = help.endedBy?.rawValue
    }
}
