// Fuzz target: BalieHTTP's strict percent-decoding (paths, queries and forms all go through it).
// Properties: it never crashes; what it returns holds no NUL and is never longer than its input; text
// without `%` (and without `+` when `+` means space) comes back unchanged; re-encoding what it returns
// and decoding that again gives the same text.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPercentDecoding(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    let text = String(decoding: bytes, as: UTF8.self)  // invalid UTF-8 repaired, NUL kept
    // Decode the whole text and a slice of it (the server decodes substrings: path segments, query parts).
    let slices: [Substring] = [Substring(text), text.split(separator: "/", maxSplits: 1).last ?? Substring(text)]
    for input in slices {
        for plusIsSpace in [false, true] {
            guard let decoded = PercentDecoding.decode(input, plusIsSpace: plusIsSpace) else {
                require(input.utf8.contains(37) || input.utf8.contains(0),
                        "decode refused text without % and without NUL: \(Array(input.utf8))")
                continue
            }
            require(!decoded.utf8.contains(0), "decoded text holds a NUL")
            require(decoded.utf8.count <= input.utf8.count, "decoded text is longer than its input")
            if !input.utf8.contains(37) && !(plusIsSpace && input.utf8.contains(43)) {
                require(decoded == String(input), "text without escapes changed")
            }
            let again = PercentDecoding.decode(Substring(percentEncode(decoded)), plusIsSpace: plusIsSpace)
            require(again == decoded, "re-encoded text does not decode to the same text")
        }
    }
    return 0
}
