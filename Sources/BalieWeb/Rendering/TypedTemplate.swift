import Foundation

/// A page's data as a struct with exactly the fields its template shows (issue #20): no dictionaries of `Any`, so
/// rendering needs no dynamic casts. Each model names its fields once, by the template's names:
///
///     static let fields: TemplateFields<CustomerPage> = [
///         "greeting": .text(\.greeting), "has_needs": .flag(\.hasNeeds), "needs": .list(\.needs),
///     ]
///
/// A template is compiled against its model once per language (`TemplateCompiler`): every name is resolved then, in
/// the model or else in the models of the sections around it (as Mustache looks names up), and `{{t.…}}` becomes the
/// translation's text. Rendering then only runs closures over the typed values and appends bytes.
protocol TemplateModel: TemplateScope {
    static var fields: TemplateFields<Self> { get }
}

extension TemplateModel {
    static func field(_ name: Substring) -> TemplateField<Self>? { fields.byName[String(name)] }
}

/// Where names are looked up while a template is compiled: a model, or a section's element within its scope.
protocol TemplateScope {
    static func field(_ name: Substring) -> TemplateField<Self>?
}

/// A model's fields by their template names. Made once per model type and never changed after (the closures only
/// read the model they are given), hence shared between threads.
struct TemplateFields<Root: TemplateScope>: ExpressibleByDictionaryLiteral, @unchecked Sendable {
    let byName: [String: TemplateField<Root>]

    init(dictionaryLiteral elements: (String, TemplateField<Root>)...) {
        byName = Dictionary(elements) { first, _ in first }
    }

    init(_ byName: [String: TemplateField<Root>]) { self.byName = byName }

    /// These fields and another model's, reached through `path` (the layout's fields on every page); a name of
    /// these wins.
    func including<Other: TemplateModel>(_ path: KeyPath<Root, Other>) -> TemplateFields<Root> {
        var merged = byName
        for (name, field) in Other.fields.byName where merged[name] == nil { merged[name] = field.pulled { $0[keyPath: path] } }
        return TemplateFields(merged)
    }
}

/// A section's element within the scope around it: names the element lacks are looked up outside.
struct Nested<Element: TemplateModel, Outer: TemplateScope>: TemplateScope {
    let element: Element
    let outer: Outer

    static func field(_ name: Substring) -> TemplateField<Self>? {
        if let field = Element.field(name) { return field.pulled { $0.element } }
        return Outer.field(name)?.pulled { $0.outer }
    }
}

/// One field: text (escaped on output), a number, a flag, text that may be absent, or a section's value.
enum TemplateField<Root: TemplateScope> {
    case text((Root) -> String)
    case number((Root) -> Int)
    case flag((Root) -> Bool)
    /// Absent: nothing as a variable, false as a section.
    case optionalText((Root) -> String?)
    case section(SectionValue<Root>)

    static func text(_ path: KeyPath<Root, String>) -> Self { .text { $0[keyPath: path] } }
    static func number(_ path: KeyPath<Root, Int>) -> Self { .number { $0[keyPath: path] } }
    static func flag(_ path: KeyPath<Root, Bool>) -> Self { .flag { $0[keyPath: path] } }
    static func optionalText(_ path: KeyPath<Root, String?>) -> Self { .optionalText { $0[keyPath: path] } }
    static func list<Element: TemplateModel>(_ path: KeyPath<Root, [Element]>) -> Self {
        .section(ListValue<Root, Element> { $0[keyPath: path] })
    }
    static func object<Element: TemplateModel>(_ path: KeyPath<Root, Element?>) -> Self {
        .section(ObjectValue<Root, Element> { $0[keyPath: path] })
    }
    static func object<Element: TemplateModel>(_ path: KeyPath<Root, Element>) -> Self {
        .section(ObjectValue<Root, Element> { $0[keyPath: path] })
    }

    /// The same field reached from another scope.
    func pulled<Other: TemplateScope>(_ get: @escaping (Other) -> Root) -> TemplateField<Other> {
        switch self {
        case .text(let read): .text { read(get($0)) }
        case .number(let read): .number { read(get($0)) }
        case .flag(let read): .flag { read(get($0)) }
        case .optionalText(let read): .optionalText { read(get($0)) }
        case .section(let value): .section(value.pulled(get))
        }
    }

