import Foundation

/// What an erasure asks of the person who does it: a reason that says why without naming the customer,
/// and, as a second confirmation, the customer number typed again.
public enum ErasureRules {
    public static let reasonLength = 3...500

    public enum Problem: Error, Equatable, Sendable {
        case reasonMissing
        case reasonTooShort
        case reasonTooLong
        /// The reason holds the customer's number or a name: it stays in the audit trail, so it would
        /// keep exactly what the erasure removes.
        case reasonNamesCustomer
    }

    /// The reason, trimmed, if it may be kept in the audit trail. `customerValues` are the number and
    /// names that it must not contain (compared without case).
    public static func reason(_ text: String, customerValues: [String] = []) throws(Problem) -> String {
        let reason = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if reason.isEmpty { throw .reasonMissing }
        if reason.count < reasonLength.lowerBound { throw .reasonTooShort }
        if reason.count > reasonLength.upperBound { throw .reasonTooLong }
        let folded = reason.lowercased()
        for value in customerValues {
            let needle = value.trimmingCharacters(in: .whitespaces).lowercased()
            if needle.count >= 2, folded.contains(needle) { throw .reasonNamesCustomer }
        }
        return reason
    }

    /// True when the typed confirmation is the customer's number (spaces around it and case do not matter).
    public static func confirms(_ typed: String, number: String) -> Bool {
        typed.trimmingCharacters(in: .whitespaces).lowercased() == number.lowercased()
    }
}
