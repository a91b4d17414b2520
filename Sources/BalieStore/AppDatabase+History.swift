import BalieCore
import Foundation
import GRDB

/// Records that already happened, written in bulk: the demo's six months of work, and anything else that
/// brings a finished history in at once. One transaction per call with cached statements, so a thousand
/// sessions cost one durable commit instead of several thousand.
extension AppDatabase {
    /// A mistake in what was handed to `insertHistory`.
    public struct HistoryProblem: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    /// Customers in one transaction, with everything `insertCustomer` stores (needs, form of address and
    /// note too); returned with their ids, in the order given. A number that exists already is refused.
    public func insertCustomers(_ customers: [Customer]) throws -> [Customer] {
        try writer.write { db in
            let statement = try db.cachedStatement(sql: """
                INSERT INTO customer(number, given_name, family_name, birth_date, postcode, phone, email, preferred_channel, language,
                                     accessibility_needs, form_of_address, note, search_name)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            return try customers.map { customer in
                try statement.execute(arguments: [
                    customer.number, customer.givenName, customer.familyName, customer.birthDate?.iso, customer.postcode,
                    customer.phone, customer.email, customer.preferredChannel?.rawValue, customer.language,
                    customer.accessibilityNeeds.map(\.rawValue).joined(separator: ","), customer.formOfAddress.rawValue, customer.note,
                    SearchText.fold(customer.fullName),
                ])
                var stored = customer
                stored.id = db.lastInsertedRowID
                return stored
            }
        }
    }

    /// Finished work in one transaction: sessions with their tasks (outcomes and finish times), steps and
    /// notes, and the record entries that came with them. Returns the sessions' new ids, in the order given.
    ///
    /// - A step names its task by the task's position in `session.tasks` (`sessionTaskID` 0 is the first
    ///   task): the tasks have no ids before they are stored.
    /// - Outcomes are stored as `finishTask` stores them; a task's `finished_at` is the time of its last step
    ///   (its `addedAt` when it has none), and stays empty for a task without an outcome.
    /// - `earlier_visits` is counted as `addTask` counts it, over what is stored when the session is written:
    ///   give the sessions oldest first.
    /// - A closed session without a customer is stored as `closeSession` leaves an anonymous one: no step
    ///   descriptions, reasons, outcome details, follow-up names or notes.
    /// - Contacts are added as a close adds them (a duplicate of customer, channel, time and topic is skipped).
    @discardableResult
    public func insertHistory(_ sessions: [AssistedSession], contacts: [Contact], messages: [Message] = [], followUps: [FollowUp] = [],
                              consents: [Consent] = [], staffCalls: [StaffCall] = []) throws -> [Int64] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var encodedNames: [[String: String]: String] = [:]
        func namesText(_ names: [String: String]) throws -> String {
            if let known = encodedNames[names] { return known }
            let text = String(decoding: try encoder.encode(names), as: UTF8.self)
            encodedNames[names] = text
            return text
        }
        return try writer.write { db in
            let insertSession = try db.cachedStatement(sql: """
                INSERT INTO assisted_session(customer_id, staff_id, kiosk, branch, started_at, finished_at, waiting_seconds, phase, language,
                                             effort_score, self_reliance, channel_advice)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            // The same count as addTask's, for a session that is being written.
            let countEarlier = try db.cachedStatement(sql: """
                SELECT count(*) FROM session_task t JOIN assisted_session o ON o.id = t.session_id
                WHERE o.customer_id = ? AND o.id != ? AND t.task_id = ?
                """)
            let insertTask = try db.cachedStatement(sql: """
                INSERT INTO session_task(session_id, task_id, task_group, names, added_at, outcome, outcome_detail, partner, follow_up_who,
                                         follow_up_due, follow_up_channel, finished_at, earlier_visits)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let insertStep = try db.cachedStatement(sql: """
                INSERT INTO session_step(session_id, session_task_id, description, actor, reason, at) VALUES (?, ?, ?, ?, ?, ?)
                """)
            let insertNote = try db.cachedStatement(sql: "INSERT INTO session_note(session_id, text, at) VALUES (?, ?, ?)")
            var ids: [Int64] = []
            ids.reserveCapacity(sessions.count)
            for session in sessions {
                let anonymous = session.customerID == nil && session.phase == .closed
                try insertSession.execute(arguments: [
                    session.customerID, session.staffID, session.kiosk, session.branch, session.startedAt.timeIntervalSince1970,
                    session.finishedAt?.timeIntervalSince1970, session.waitingSeconds, session.phase.rawValue, session.language,
                    session.effortScore, session.selfReliance?.rawValue, session.channelAdvice?.rawValue,
                ])
                let sessionID = db.lastInsertedRowID
                ids.append(sessionID)
                var lastStepAt: [Int: Date] = [:]
                for step in session.steps {
                    guard let index = Int(exactly: step.sessionTaskID), session.tasks.indices.contains(index) else {
                        throw HistoryProblem(description: "a step of the session at \(session.startedAt) names task \(step.sessionTaskID), "
                                             + "which is not a position in its \(session.tasks.count) tasks")
                    }
                    lastStepAt[index] = max(lastStepAt[index] ?? step.at, step.at)
                }
                var taskIDs: [Int64] = []
                for (index, task) in session.tasks.enumerated() {
                    var earlier: Int?
                    if let customerID = session.customerID {
                        earlier = try Int.fetchOne(countEarlier, arguments: [customerID, sessionID, task.taskID]) ?? 0
                    }
                    // As finishTask stores each outcome.
                    var detail = "", partner: String?, who: String?, due: Double?, channel: String?
                    switch task.outcome {
                    case nil, .resolved?: break
                    case .partly(let text)?, .notPossible(let text)?: detail = text
                    case .referred(let to, let handover)?: (partner, detail) = (to, handover)
                    case .followUp(let person, let date, let via)?: (who, due, channel) = (person, date.timeIntervalSince1970, via.rawValue)
                    }
                    if anonymous { (detail, who) = ("", nil) }
                    let finishedAt = task.outcome == nil ? nil : (lastStepAt[index] ?? task.addedAt).timeIntervalSince1970
                    try insertTask.execute(arguments: [
                        sessionID, task.taskID, task.group.rawValue, try namesText(task.names), task.addedAt.timeIntervalSince1970,
                        task.outcome?.kind, detail, partner, who, due, channel, finishedAt, earlier,
                    ])
                    taskIDs.append(db.lastInsertedRowID)
                }
                for step in session.steps {
                    try insertStep.execute(arguments: [
                        sessionID, taskIDs[Int(step.sessionTaskID)], anonymous ? "" : step.description, step.actor.rawValue,
                        anonymous ? nil : step.reason, step.at.timeIntervalSince1970,
                    ])
                }
                if !anonymous {
                    for note in session.notes {
                        try insertNote.execute(arguments: [sessionID, note.text, note.at.timeIntervalSince1970])
                    }
                }
            }
            let insertContact = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO contact(customer_id, channel, at, topic, summary, outcome, source_system) VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            for contact in contacts {
                try insertContact.execute(arguments: [contact.customerID, contact.channel.rawValue, contact.at.timeIntervalSince1970,
                                                      contact.topic, contact.summary, contact.outcome, contact.sourceSystem])
            }
            let insertMessage = try db.cachedStatement(sql: "INSERT INTO message(customer_id, title, sent_at, important, read) VALUES (?, ?, ?, ?, ?)")
            for message in messages {
                try insertMessage.execute(arguments: [message.customerID, message.title, message.sentAt.timeIntervalSince1970,
                                                      message.isImportant, message.isRead])
            }
            let insertFollowUp = try db.cachedStatement(sql: "INSERT INTO follow_up(customer_id, description, due, channel, done) VALUES (?, ?, ?, ?, ?)")
            for followUp in followUps {
                try insertFollowUp.execute(arguments: [followUp.customerID, followUp.description, followUp.due.timeIntervalSince1970,
                                                       followUp.channel.rawValue, followUp.isDone])
            }
            let insertConsent = try db.cachedStatement(sql: """
                INSERT INTO consent(customer_id, purpose, given, at, recorded_by, method) VALUES (?, ?, ?, ?, ?, ?)
                """)
            for consent in consents {
                try insertConsent.execute(arguments: [consent.customerID, consent.purpose.rawValue, consent.given, consent.at.timeIntervalSince1970,
                                                      consent.recordedBy, consent.method.rawValue])
            }
            let insertCall = try db.cachedStatement(sql: "INSERT INTO staff_call(kiosk, branch, task_group, at) VALUES (?, ?, ?, ?)")
            for call in staffCalls {
                try insertCall.execute(arguments: [call.kiosk, call.branch, call.group?.rawValue, call.at.timeIntervalSince1970])
            }
            return ids
        }
    }

    /// Moves everything in the write-ahead log into the database file and empties the log, so that the
    /// file can be copied on its own (a prepared demo database).
    public func checkpoint() throws {
        guard path != ":memory:" else { return }
        try writer.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
    }
}
