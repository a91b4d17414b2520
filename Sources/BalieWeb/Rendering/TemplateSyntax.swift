/// The Mustache of `www/templates`, parsed once at start: text, variables, sections, partials, parents and blocks,
/// with the spec's standalone lines (a line holding only a section, partial, parent, block or comment tag leaves no
/// trace). `TemplateExpansion` then writes partials, parents and blocks in, so that what is compiled against a page
/// model is text, variables and sections only.
indirect enum TemplateNode: Equatable, Sendable {
    case text(String)
    case variable(String, escaped: Bool)
    case section(String, inverted: Bool, [TemplateNode])
    case partial(String)
    /// `{{<name}}…{{/name}}`: the template `name`, with the blocks given inside.
    case parent(String, [String: [TemplateNode]])
    /// `{{$name}}default{{/name}}`.
    case block(String, [TemplateNode])
}

enum TemplateSyntax {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private struct Tag {
        enum Kind { case variable, unescaped, open, inverted, close, partial, parent, block, ignored }
        let kind: Kind
        let name: String
        /// The tag's range in the text, and the range to drop when it stands alone on its line.
        let range: Range<String.Index>
        var removal: Range<String.Index>
    }

    static func parse(_ text: String, named name: String) throws -> [TemplateNode] {
        let tags = try standalone(tags(in: text, named: name), in: text)
        var stack: [(kind: Tag.Kind, name: String, nodes: [TemplateNode])] = [(.open, "", [])]
        var position = text.startIndex
        for tag in tags {
            if position < tag.removal.lowerBound { stack[stack.count - 1].nodes.append(.text(String(text[position..<tag.removal.lowerBound]))) }
            position = tag.removal.upperBound
            switch tag.kind {
            case .variable: stack[stack.count - 1].nodes.append(.variable(tag.name, escaped: true))
            case .unescaped: stack[stack.count - 1].nodes.append(.variable(tag.name, escaped: false))
            case .partial: stack[stack.count - 1].nodes.append(.partial(tag.name))
            case .open, .inverted, .parent, .block: stack.append((tag.kind, tag.name, []))
            case .ignored: break
            case .close:
                guard stack.count > 1, let open = stack.popLast(), open.name == tag.name else {
                    throw Failure(description: "\(name): {{/\(tag.name)}} closes nothing that is open")
                }
                let node: TemplateNode
                switch open.kind {
                case .parent:
                    var blocks: [String: [TemplateNode]] = [:]
                    for case .block(let block, let body) in open.nodes { blocks[block] = body }
                    node = .parent(open.name, blocks)
                case .block: node = .block(open.name, open.nodes)
                default: node = .section(open.name, inverted: open.kind == .inverted, open.nodes)
                }
                stack[stack.count - 1].nodes.append(node)
            }
        }
        if position < text.endIndex { stack[stack.count - 1].nodes.append(.text(String(text[position...]))) }
        guard stack.count == 1 else { throw Failure(description: "\(name): {{#\(stack.last!.name)}} is not closed") }
        return stack[0].nodes
    }

    private static func tags(in text: String, named name: String) throws -> [Tag] {
        var tags: [Tag] = []
        var rest = text[...]
        while let start = rest.range(of: "{{") {
            let triple = text[start.lowerBound...].hasPrefix("{{{")
            let closing = triple ? "}}}" : "}}"
            guard let end = text[start.upperBound...].range(of: closing) else { throw Failure(description: "\(name): a tag is not closed") }
            var inner = text[text.index(start.lowerBound, offsetBy: triple ? 3 : 2)..<end.lowerBound].trimmingCharacters(in: .whitespaces)
            var kind = Tag.Kind.variable
            if triple {
                kind = .unescaped
            } else if let sigil = inner.first, "#^/><$&!%=".contains(sigil) {
                inner = inner.dropFirst().trimmingCharacters(in: .whitespaces)
                switch sigil {
                case "#": kind = .open
                case "^": kind = .inverted
                case "/": kind = .close
                case ">": kind = .partial
                case "<": kind = .parent
                case "$": kind = .block
                case "&": kind = .unescaped
                case "=": throw Failure(description: "\(name): changed delimiters are not supported")
                default: kind = .ignored
                }
            }
            let range = start.lowerBound..<end.upperBound
            tags.append(Tag(kind: kind, name: inner, range: range, removal: range))
            rest = text[end.upperBound...]
        }
        return tags
    }

