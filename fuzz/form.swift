// Fuzz target: the application/x-www-form-urlencoded body decoder (every page form goes through it).
// Properties: it either throws the declared errors (400 malformed, 400 too many fields) or returns at
// most `BodyLimits.maxFormFields` pairs without NUL; encoding those pairs again and decoding that gives
// the same pairs.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFormDecoding(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    let form: QueryParameters
    do throws(HTTPError) {
        form = try Request.decodeForm(bytes)
    } catch {
        require(error.kind == .malformedRequest || error.kind == .tooManyFields, "undeclared error \(error)")
        require(error.status.code == 400, "form error is not a 400: \(error.status)")
        return 0
    }
    require(form.count <= BodyLimits.maxFormFields, "more than \(BodyLimits.maxFormFields) fields: \(form.count)")
    require(form.count <= bytes.count + 1, "more fields than bytes")
    for (name, value) in form {
        require(!name.utf8.contains(0) && !value.utf8.contains(0), "NUL in a decoded field")
    }
    let encoded = form.map { percentEncode($0.name) + "=" + percentEncode($0.value) }.joined(separator: "&")
    do throws(HTTPError) {
        let again = try Request.decodeForm(Array(encoded.utf8))
        require(again.pairs.map(\.name) == form.pairs.map(\.name) && again.pairs.map(\.value) == form.pairs.map(\.value),
                "re-encoded form decodes differently")
    } catch {
        require(false, "re-encoded form refused: \(error)")
    }
    // A request with this body and the form type gives the same form.
    let request = Request(method: "POST", path: "/", headers: HTTPHeaders([("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]), body: bytes)
    require((try? request.form())?.count == form.count, "Request.form() differs from decodeForm")
    return 0
}
