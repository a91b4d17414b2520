import Foundation

/// One node of a language's table: a text, or a group of nodes by key (a section of the file, or a plural's forms).
public enum Translation: Sendable, Equatable, Decodable {
    case text(String)
    case group([String: Translation])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) { self = .text(text) } else { self = .group(try container.decode([String: Translation].self)) }
    }

    public var text: String? {
        if case .text(let text) = self { return text }
        return nil
    }

    public var group: [String: Translation]? {
        if case .group(let group) = self { return group }
        return nil
    }

    /// The node at a dotted key ("customer.title") below this one.
    public subscript(path key: some StringProtocol) -> Translation? {
        var node = self
        for part in key.split(separator: ".") {
            guard let next = node.group?[String(part)] else { return nil }
            node = next
        }
        return node
    }
}

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
    private let tables: [String: [String: Translation]]
    /// Each language's texts by their whole key ("customer.title"): one look-up per text on the hot path, no walk
    /// through nested tables with a cast at every level.
    private let texts: [String: [String: String]]

    public init(directory: String) throws {
        var tables: [String: [String: Translation]] = [:]
        var languages: [Language] = []
        for code in Self.shippedLanguages {
            let url = URL(fileURLWithPath: directory).appendingPathComponent("\(code).json")
            let table = try JSONDecoder().decode([String: Translation].self, from: Data(contentsOf: url))
            tables[code] = table
            let name = Translation.group(table)[path: "lang.name"]?.text ?? code
            let direction = Translation.group(table)[path: "lang.dir"]?.text ?? "ltr"
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

    private static func flatten(_ table: [String: Translation], prefix: String, into flat: inout [String: String]) {
        for (key, value) in table {
            switch value {
            case .text(let text): flat[prefix + key] = text
            case .group(let nested): flatten(nested, prefix: prefix + key + ".", into: &flat)
            }
        }
    }

    /// The supported language for a code, or nil.
    public func language(_ code: String?) -> Language? {
        guard let code else { return nil }
        return languages.first { $0.code == code }
    }

    /// The whole table of a language, for templates (`{{t.start.title}}`).
    public func table(_ language: String) -> [String: Translation] {
        tables[language] ?? tables[Self.defaultLanguage] ?? [:]
    }

    /// The text at `key` with `{name}` placeholders filled in. Falls back to Dutch, then to the key.
    public func text(_ key: String, _ language: String, _ arguments: [String: String] = [:]) -> String {
        guard let template = texts[language]?[key] ?? texts[Self.defaultLanguage]?[key] else { return key }
        return Self.fill(template, arguments)
    }

    /// The plural form of `key` for `count`, by the language's CLDR rules, with `{count}` filled in.
    public func plural(_ key: String, count: Int, _ language: String, _ arguments: [String: String] = [:]) -> String {
        let forms = (Translation.group(table(language))[path: key] ?? Translation.group(table(Self.defaultLanguage))[path: key])?.group ?? [:]
        let category = PluralRules.category(for: count, language: language)
        guard let template = (forms[category] ?? forms["other"])?.text else { return key }
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
}