    /// Widens the removal of each tag that stands alone on its line to the whole line.
    private static func standalone(_ tags: [Tag], in text: String) -> [Tag] {
        var tags = tags
        for index in tags.indices {
            guard ![.variable, .unescaped].contains(tags[index].kind) else { continue }
            let tag = tags[index]
            // The line's start: after the previous line feed (or the text's start), with only blanks between.
            var lineStart = tag.range.lowerBound
            while lineStart > text.startIndex, case let before = text[text.index(before: lineStart)], before == " " || before == "\t" {
                lineStart = text.index(before: lineStart)
            }
            guard lineStart == text.startIndex || text[text.index(before: lineStart)] == "\n" else { continue }
            if index > 0, tags[index - 1].range.upperBound > lineStart { continue }
            var lineEnd = tag.range.upperBound
            while lineEnd < text.endIndex, text[lineEnd] == " " || text[lineEnd] == "\t" { lineEnd = text.index(after: lineEnd) }
            if lineEnd < text.endIndex, text[lineEnd] == "\r\n" || text[lineEnd] == "\n" {
                lineEnd = text.index(after: lineEnd)
            } else if lineEnd != text.endIndex {
                continue
            }
            if index + 1 < tags.count, tags[index + 1].range.lowerBound < lineEnd { continue }
            tags[index].removal = lineStart..<lineEnd
        }
        return tags
    }
}

/// Partials, parents and blocks written in: what remains is text, variables and sections. Blocks take the override
/// given furthest out (a page overrides what its layout's own parents set).
enum TemplateExpansion {
    static func expand(_ name: String, library: [String: [TemplateNode]]) throws -> [TemplateNode] {
        guard let nodes = library[name] else { throw TemplateSyntax.Failure(description: "no template \(name)") }
        return try expand(nodes, blocks: [:], library: library, depth: 0)
    }

    private static func expand(_ nodes: [TemplateNode], blocks: [String: [TemplateNode]], library: [String: [TemplateNode]],
                               depth: Int) throws -> [TemplateNode] {
        guard depth < 32 else { throw TemplateSyntax.Failure(description: "templates include each other without end") }
        var out: [TemplateNode] = []
        for node in nodes {
            switch node {
            case .text, .variable:
                out.append(node)
            case .section(let name, let inverted, let body):
                out.append(.section(name, inverted: inverted, try expand(body, blocks: blocks, library: library, depth: depth)))
            case .partial(let name):
                out += try expand(template(name, library), blocks: blocks, library: library, depth: depth + 1)
            case .parent(let name, let given):
                // The overrides are expanded where they were written, with the blocks known there.
                var merged = try given.mapValues { try expand($0, blocks: blocks, library: library, depth: depth + 1) }
                merged.merge(blocks) { _, outer in outer }
                out += try expand(template(name, library), blocks: merged, library: library, depth: depth + 1)
            case .block(let name, let body):
                out += try blocks[name] ?? expand(body, blocks: blocks, library: library, depth: depth)
            }
        }
        return merge(out)
    }

    /// Parents are named with dots (`components.field`), partials with either.
    private static func template(_ name: String, _ library: [String: [TemplateNode]]) throws -> [TemplateNode] {
        guard let nodes = library[name] ?? library[name.replacingOccurrences(of: ".", with: "/")] else {
            throw TemplateSyntax.Failure(description: "no template \(name)")
        }
        return nodes
    }

    /// Neighbouring texts as one.
    private static func merge(_ nodes: [TemplateNode]) -> [TemplateNode] {
        var out: [TemplateNode] = []
        for node in nodes {
            if case .text(let next) = node, case .text(let previous)? = out.last {
                out[out.count - 1] = .text(previous + next)
            } else if node != .text("") {
                out.append(node)
            }
        }
        return out
    }
}
