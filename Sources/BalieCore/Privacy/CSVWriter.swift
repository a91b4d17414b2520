import Foundation

/// Writes RFC 4180 CSV that a spreadsheet opens safely: fields with a comma, quote or line break are quoted
/// (quotes doubled), and a field that a spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`,
/// a tab or a carriage return) gets a leading `'`, so it shows as text (OWASP "CSV injection").
public enum CSVWriter {
    /// The characters that make a spreadsheet treat a cell as a formula.
    static let formulaStarts: Set<Character> = ["=", "+", "-", "@", "\t", "\r", "\r\n"]

    /// A whole document: a byte-order mark (so that spreadsheets read UTF-8 names like "Yılmaz" right), the
    /// header, then the rows, each line ended by CR LF.
    public static func document(header: [String], rows: [[String]]) -> String {
        var text = "\u{FEFF}" + line(header)
        for row in rows { text += line(row) }
        return text
    }

    /// One record, ended by CR LF.
    public static func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }

    /// One field, neutralised and quoted where needed.
    public static func field(_ value: String) -> String {
        var text = value
        if let first = text.first, formulaStarts.contains(first) { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
