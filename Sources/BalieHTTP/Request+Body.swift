import Foundation

/// Named limits on what a body may hold once decoded.
public enum BodyLimits {
    /// The most fields an urlencoded form may have.
    public static let maxFormFields = 1000
    /// The deepest nesting of arrays and objects a JSON body may have.
    public static let maxJSONDepth = 32
}

extension Request {
    /// The body as an `application/x-www-form-urlencoded` form. Throws 400 on bad encoding or
    /// invalid UTF-8, and 415 when the body is of another type.
    public func form() throws(HTTPError) -> QueryParameters {
        if let type = contentType, type != "application/x-www-form-urlencoded" {
            throw HTTPError(.unsupportedMediaType, "Expected a form (application/x-www-form-urlencoded).")
        }
        return try Self.decodeForm(body)
    }

    static func decodeForm(_ bytes: [UInt8]) throws(HTTPError) -> QueryParameters {
        var form = QueryParameters()
        guard !bytes.isEmpty else { return form }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .malformed("The form is not valid UTF-8.")
        }
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            guard form.count < BodyLimits.maxFormFields else {
                throw HTTPError(.tooManyFields, "The form has more than \(BodyLimits.maxFormFields) fields.")
            }
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = PercentDecoding.decode(parts[0], plusIsSpace: true),
                let value = PercentDecoding.decode(parts.count > 1 ? parts[1] : "", plusIsSpace: true)
            else { throw .malformed("The form has a bad percent-encoding or invalid UTF-8.") }
            form.append(name, value)
        }
        return form
    }

    /// The body decoded as JSON. Throws 415 unless the type is JSON, and 400 when it does not parse,
    /// nests too deeply, or does not fit `T`.
    public func decodeJSON<T: Decodable>(_ type: T.Type) throws(HTTPError) -> T {
        guard let contentType, contentType == "application/json" || contentType.hasSuffix("+json") else {
            throw HTTPError(.unsupportedMediaType, "Expected a JSON body (application/json).")
        }
        return try Self.decodeJSONBody(body, as: type)
    }

    static func decodeJSONBody<T: Decodable>(_ bytes: [UInt8], as type: T.Type) throws(HTTPError) -> T {
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw .malformed("The JSON body is not valid UTF-8.")
        }
        guard jsonDepth(bytes) <= BodyLimits.maxJSONDepth else {
            throw .malformed("The JSON body nests deeper than \(BodyLimits.maxJSONDepth) levels.")
        }
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch let DecodingError.keyNotFound(key, _) {
            throw .malformed("The JSON body lacks the field \"\(key.stringValue)\".")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw .malformed("The JSON field \"\(field)\" has the wrong type.")
        } catch {
            throw .malformed("The body is not valid JSON.")
        }
    }

    /// The deepest nesting of brackets outside strings: checked before parsing so that a hostile
    /// body cannot exhaust the parser's stack.
    static func jsonDepth(_ bytes: [UInt8]) -> Int {
        var depth = 0, deepest = 0, inString = false, escaped = false
        for byte in bytes {
            if inString {
                if escaped { escaped = false } else if byte == 92 { escaped = true } else if byte == 34 { inString = false }
                continue
            }
            switch byte {
            case 34: inString = true
            case 91, 123:
                depth += 1
                deepest = max(deepest, depth)
            case 93, 125: depth -= 1
            default: break
            }
        }
        return deepest
    }
}
