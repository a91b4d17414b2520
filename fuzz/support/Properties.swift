// Shared by every fuzz target (compiled into each one, next to the BalieHTTP files it tests).

/// Stops the fuzzer with a crash (libFuzzer saves the input) when a property does not hold.
func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("property failed: \(message())") }
}

/// The fuzzer's input as bytes.
func fuzzBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// Text the way the server gets it from libmicrohttpd (`String(cString:)`): invalid UTF-8 repaired, and
/// nothing after a NUL (the C string ends there).
func cText(_ bytes: some Collection<UInt8>) -> String {
    let upToNUL = bytes.prefix { $0 != 0 }
    return String(decoding: upToNUL, as: UTF8.self)
}

private let hexDigits = Array("0123456789ABCDEF".utf8)

/// Percent-encodes every byte but the unreserved ones (RFC 3986), the way a browser encodes a form.
func percentEncode(_ text: String) -> String {
    var out: [UInt8] = []
    for byte in text.utf8 {
        switch byte {
        case 48...57, 65...90, 97...122, 45, 46, 95, 126: out.append(byte)
        default: out += [37, hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 15)]]
        }
    }
    return String(decoding: out, as: UTF8.self)
}
