import Foundation

/// What an assisted session writes into the customer's shared record, in Dutch: the language of the record that staff
/// and the other channels (CRM, contact centre) read, whatever language the customer was helped in.
public enum SessionRecordText {
    /// The source system named on contacts Balie writes.
    public static let sourceSystem = "balie"

    /// The contact a closed session leaves: its tasks with their outcomes, how long it took and how long the customer
    /// waited. `outcomeText` words an outcome (in Dutch) as the take-home summary does.
    public static func closingContact(of session: AssistedSession, customerID: Int64, at now: Date,
                                      outcomeText: (TaskOutcome?) -> String) -> Contact {
        let minutes = Int(now.timeIntervalSince(session.startedAt) / 60)
        var summary = session.tasks.map { "\($0.name("nl")): \(outcomeText($0.outcome))" }.joined(separator: "\n")
        summary += "\nDuur: \(minutes) min" + (session.waitingSeconds.map { "; wachttijd: \($0 / 60) min" } ?? "")
        let kinds = Set(session.tasks.compactMap { $0.outcome?.kind })
        return Contact(customerID: customerID, channel: .kioskAssisted, at: now, topic: session.tasks.map { $0.name("nl") }.joined(separator: ", "),
                       summary: summary, outcome: kinds == ["resolved"] ? "opgelost" : kinds.sorted().joined(separator: ", "),
                       sourceSystem: sourceSystem)
    }

    /// The follow-ups a closed session promised: one per task that ended in a follow-up, saying who does it.
    public static func followUps(of session: AssistedSession, customerID: Int64) -> [FollowUp] {
        session.tasks.compactMap { task in
            guard case .followUp(let who, let due, let channel) = task.outcome else { return nil }
            return FollowUp(customerID: customerID, description: "\(task.name("nl")) — \(who)", due: due, channel: channel)
        }
    }

    /// The contact of an important message read together at the desk.
    public static func readTogether(_ message: Message, customerID: Int64, at now: Date) -> Contact {
        Contact(customerID: customerID, channel: .kioskAssisted, at: now, topic: "Bericht samen gelezen", summary: message.title,
                outcome: "gelezen", sourceSystem: sourceSystem)
    }
}
