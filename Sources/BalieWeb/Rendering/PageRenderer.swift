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

    public init(directory: String) throws {
        var library = MustacheLibrary()
        var names: [String] = []
        let root = URL(fileURLWithPath: directory).standardizedFileURL.path
        let files = FileManager.default.enumerator(atPath: root)
        while let relative = files?.nextObject() as? String {
            guard relative.hasSuffix(".mustache") else { continue }
            let name = String(relative.dropLast(".mustache".count))
            let text = try String(contentsOfFile: root + "/" + relative, encoding: .utf8)
            try library.register(text, named: name)
            // Mustache section names cannot hold "/", so parents are named with dots:
            // `{{<components.field}}…{{/components.field}}`; partials use either name.
            if name.contains("/") { try library.register(text, named: name.replacingOccurrences(of: "/", with: ".")) }
            names.append(name)
        }
        self.library = library
        self.templateNames = names.sorted()
    }

    public func render(_ template: String, _ context: [String: Any]) throws -> String {
        guard let html = library.render(context, withTemplate: template) else {
            throw RenderError.missingTemplate(template)
        }
        return html
    }
}
