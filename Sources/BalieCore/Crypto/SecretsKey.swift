import Foundation

/// The key that protects what the database must not hold in clear (second-factor secrets) and that seals the
/// audit trail. It lives outside the database, in a file of its own (`balie secrets init`, mode 0600), the same
/// file on every instance of a central deployment; whoever copies the database alone gets neither. Each use
/// derives a key of its own from it (HKDF, with a purpose as info), so that no two uses share a key.
public struct SecretsKey: Sendable, Equatable {
    /// 256 bits from the system's generator.
    public let material: [UInt8]

    public static let byteCount = 32
    /// The line of the file that holds the key: a version tag, then the key as base64url.
    static let prefix = "balie-secrets-v1:"

    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        case malformed
        case wrongLength(Int)

        public var description: String {
            switch self {
            case .malformed: "The secrets key file has no line starting with \(SecretsKey.prefix) (make one with `balie secrets init`)."
            case .wrongLength(let count): "The secrets key is \(count) bytes long, not \(SecretsKey.byteCount)."
            }
        }
    }

    public init(material: [UInt8]) throws(Problem) {
        guard material.count == Self.byteCount else { throw .wrongLength(material.count) }
        self.material = material
    }

    public static func generate() -> SecretsKey {
        // The length is right by construction.
        try! SecretsKey(material: SecureRandom.bytes(byteCount))
    }

    /// Reads the key from the file's text: comment lines (`#`) and blank lines are skipped.
    public init(fileText: String) throws(Problem) {
        let line = fileText.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.hasPrefix(Self.prefix) }
        guard let line, let bytes = Base64URL.decode(String(line.dropFirst(Self.prefix.count))) else { throw .malformed }
        try self.init(material: bytes)
    }

    /// The file's text: a comment that says what it is and where it must go, then the key.
    public func fileText(madeAt date: Date) -> String {
        """
        # Balie secrets key, made \(ISO8601DateFormatter().string(from: date)). Keep it 0600, outside the database's
        # folder and outside its backups; every instance of one deployment needs this same file (docs/privacy.md).
        \(Self.prefix)\(material.base64URLString)

        """
    }
}

/// Base64url (RFC 4648 §5), with or without padding.
public enum Base64URL {
    public static func decode(_ text: String) -> [UInt8]? {
        var values: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): values.append(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): values.append(byte - UInt8(ascii: "a") + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): values.append(byte - UInt8(ascii: "0") + 52)
            case UInt8(ascii: "-"): values.append(62)
            case UInt8(ascii: "_"): values.append(63)
            case UInt8(ascii: "="): continue
            default: return nil
            }
        }
        guard values.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        var buffer: UInt32 = 0, bits = 0
        for value in values {
            buffer = buffer << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        return out
    }
}

/// Base32 (RFC 4648 §6) without padding: the form authenticator apps take a TOTP secret in.
public enum Base32 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var buffer: UInt32 = 0, bits = 0
        for byte in bytes {
            buffer = buffer << 8 | UInt32(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                out.append(alphabet[Int(buffer >> UInt32(bits) & 31)])
            }
        }
        if bits > 0 { out.append(alphabet[Int(buffer << UInt32(5 - bits) & 31)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Case, spaces, dashes and padding do not matter (people type what they see in groups); nil for other signs.
    public static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        var buffer: UInt32 = 0, bits = 0
        for byte in text.uppercased().utf8 where byte != UInt8(ascii: " ") && byte != UInt8(ascii: "-") && byte != UInt8(ascii: "=") {
            guard let value = alphabet.firstIndex(of: byte) else { return nil }
            buffer = buffer << 5 | UInt32(value)
            bits += 5
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        return out
    }
}
