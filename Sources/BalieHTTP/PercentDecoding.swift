/// Strict percent-decoding: a `%` not followed by two hex digits, or bytes that are not UTF-8,
/// make the input malformed rather than silently repaired.
enum PercentDecoding {
    static func decode(_ input: Substring, plusIsSpace: Bool) -> String? {
        // Fast path: nothing to decode.
        if !input.utf8.contains(where: { $0 == 37 || (plusIsSpace && $0 == 43) }) {
            return input.utf8.contains(0) ? nil : String(input)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(input.utf8.count)
        var iterator = input.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case 37:  // %
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            case 43 where plusIsSpace:
                bytes.append(32)
            default:
                bytes.append(byte)
            }
        }
        guard !bytes.contains(0) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: byte - 48
        case 65...70: byte - 55
        case 97...102: byte - 87
        default: nil
        }
    }
}
