import Foundation

// Fuzz target: the JSON body decoder with its depth check (every API write goes through it).
// Properties: it either throws a 400 or returns a value; whatever it returns nests no deeper than
// `BodyLimits.maxJSONDepth`, and no deeper than the bracket count it checked beforehand, so the limit
// really holds; a body the pre-check finds too deep is always refused; invalid UTF-8 is always refused.

/// Any JSON value, decoded recursively, to measure how deep the parser really went.
indirect enum JSONValue: Decodable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    var depth: Int {
        switch self {
        case .array(let items): 1 + (items.map(\.depth).max() ?? 0)
        case .object(let members): 1 + (members.values.map(\.depth).max() ?? 0)
        default: 0
        }
    }
}

/// The shape of an API write (a contact), to reach the missing-field and wrong-type paths.
struct ContactShape: Decodable {
    var channel: String
    var at: String
    var topic: String
    var summary: String?
    var outcome: String?
    var extra: [String: [Int]]?
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONBody(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    let checked = Request.jsonDepth(bytes)
    let validUTF8 = String(validating: bytes, as: UTF8.self) != nil
    do throws(HTTPError) {
        let value = try Request.decodeJSONBody(bytes, as: JSONValue.self)
        require(validUTF8, "invalid UTF-8 accepted")
        require(checked <= BodyLimits.maxJSONDepth, "pre-check depth \(checked) accepted")
        require(value.depth <= checked, "decoded depth \(value.depth) exceeds the pre-check's \(checked)")
        require(value.depth <= BodyLimits.maxJSONDepth, "decoded depth \(value.depth) over the limit")
    } catch {
        require(error.status.code == 400, "JSON error is not a 400: \(error)")
    }
    do throws(HTTPError) {
        _ = try Request.decodeJSONBody(bytes, as: ContactShape.self)
        require(validUTF8 && checked <= BodyLimits.maxJSONDepth, "a refused body decoded as a contact")
    } catch {
        require(error.kind == .malformedRequest, "undeclared error \(error)")
    }
    let request = Request(method: "POST", path: "/", headers: HTTPHeaders([("Content-Type", "application/problem+json")]), body: bytes)
    _ = try? request.decodeJSON(JSONValue.self)
    return 0
}