    /// The field of a value that may be absent: then as an empty or false one.
    func pulledOptional<Other: TemplateScope>(_ get: @escaping (Other) -> Root?) -> TemplateField<Other> {
        switch self {
        case .text(let read): .optionalText { get($0).map(read) }
        case .number(let read): .optionalText { get($0).map { String(read($0)) } }
        case .flag(let read): .flag { get($0).map(read) ?? false }
        case .optionalText(let read): .optionalText { get($0).flatMap(read) }
        case .section(let value): .section(value.pulledOptional(get))
        }
    }
}

/// Writes a compiled part of a page for the values in scope.
typealias TemplateWriter<Scope> = (Scope, inout [UInt8]) -> Void

/// A section's value (a list of models, or a model that may be absent), reached from `Root`. Its subclasses know the
/// element's type, so the section's body is compiled in the element's scope without a cast.
class SectionValue<Root: TemplateScope> {
    /// The body as written for each element (or once for a model), or, inverted, once when there is none.
    func writer(_ body: [TemplateNode], inverted: Bool, compiler: TemplateCompiler) throws -> TemplateWriter<Root> {
        preconditionFailure("SectionValue is abstract")
    }

    /// The next part of a dotted name ("customer.number") within the value.
    func member(_ name: Substring) -> TemplateField<Root>? { nil }

    /// The value's models, each given to `visitor`: how the tests hand the same values to the Mustache library, their
    /// reference renderer.
    func content<Visitor: TemplateModelVisitor>(_ root: Root, _ visitor: Visitor) -> SectionContent<Visitor.Output> {
        preconditionFailure("SectionValue is abstract")
    }

    /// Whether the value is empty, for the `empty(name)` transform; nil for values it does not apply to.
    func emptiness() -> ((Root) -> Bool)? { nil }

    func pulled<Other: TemplateScope>(_ get: @escaping (Other) -> Root) -> SectionValue<Other> {
        preconditionFailure("SectionValue is abstract")
    }

    func pulledOptional<Other: TemplateScope>(_ get: @escaping (Other) -> Root?) -> SectionValue<Other> {
        preconditionFailure("SectionValue is abstract")
    }
}

final class ListValue<Root: TemplateScope, Element: TemplateModel>: SectionValue<Root> {
    let items: (Root) -> [Element]

    init(_ items: @escaping (Root) -> [Element]) { self.items = items }

    override func writer(_ body: [TemplateNode], inverted: Bool, compiler: TemplateCompiler) throws -> TemplateWriter<Root> {
        let items = self.items
        if inverted {
            let inner = try compiler.compile(body, in: Root.self)
            return { scope, out in if items(scope).isEmpty { inner(scope, &out) } }
        }
        let inner = try compiler.compile(body, in: Nested<Element, Root>.self)
        return { scope, out in
            for item in items(scope) { inner(Nested(element: item, outer: scope), &out) }
        }
    }

    override func content<Visitor: TemplateModelVisitor>(_ root: Root, _ visitor: Visitor) -> SectionContent<Visitor.Output> {
        .list(items(root).map(visitor.visit))
    }

    override func emptiness() -> ((Root) -> Bool)? {
        let items = self.items
        return { items($0).isEmpty }
    }

    override func pulled<Other: TemplateScope>(_ get: @escaping (Other) -> Root) -> SectionValue<Other> {
        let items = self.items
        return ListValue<Other, Element> { items(get($0)) }
    }

    override func pulledOptional<Other: TemplateScope>(_ get: @escaping (Other) -> Root?) -> SectionValue<Other> {
        let items = self.items
        return ListValue<Other, Element> { get($0).map(items) ?? [] }
    }
}

final class ObjectValue<Root: TemplateScope, Element: TemplateModel>: SectionValue<Root> {
    let value: (Root) -> Element?

    init(_ value: @escaping (Root) -> Element?) { self.value = value }

    override func writer(_ body: [TemplateNode], inverted: Bool, compiler: TemplateCompiler) throws -> TemplateWriter<Root> {
        let value = self.value
        if inverted {
            let inner = try compiler.compile(body, in: Root.self)
            return { scope, out in if value(scope) == nil { inner(scope, &out) } }
        }
        let inner = try compiler.compile(body, in: Nested<Element, Root>.self)
        return { scope, out in
            if let element = value(scope) { inner(Nested(element: element, outer: scope), &out) }
        }
    }

    override func member(_ name: Substring) -> TemplateField<Root>? {
        Element.field(name)?.pulledOptional(value)
    }

    override func content<Visitor: TemplateModelVisitor>(_ root: Root, _ visitor: Visitor) -> SectionContent<Visitor.Output> {
        .object(value(root).map(visitor.visit))
    }

