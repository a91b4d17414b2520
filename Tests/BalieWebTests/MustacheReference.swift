import Foundation
import Mustache
@testable import BalieWeb

/// The Mustache library (hummingbird's swift-mustache) as the reference that the typed renderer is checked against:
/// the product renders every page from typed models only (issue #20), and the tests render the same templates from
/// the same values through the library and expect the same bytes, so the templates keep meaning what Mustache says
/// they mean to the people who edit them.
struct MustacheReference {
    private let library: MustacheLibrary
    /// Every template escapes as the product does; the pragma itself renders as nothing.
    private static let pragma = "{{% CONTENT_TYPE: \(SameEscaping.name)}}"

    init(directory: String) throws {
        MustacheContentTypes.register(SameEscaping(), named: SameEscaping.name)
        var library = MustacheLibrary()
        for (name, text) in try PageRenderer.templateTexts(in: directory) {
            let template = try MustacheTemplate(string: Self.pragma + text)
            library.register(template, named: name)
            // Mustache section names cannot hold "/", so parents are named with dots: `{{<components.field}}`.
            if name.contains("/") { library.register(template, named: name.replacingOccurrences(of: "/", with: ".")) }
        }
        self.library = library
    }

    func render(_ template: String, _ context: [String: Any]) -> String? {
        library.render(context, withTemplate: template)
    }

    /// `model` as the library's dictionaries, with the language's translations as `t`.
    func render<Model: TemplateModel>(_ template: String, _ model: Model, translations: [String: Translation]) -> String? {
        var context = Model.fields.plain(model)
        context["t"] = Translation.group(translations).plain
        return render(template, context)
    }

    /// The product's escaper, so that both renderers differ in nothing but how they walk the template.
    struct SameEscaping: MustacheContentType {
        static let name = "BALIE_HTML"
        func escapeText(_ text: String) -> String { HTMLEscaping.escape(text) }
    }
}

/// A model as the dictionaries the Mustache library renders from.
extension TemplateFields {
    func plain(_ root: Root) -> [String: Any] {
        var out: [String: Any] = [:]
        for (name, field) in byName {
            switch field {
            case .text(let read): out[name] = read(root)
            case .number(let read): out[name] = read(root)
            case .flag(let read): out[name] = read(root)
            case .optionalText(let read): if let text = read(root) { out[name] = text }
            case .section(let value):
                switch value.content(root, PlainValues()) {
                case .list(let items): out[name] = items
                case .object(let model): if let model { out[name] = model }
                }
            }
        }
        return out
    }
}

struct PlainValues: TemplateModelVisitor {
    func visit<Model: TemplateModel>(_ model: Model) -> [String: Any] { Model.fields.plain(model) }
}

extension Translation {
    /// The node as the library's values: a String, or a dictionary of them.
    var plain: any Sendable {
        switch self {
        case .text(let text): text
        case .group(let group): group.mapValues(\.plain)
        }
    }
}

extension Localization {
    /// A language's table as plain values, for tests that walk it.
    func plainTable(_ language: String) -> [String: any Sendable] {
        Translation.group(table(language)).plain as? [String: any Sendable] ?? [:]
    }
}
