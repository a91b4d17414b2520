// Fuzz target: building a Request from the raw (still percent-encoded) path and query, as the server
// does for every request. Input: the first line is the path, the rest the query (`&` between pairs,
// `=` between name and value; a pair without `=` has no value, as libmicrohttpd reports it).
// Properties: it either throws a 400 (malformed request) or gives one query pair per raw pair and one
// path segment per raw segment; splitting the decoded segments at `/` gives the decoded path's parts.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestTarget(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    let newline = bytes.firstIndex(of: 10) ?? bytes.endIndex
    let rawPath = cText(bytes[..<newline])
    let rest = newline < bytes.endIndex ? cText(bytes[(newline + 1)...]) : ""
    var rawQuery: [(String, String?)] = []
    for pair in rest.split(separator: "&", omittingEmptySubsequences: true) {
        let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        rawQuery.append((String(parts[0]), parts.count > 1 ? String(parts[1]) : nil))
    }
    let request: Request
    do throws(HTTPError) {
        request = try Request(method: "GET", rawPath: rawPath, rawQuery: rawQuery, headers: HTTPHeaders([("Cookie", rest)]),
                              body: [], clientAddress: "127.0.0.1", isSecure: false, requestID: "fuzz")
    } catch {
        require(error.kind == .malformedRequest && error.status.code == 400, "unexpected error \(error)")
        return 0
    }
    require(rawPath.hasPrefix("/") || rawPath == "*", "a path without a leading / was accepted")
    require(request.query.count == rawQuery.count, "query pairs lost or added")
    let rawSegments = rawPath.split(separator: "/", omittingEmptySubsequences: true)
    require(request.pathSegments.count == rawSegments.count, "path segments lost or added")
    require(!request.path.utf8.contains(0), "NUL in the decoded path")
    for (name, value) in request.query {
        require(!name.utf8.contains(0) && !value.utf8.contains(0), "NUL in a decoded query pair")
    }
    let fromSegments = request.pathSegments.flatMap { $0.split(separator: "/", omittingEmptySubsequences: true) }
    let fromPath = request.path.split(separator: "/", omittingEmptySubsequences: true)
    require(fromSegments == fromPath, "segments \(request.pathSegments) do not match the path \(request.path)")
    _ = request.cookies
    return 0
}