    override func pulled<Other: TemplateScope>(_ get: @escaping (Other) -> Root) -> SectionValue<Other> {
        let value = self.value
        return ObjectValue<Other, Element> { value(get($0)) }
    }

    override func pulledOptional<Other: TemplateScope>(_ get: @escaping (Other) -> Root?) -> SectionValue<Other> {
        let value = self.value
        return ObjectValue<Other, Element> { get($0).flatMap(value) }
    }
}

/// Compiles expanded templates (`TemplateExpansion`) against a model, for one language's translations.
final class TemplateCompiler {
    private let translations: Translation
    /// Names the template uses that the model does not have (they render as nothing, as Mustache's would).
    private(set) var unresolved: Set<String> = []

    /// The translation groups that sections such as `{{#t.components.customer_number}}` opened, innermost last:
    /// their keys come first, as the Mustache library looks names up in the innermost context first.
    private var translationScopes: [[String: Translation]] = []

    init(translations: [String: Translation]) { self.translations = .group(translations) }

    private enum Part<Scope> {
        case bytes([UInt8])
        case write(TemplateWriter<Scope>)
    }

    func compile<Scope: TemplateScope>(_ nodes: [TemplateNode], in scope: Scope.Type) throws -> TemplateWriter<Scope> {
        var parts: [Part<Scope>] = []
        func literal(_ bytes: [UInt8]) {
            if case .bytes(let previous)? = parts.last { parts[parts.count - 1] = .bytes(previous + bytes) } else { parts.append(.bytes(bytes)) }
        }
        for node in nodes {
            switch node {
            case .text(let text):
                literal(Array(text.utf8))
            case .variable(let name, let escaped):
                if let translation = translation(name) ?? translationScopes.reversed().lazy.compactMap({ $0[name]?.text }).first {
                    literal(escaped ? HTMLEscaping.escapedBytes(translation) : Array(translation.utf8))
                    continue
                }
                guard let field = resolve(name, in: Scope.self) else { unresolved.insert(name); continue }
                parts.append(.write(Self.variable(field, escaped: escaped)))
            case .section(let name, let inverted, let body):
                parts.append(.write(try section(name, inverted: inverted, body, in: Scope.self)))
            case .partial, .parent, .block:
                throw TemplateSyntax.Failure(description: "templates are expanded before they are compiled")
            }
        }
        let compiled = parts
        return { scope, out in
            for part in compiled {
                switch part {
                case .bytes(let bytes): out.append(contentsOf: bytes)
                case .write(let write): write(scope, &out)
                }
            }
        }
    }

    private static func variable<Scope>(_ field: TemplateField<Scope>, escaped: Bool) -> TemplateWriter<Scope> {
        func put(_ text: String, _ out: inout [UInt8]) {
            if escaped { HTMLEscaping.append(text, to: &out) } else { out.append(contentsOf: text.utf8) }
        }
        switch field {
        case .text(let read): return { scope, out in put(read(scope), &out) }
        case .number(let read): return { scope, out in out.append(contentsOf: String(read(scope)).utf8) }
        case .flag(let read): return { scope, out in out.append(contentsOf: (read(scope) ? "true" : "false").utf8) }
        case .optionalText(let read): return { scope, out in if let text = read(scope) { put(text, &out) } }
        case .section: return { _, _ in }
        }
    }

    private func section<Scope: TemplateScope>(_ name: String, inverted: Bool, _ body: [TemplateNode],
                                               in scope: Scope.Type) throws -> TemplateWriter<Scope> {
        if let group = translationGroup(name) {
            // Known when compiling: a group is there (and opens its section), or not.
            guard group.present != inverted else { return { _, _ in } }
            guard let values = group.values else { return try compile(body, in: Scope.self) }
            translationScopes.append(values)
            defer { translationScopes.removeLast() }
            return try compile(body, in: Scope.self)
        }
        guard let field = resolve(name, in: Scope.self) else {
            unresolved.insert(name)
            return inverted ? try compile(body, in: Scope.self) : { _, _ in }
        }
        let test: (Scope) -> Bool
        switch field {
        case .section(let value): return try value.writer(body, inverted: inverted, compiler: self)
        case .flag(let read): test = read
        // As the Mustache library: a text or number that is there opens its section, even "" or 0.
        case .text, .number: test = { _ in true }
        case .optionalText(let read): test = { read($0) != nil }
        }
        let inner = try compile(body, in: Scope.self)
        return { scope, out in if test(scope) != inverted { inner(scope, &out) } }
    }

