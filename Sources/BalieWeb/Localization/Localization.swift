import Foundation

/// The translations in `locales/`, one JSON file per language with nested keys. Dutch is the
/// reference and the default.
public final class Localization: Sendable {
    public struct Language: Sendable, Equatable {
        public let code: String
        /// The language's name in itself ("Türkçe").
        public let ownName: String
        public let isRightToLeft: Bool
    }

    public static let defaultLanguage = "nl"
    /// The order in which languages are offered.
    public static let shippedLanguages = ["nl", "en", "tr", "ar", "pl", "uk"]

    public let languages: [Language]
    private let tables: [String: [String: any Sendable]]
    /// Each language's texts by their whole key ("customer.title"): one look-up per text on the hot path, no walk
    /// through nested tables with a cast at every level.
    private let texts: [String: [String: String]]

    public init(directory: String) throws {
        var tables: [String: [String: any Sendable]] = [:]
        var languages: [Language] = []
        for code in Self.shippedLanguages {
            let url = URL(fileURLWithPath: directory).appendingPathComponent("\(code).json")
            let data = try Data(contentsOf: url)
            guard let table = Self.sendable(try JSONSerialization.jsonObject(with: data)) as? [String: any Sendable] else {
                throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: url.path])
            }
            tables[code] = table
            let name = Self.lookup("lang.name", in: table) as? String ?? code
            let direction = Self.lookup("lang.dir", in: table) as? String ?? "ltr"
            languages.append(Language(code: code, ownName: name, isRightToLeft: direction == "rtl"))
        }
        self.tables = tables
        self.languages = languages
        texts = tables.mapValues { table in
            var flat: [String: String] = [:]
            Self.flatten(table, prefix: "", into: &flat)
            return flat
        }
    }

    private static func flatten(_ table: [String: any Sendable], prefix: String, into flat: inout [String: String]) {
        for (key, value) in table {
            if let text = value as? String {
                flat[prefix + key] = text
            } else if let nested = value as? [String: any Sendable] {
                flatten(nested, prefix: prefix + key + ".", into: &flat)
            }
        }
    }

    /// The supported language for a code, or nil.
    public func language(_ code: String?) -> Language? {
        guard let code else { return nil }
        return languages.first { $0.code == code }
    }

    /// The whole table of a language, for templates (`{{t.start.title}}`).
    public func table(_ language: String) -> [String: any Sendable] {
        tables[language] ?? tables[Self.defaultLanguage] ?? [:]
    }

    /// The text at `key` with `{name}` placeholders filled in. Falls back to Dutch, then to the key.
    public func text(_ key: String, _ language: String, _ arguments: [String: String] = [:]) -> String {
        guard let template = texts[language]?[key] ?? texts[Self.defaultLanguage]?[key] else { return key }
        return Self.fill(template, arguments)
    }

    /// The plural form of `key` for `count`, by the language's CLDR rules, with `{count}` filled in.
    public func plural(_ key: String, count: Int, _ language: String, _ arguments: [String: String] = [:]) -> String {
        let forms = (Self.lookup(key, in: table(language)) ?? Self.lookup(key, in: table(Self.defaultLanguage)))
            as? [String: any Sendable] ?? [:]
        let category = PluralRules.category(for: count, language: language)
        guard let template = (forms[category] ?? forms["other"]) as? String else { return key }
        var arguments = arguments
        arguments["count"] = String(count)
        return Self.fill(template, arguments)
    }

    /// `{name}` replaced by its argument, in one pass over the text (an unknown or unclosed `{…}` stays as it is).
    static func fill(_ template: String, _ arguments: [String: String]) -> String {
        guard !arguments.isEmpty, template.utf8.contains(UInt8(ascii: "{")) else { return template }
        var result = ""
        result.reserveCapacity(template.utf8.count + 32)
        var rest = template[...]
        while let open = rest.firstIndex(of: "{") {
            result += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}"), let value = arguments[String(rest[rest.index(after: open)..<close])] else {
                result.append("{")
                rest = rest[rest.index(after: open)...]
                continue
            }
            result += value
            rest = rest[rest.index(after: close)...]
        }
        result += rest
        return result
    }

    static func lookup(_ key: String, in table: [String: any Sendable]) -> (any Sendable)? {
        var node: any Sendable = table
        for part in key.split(separator: ".") {
            guard let dictionary = node as? [String: any Sendable], let next = dictionary[String(part)] else { return nil }
            node = next
        }
        return node
    }

    /// JSON objects as plain Swift values (String, Int, Bool, arrays, dictionaries).
    private static func sendable(_ value: Any) -> (any Sendable)? {
        switch value {
        case let dictionary as [String: Any]:
            var result: [String: any Sendable] = [:]
            for (key, item) in dictionary { result[key] = sendable(item) }
            return result
        case let array as [Any]: return array.compactMap(sendable)
        case let string as String: return string
        case let number as NSNumber: return number.intValue
        default: return nil
        }
    }
}
