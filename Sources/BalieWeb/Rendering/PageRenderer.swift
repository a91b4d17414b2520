import Foundation

/// Renders the Mustache templates of `www/templates` from typed page models (`TypedTemplate`): each template is
/// parsed once at start, compiled against its model once per language, then written straight to bytes, HTML-escaped
/// by default (`HTMLEscaping`, the one escaper).
public final class PageRenderer: Sendable {
    public let templateNames: [String]
    /// Each language's translation table, whose texts the compiler writes into that language's pages.
    private let translations: [String: [String: Translation]]
    /// Every template parsed, by name (partials and parents included).
    private let parsed: [String: [TemplateNode]]

    /// Reads every `.mustache` file under `directory`; `translations`: each language's table.
    public init(directory: String, translations: [String: [String: Translation]] = [:]) throws {
        let texts = try Self.templateTexts(in: directory)
        parsed = try texts.reduce(into: [:]) { parsed, entry in parsed[entry.key] = try TemplateSyntax.parse(entry.value, named: entry.key) }
        templateNames = texts.keys.sorted()
        self.translations = translations
    }

    /// The templates under `directory` as written, by name without `.mustache` ("pages/customer").
    static func templateTexts(in directory: String) throws -> [String: String] {
        var texts: [String: String] = [:]
        let root = URL(fileURLWithPath: directory).standardizedFileURL.path
        let files = FileManager.default.enumerator(atPath: root)
        while let relative = files?.nextObject() as? String {
            guard relative.hasSuffix(".mustache") else { continue }
            texts[String(relative.dropLast(".mustache".count))] = try String(contentsOfFile: root + "/" + relative, encoding: .utf8)
        }
        return texts
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

    static func firstDifference(_ a: String, _ b: String) -> String {
        let common = zip(a, b).prefix { $0 == $1 }.count
        return "at \(common): «\(a.dropFirst(max(0, common - 60)).prefix(160))» against «\(b.dropFirst(max(0, common - 60)).prefix(160))»"
    }
}
