import Foundation
import Mustache

/// Renders the Mustache templates of `www/templates` (HTML-escaped by default).
public final class PageRenderer: Sendable {
    public enum RenderError: Error, CustomStringConvertible {
        case missingTemplate(String)
        public var description: String {
            switch self { case .missingTemplate(let name): "No template named \(name)." }
        }
    }

    private let library: MustacheLibrary
    public let templateNames: [String]
    /// Languages with their own copies of every template (`TranslatedTemplates`).
    let translatedLanguages: Set<String>
    /// Render every page from the original too and stop if the copies differ (tests).
    private let checkTranslated = ProcessInfo.processInfo.environment["BALIE_CHECK_TRANSLATED_TEMPLATES"] == "1"

    /// `translations`: each language's table, as pages receive it in `t`.
    public init(directory: String, translations: [String: [String: any Sendable]] = [:]) throws {
        MustacheContentTypes.register(ByteHTMLEscaping(), named: ByteHTMLEscaping.name)
        var library = MustacheLibrary()
        var texts: [String: String] = [:]
        let root = URL(fileURLWithPath: directory).standardizedFileURL.path
        let files = FileManager.default.enumerator(atPath: root)
        while let relative = files?.nextObject() as? String {
            guard relative.hasSuffix(".mustache") else { continue }
            texts[String(relative.dropLast(".mustache".count))] = try String(contentsOfFile: root + "/" + relative, encoding: .utf8)
        }
        // Every template (partials and parents too: each starts over as HTML) escapes with
        // `ByteHTMLEscaping`; the pragma renders as nothing.
        let pragma = "{{% CONTENT_TYPE: \(ByteHTMLEscaping.name)}}"
        // Mustache section names cannot hold "/", so parents are named with dots:
        // `{{<components.field}}…{{/components.field}}`; partials use either name.
        let known = Set(texts.keys.flatMap { [$0, $0.replacingOccurrences(of: "/", with: ".")] })
        for (name, text) in texts {
            try library.register(pragma + text, named: name)
            if name.contains("/") { try library.register(pragma + text, named: name.replacingOccurrences(of: "/", with: ".")) }
        }
        var translated: Set<String> = []
        for (language, table) in translations {
            let copies = texts.mapValues { TranslatedTemplates.translate($0, table: table, language: language, templates: known) }
            guard !copies.values.contains(where: { $0 == nil }) else { continue }
            for (name, copy) in copies { try library.register(pragma + copy!, named: TranslatedTemplates.name(name, language: language)) }
            translated.insert(language)
        }
        self.library = library
        self.templateNames = texts.keys.sorted()
        translatedLanguages = translated
    }

    /// Renders `template`; with the page's language in `context["lang"]` from that language's copy.
    public func render(_ template: String, _ context: [String: Any]) throws -> String {
        if let language = context["lang"] as? String, translatedLanguages.contains(language) {
            guard let html = library.render(context, withTemplate: TranslatedTemplates.name(template, language: language)) else {
                throw RenderError.missingTemplate(template)
            }
            if checkTranslated {
                let original = library.render(context, withTemplate: template)
                precondition(html == original, "The \(language) copy of \(template) renders differently: \(Self.firstDifference(html, original ?? ""))")
            }
            return html
        }
        guard let html = library.render(context, withTemplate: template) else {
            throw RenderError.missingTemplate(template)
        }
        return html
    }

    static func firstDifference(_ a: String, _ b: String) -> String {
        let common = zip(a, b).prefix { $0 == $1 }.count
        return "at \(common): «\(a.dropFirst(max(0, common - 60)).prefix(160))» against «\(b.dropFirst(max(0, common - 60)).prefix(160))»"
    }
}

/// HTML escaping over UTF-8 bytes, replacing the same five characters as the Mustache library's
/// `HTMLContentType` (`< > & " '`), which walks the text character by character and was a sixth of the
/// 360° page's CPU. Text without any of them is returned as is, without copying. Unlike the character
/// walk, a quote followed by a combining mark is escaped too.
struct ByteHTMLEscaping: MustacheContentType {
    static let name = "BALIE_HTML"

    func escapeText(_ text: String) -> String {
        Self.escape(text)
    }

    static func escape(_ text: String) -> String {
        let original = text
        var text = text
        return text.withUTF8 { bytes in
            guard let first = bytes.firstIndex(where: isSpecial) else { return original }
            var escaped = [UInt8]()
            escaped.reserveCapacity(bytes.count + 16)
            escaped.append(contentsOf: bytes[..<first])
            for byte in bytes[first...] {
                switch byte {
                case UInt8(ascii: "<"): escaped.append(contentsOf: "&lt;".utf8)
                case UInt8(ascii: ">"): escaped.append(contentsOf: "&gt;".utf8)
                case UInt8(ascii: "&"): escaped.append(contentsOf: "&amp;".utf8)
                case UInt8(ascii: "\""): escaped.append(contentsOf: "&quot;".utf8)
                case UInt8(ascii: "'"): escaped.append(contentsOf: "&#39;".utf8)
                default: escaped.append(byte)
                }
            }
            return String(decoding: escaped, as: UTF8.self)
        }
    }

    private static func isSpecial(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "&") || byte == UInt8(ascii: "\"")
            || byte == UInt8(ascii: "'")
    }
}