    /// "a.b.c": `a` in the scope (or around it), then each next part within the value before it. `empty(a.b)`, the
    /// Mustache library's transform, is a flag: whether that text or list is empty (false when it is absent).
    private func resolve<Scope: TemplateScope>(_ name: String, in scope: Scope.Type) -> TemplateField<Scope>? {
        if name.hasPrefix("empty("), name.hasSuffix(")"), Scope.field(Substring(name)) == nil {
            guard let inner = resolve(String(name.dropFirst(6).dropLast()), in: Scope.self) else { return nil }
            switch inner {
            case .text(let read): return .flag { read($0).isEmpty }
            case .optionalText(let read): return .flag { read($0)?.isEmpty ?? false }
            case .section(let value): return value.emptiness().map { .flag($0) }
            case .number, .flag: return nil
            }
        }
        var parts = name.split(separator: ".")[...]
        guard let first = parts.popFirst(), var field = Scope.field(first) else { return nil }
        for part in parts {
            guard case .section(let value) = field, let next = value.member(part) else { return nil }
            field = next
        }
        return field
    }

    /// A section over translations: `t.a.b` (a group, or a text that is there or not), or a key of a group opened
    /// around it. Nil when the name is not a translation's.
    private func translationGroup(_ name: String) -> (present: Bool, values: [String: Translation]?)? {
        let value: Translation?
        if name.hasPrefix("t.") {
            value = translations[path: name.dropFirst(2)]
        } else if let inner = translationScopes.reversed().lazy.compactMap({ $0[name] }).first {
            value = inner
        } else {
            return nil
        }
        switch value {
        case .group(let group): return (true, group)
        // As the Mustache library: a text that is there opens its section, even "".
        case .text: return (true, nil)
        case nil: return (false, nil)
        }
    }

    /// `t.a.b`: the translation's text, known when compiling.
    private func translation(_ name: String) -> String? {
        guard name.hasPrefix("t.") else { return nil }
        return translations[path: name.dropFirst(2)]?.text ?? ""
    }
}

/// HTML escaping, in one place for every page: the five characters `< > & " '` over UTF-8 bytes.
enum HTMLEscaping {
    static func append(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            for (index, byte) in bytes.enumerated() {
                let replacement: StaticString
                switch byte {
                case UInt8(ascii: "<"): replacement = "&lt;"
                case UInt8(ascii: ">"): replacement = "&gt;"
                case UInt8(ascii: "&"): replacement = "&amp;"
                case UInt8(ascii: "\""): replacement = "&quot;"
                case UInt8(ascii: "'"): replacement = "&#39;"
                default: continue
                }
                out.append(contentsOf: bytes[start..<index])
                replacement.withUTF8Buffer { out.append(contentsOf: $0) }
                start = index + 1
            }
            out.append(contentsOf: bytes[start...])
        }
    }

    static func escapedBytes(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        append(text, to: &out)
        return out
    }

    static func escape(_ text: String) -> String {
        guard text.utf8.contains(where: { [UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"), UInt8(ascii: "\""), UInt8(ascii: "'")].contains($0) })
        else { return text }
        return String(decoding: escapedBytes(text), as: UTF8.self)
    }
}

/// A page model with its compiled templates (per renderer and language, made at first use).
protocol PageModel: TemplateModel {
    static var compiled: CompiledTemplates<Self> { get }
}

/// The compiled templates of one model type. Models own theirs (`static let compiled = CompiledTemplates<Self>()`),
/// so that finding one needs no cast.
final class CompiledTemplates<Model: TemplateModel>: @unchecked Sendable {
    private let lock = NSLock()
    private var writers: [String: TemplateWriter<Model>] = [:]

    init() {}

    func writer(_ key: String, make: () throws -> TemplateWriter<Model>) rethrows -> TemplateWriter<Model> {
        lock.lock()
        defer { lock.unlock() }
        if let writer = writers[key] { return writer }
        let writer = try make()
        writers[key] = writer
        return writer
    }
}

// MARK: - Walking a model's values

/// Is given each model a section holds (`SectionValue.content`), knowing its type.
protocol TemplateModelVisitor {
    associatedtype Output
    func visit<Model: TemplateModel>(_ model: Model) -> Output
}

/// What a section holds: a list's models, or a model that may be absent.
enum SectionContent<Output> {
    case list([Output])
    case object(Output?)
}
