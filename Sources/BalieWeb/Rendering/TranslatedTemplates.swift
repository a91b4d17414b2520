import Foundation

/// A template with its translations written in, one copy per language. `{{t.a.b}}` is most of what a
/// page looks up, often from inside sections, where the Mustache library walks the whole context stack
/// with dynamic casts at every level to find `t`; the translations cannot change while the server
/// runs, so each language's copy carries them as text. Partials and parents are pointed at the same
/// language's copies.
///
/// Only what renders identically is written in: a plain or triple-brace variable whose value is a
/// single-line string without braces (a missing one renders as nothing, as the library would).
/// Anything else is left to the library. With `BALIE_CHECK_TRANSLATED_TEMPLATES=1` (the end-to-end
/// tests set it) every page is also rendered from the original and the two must match.
enum TranslatedTemplates {
    /// The copy's name for `name` in `language` ("en.components.field").
    static func name(_ name: String, language: String) -> String {
        language + "." + name.replacingOccurrences(of: "/", with: ".")
    }

    /// `text` with the language's translations written in; nil when the text uses something this
    /// cannot follow (changed delimiters), so that the original is used.
    static func translate(_ text: String, table: [String: any Sendable], language: String, templates: Set<String>) -> String? {
        guard !text.contains("{{=") else { return nil }
        var output = ""
        output.reserveCapacity(text.utf8.count + text.utf8.count / 2)
        var rest = Substring(text)
        /// Open sections, inverted sections, blocks and parents; a parent's close is renamed with it.
        var open: [(name: String, isParent: Bool)] = []
        while let start = rest.range(of: "{{") {
            output += rest[..<start.lowerBound]
            rest = rest[start.lowerBound...]
            let triple = rest.hasPrefix("{{{")
            let closing = triple ? "}}}" : "}}"
            guard let end = rest.range(of: closing) else { return nil }
            let tag = rest[..<end.upperBound]
            let inner = rest[rest.index(rest.startIndex, offsetBy: triple ? 3 : 2)..<end.lowerBound]
                .trimmingCharacters(in: .whitespaces)
            rest = rest[end.upperBound...]
            output += rewrite(tag: String(tag), inner: inner, triple: triple, table: table, language: language,
                              templates: templates, open: &open) ?? String(tag)
        }
        output += rest
        return output
    }

    /// The tag's replacement, or nil to keep it.
    private static func rewrite(
        tag: String, inner: String, triple: Bool, table: [String: any Sendable], language: String, templates: Set<String>,
        open: inout [(name: String, isParent: Bool)]
    ) -> String? {
        guard let sigil = inner.first else { return nil }
        let name = inner.dropFirst().trimmingCharacters(in: .whitespaces)
        switch sigil {
        case "#", "^", "$":
            open.append((name, false))
            return nil
        case "<":
            guard templates.contains(name) else { open.append((name, false)); return nil }
            open.append((name, true))
            return "{{<" + Self.name(name, language: language) + "}}"
        case "/":
            guard let last = open.popLast(), last.name == name, last.isParent else { return nil }
            return "{{/" + Self.name(name, language: language) + "}}"
        case ">":
            guard templates.contains(name) else { return nil }
            return "{{> " + Self.name(name, language: language) + "}}"
        case "!", "%", "=":
            return nil
        default:
            let path = sigil == "&" ? name : inner
            guard path.hasPrefix("t."), path.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }) else { return nil }
            var value: Any? = table
            for key in path.dropFirst(2).split(separator: ".", omittingEmptySubsequences: false) {
                guard let dictionary = value as? [String: any Sendable] else { return nil }
                value = dictionary[String(key)]
            }
            guard let value else { return "" }
            guard let text = value as? String, !text.contains("{{"), !text.contains("}}"), !text.contains("\n"),
                !text.contains("\r")
            else { return nil }
            return triple || sigil == "&" ? text : ByteHTMLEscaping.escape(text)
        }
    }
}
