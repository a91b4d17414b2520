import Foundation
import Mustache
import Synchronization

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
    /// The templates as written (without the pragma), for the language copies.
    private let texts: [String: String]
    /// Every name a partial or parent may use.
    private let knownNames: Set<String>
    /// Each language's table, as pages receive it in `t`.
    private let translations: [String: [String: any Sendable]]
    /// Each language's copies (`TranslatedTemplates`), made the first time a page in that language is
    /// asked for, off the request (until then pages render from the templates as written): start-up
    /// stays short and a language nobody uses costs no memory.
    private let copies = Mutex<[String: MustacheLibrary]>([:])
    private let languagesInPreparation = Mutex<Set<String>>([])
    /// Render every page from the original too and stop if the copies differ (tests).
    private let checkTranslated = ProcessInfo.processInfo.environment["BALIE_CHECK_TRANSLATED_TEMPLATES"] == "1"
    /// Every template (partials and parents too: each starts over as HTML) escapes with
    /// `ByteHTMLEscaping`; the pragma renders as nothing.
    private static let pragma = "{{% CONTENT_TYPE: \(ByteHTMLEscaping.name)}}"

    /// Every template parsed for the typed page models (`TypedTemplate`), by name.
    private let parsed: [String: [TemplateNode]]

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
        for (name, text) in texts {
            let template = try MustacheTemplate(string: Self.pragma + text)
            library.register(template, named: name)
            // Mustache section names cannot hold "/", so parents are named with dots:
            // `{{<components.field}}…{{/components.field}}`; partials use either name.
            if name.contains("/") { library.register(template, named: name.replacingOccurrences(of: "/", with: ".")) }
        }
        self.library = library
        self.texts = texts
        parsed = try texts.reduce(into: [:]) { parsed, entry in parsed[entry.key] = try TemplateSyntax.parse(entry.value, named: entry.key) }
        templateNames = texts.keys.sorted()
        knownNames = Set(texts.keys.flatMap { [$0, $0.replacingOccurrences(of: "/", with: ".")] })
        self.translations = translations
    }

    /// Makes the copies of one language now (the server does it in the background on first use); false
    /// when the language has no table or a template cannot be copied.
    @discardableResult
    func prepareCopies(for language: String) -> Bool {
        if copies.withLock({ $0[language] != nil }) { return true }
        guard let table = translations[language] else { return false }
        var library = MustacheLibrary()
        for (name, text) in texts {
            guard let copy = TranslatedTemplates.translate(text, table: table, language: language, templates: knownNames),
                let template = try? MustacheTemplate(string: Self.pragma + copy)
            else { return false }
            library.register(template, named: TranslatedTemplates.name(name, language: language))
        }
        copies.withLock { $0[language] = library }
        return true
    }

    func hasCopies(for language: String) -> Bool { copies.withLock { $0[language] != nil } }

    /// Renders `template`; with the page's language in `context["lang"]`, from that language's copy
    /// once it is made.
    public func render(_ template: String, _ context: [String: Any]) throws -> String {
        if let language = context["lang"] as? String, translations[language] != nil {
            if let copy = copies.withLock({ $0[language] }) {
                guard let html = copy.render(context, withTemplate: TranslatedTemplates.name(template, language: language)) else {
                    throw RenderError.missingTemplate(template)
                }
                if checkTranslated {
                    let original = library.render(context, withTemplate: template)
                    precondition(html == original, "The \(language) copy of \(template) renders differently: \(Self.firstDifference(html, original ?? ""))")
                }
                return html
            }
            prepareInBackground(language)
        }
        guard let html = library.render(context, withTemplate: template) else {
            throw RenderError.missingTemplate(template)
        }
        return html
    }

    /// Renders `template` from a typed page model, in `language`: compiled for the model and the language the first
    /// time, then closures over the model's values writing bytes.
    func render<Model: PageModel>(_ template: String, _ model: Model, language: String) throws -> [UInt8] {
        let writer = try Model.compiled.writer("\(ObjectIdentifier(self).hashValue)|\(template)|\(language)") {
            try compiled(template, for: Model.self, language: language).writer
        }
        var out: [UInt8] = []
        out.reserveCapacity(32_768)
        writer(model, &out)
        return out
    }

    /// `template` compiled against a model: its writer, and the names it uses that the model lacks.
    func compiled<Model: TemplateModel>(_ template: String, for model: Model.Type, language: String) throws
        -> (writer: TemplateWriter<Model>, unresolved: Set<String>) {
        let compiler = TemplateCompiler(translations: translations[language] ?? [:])
        let writer = try compiler.compile(try TemplateExpansion.expand(template, library: parsed), in: Model.self)
        return (writer, compiler.unresolved)
    }

    private func prepareInBackground(_ language: String) {
        guard languagesInPreparation.withLock({ $0.insert(language).inserted }) else { return }
        DispatchQueue.global(qos: .utility).async { self.prepareCopies(for: language) }
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

    static func escape(_ text: String) -> String { HTMLEscaping.escape(text) }

}
