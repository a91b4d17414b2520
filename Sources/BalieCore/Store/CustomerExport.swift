import Foundation

/// Everything held about one customer, table by table and column by column as stored (the right of access, AVG
/// art. 15): the record, contacts, consents, messages, follow-ups, assisted sessions with their tasks, steps and
/// notes, and the audit rows about them. Both stores give the same values (integers, reals, text, NULL), so the JSON
/// download is the same document from either; the access page reads it through the typed accessors.
public struct ExportRecord: Sendable, Equatable, Encodable {
    public var values: [String: ExportValue]

    public init(_ values: [String: ExportValue] = [:]) { self.values = values }

    public subscript(_ column: String) -> ExportValue? {
        get { values[column] }
        set { values[column] = newValue }
    }

    public var keys: Dictionary<String, ExportValue>.Keys { values.keys }

    public func text(_ column: String) -> String { optionalText(column) ?? "" }
    /// The text, or nil when the column is NULL or empty.
    public func optionalText(_ column: String) -> String? {
        guard case .text(let text)? = values[column], !text.isEmpty else { return nil }
        return text
    }
    public func integer(_ column: String) -> Int64? {
        guard case .integer(let number)? = values[column] else { return nil }
        return number
    }
    /// A flag as stored: 1 is true.
    public func flag(_ column: String) -> Bool { integer(column) == 1 }
    /// A moment stored as seconds since 1970.
    public func date(_ column: String) -> Date? {
        switch values[column] {
        case .real(let seconds)?: Date(timeIntervalSince1970: seconds)
        case .integer(let seconds)?: Date(timeIntervalSince1970: Double(seconds))
        default: nil
        }
    }
    public func rows(_ key: String) -> [ExportRecord] {
        guard case .rows(let rows)? = values[key] else { return [] }
        return rows
    }
    public func record(_ key: String) -> ExportRecord? {
        guard case .record(let record)? = values[key] else { return nil }
        return record
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(values)
    }

    /// The JSON document the command line prints and the access page offers for download: sorted keys, indented.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

/// One stored value of the export, or a section of rows below a record.
public indirect enum ExportValue: Sendable, Equatable, Encodable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case record(ExportRecord)
    case rows([ExportRecord])

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .integer(let number): try container.encode(number)
        case .real(let number): try container.encode(number)
        case .text(let text): try container.encode(text)
        case .record(let record): try container.encode(record)
        case .rows(let rows): try container.encode(rows)
        }
    }
}

extension PrivacyRepository {
    /// The export as the JSON document the command line prints and the access page offers for download.
    public func exportCustomerJSON(number: String) throws -> Data? { try exportCustomer(number: number)?.json() }
}
