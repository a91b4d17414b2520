// Fuzz target: the Cookie header parser and the request's content type. Input: each line is one header
// value; lines starting with `T` are Content-Type headers, the others Cookie headers.
// Properties: no crash; every cookie name is non-empty, trimmed and without `;` or `=`; no value holds
// `;`; the first value of a repeated name wins; a cookie the server sets (`Set-Cookie` with safe octets)
// reads back as itself.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCookies(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    var headers = HTTPHeaders()
    var cookieLines: [String] = []
    for line in bytes.split(separator: 10, omittingEmptySubsequences: false) {
        let text = cText(line)
        if text.hasPrefix("T") {
            headers.append("Content-Type", String(text.dropFirst()))
        } else {
            headers.append("cookie", text)
            cookieLines.append(text)
        }
    }
    let request = Request(method: "GET", path: "/", headers: headers)
    if let type = request.contentType {
        require(type == type.lowercased(), "content type not lower-cased")
        require(!type.contains(";"), "content type keeps its parameters")
    }
    let cookies = request.cookies
    let parts = cookieLines.reduce(0) { $0 + $1.split(separator: ";").count }
    require(cookies.count <= parts, "more cookies than parts")
    for (name, value) in cookies {
        require(!name.isEmpty, "empty cookie name")
        require(!name.contains(";") && !name.contains("=") && !value.contains(";"), "separator inside a cookie")
        require(name == name.trimmingCharacters(in: .whitespaces), "untrimmed cookie name")
    }
    // First one wins: the first part with this name, in header order, gives the value.
    if let (name, value) = cookies.first {
        outer: for line in cookieLines {
            for part in line.split(separator: ";") {
                guard let eq = part.firstIndex(of: "=") else { continue }
                if part[..<eq].trimmingCharacters(in: .whitespaces) == name {
                    var first = part[part.index(after: eq)...].trimmingCharacters(in: .whitespaces)
                    if first.count >= 2, first.hasPrefix("\""), first.hasSuffix("\"") { first = String(first.dropFirst().dropLast()) }
                    require(first == value, "cookie \(name): \(value) is not the first value \(first)")
                    break outer
                }
            }
        }
    }
    // Round trip of a cookie built from the input's safe octets.
    let safe = String(decoding: bytes.filter { (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }.prefix(40), as: UTF8.self)
    if !safe.isEmpty {
        let set = Cookie(name: "b" + safe, value: safe).headerValue
        let value = set.split(separator: ";", maxSplits: 1)[0]
        let back = Request(method: "GET", path: "/", headers: HTTPHeaders([("Cookie", String(value))])).cookies
        require(back == ["b" + safe: safe], "Set-Cookie \(set) reads back as \(back)")
    }
    return 0
}
