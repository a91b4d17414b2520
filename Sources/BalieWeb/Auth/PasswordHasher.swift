import BalieCore
import CArgon2

/// Argon2id through Debian's libargon2, in the standard encoded form
/// (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`), so that the parameters travel with each hash and can
/// be raised later: a hash made with weaker ones is replaced at the next successful sign-in.
public struct PasswordHasher: Sendable {
    /// OWASP's minimum for Argon2id: 19 MiB of memory, 2 passes, 1 lane.
    public static let owaspMinimum = PasswordHasher(memoryKiB: 19 * 1024, iterations: 2, lanes: 1)

    public let memoryKiB: UInt32
    public let iterations: UInt32
    public let lanes: UInt32
    static let saltLength = 16
    static let hashLength = 32

    public init(memoryKiB: UInt32, iterations: UInt32, lanes: UInt32) {
        self.memoryKiB = memoryKiB
        self.iterations = iterations
        self.lanes = lanes
    }

    public enum Failure: Error { case hashingFailed(Int32) }

    public func hash(_ password: String) throws -> String {
        let salt = SecureRandom.bytes(Self.saltLength)
        let bytes = Array(password.utf8)
        let length = argon2_encodedlen(iterations, memoryKiB, lanes, UInt32(Self.saltLength), UInt32(Self.hashLength), Argon2_id)
        var encoded = [CChar](repeating: 0, count: length)
        let status = argon2id_hash_encoded(
            iterations, memoryKiB, lanes, bytes, bytes.count, salt, salt.count, Self.hashLength, &encoded, length)
        guard status == ARGON2_OK.rawValue else { throw Failure.hashingFailed(status) }
        return String(decoding: encoded.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether `password` matches `encoded`. Any malformed hash is simply no match.
    public func verify(_ password: String, against encoded: String) -> Bool {
        let bytes = Array(password.utf8)
        return argon2id_verify(encoded, bytes, bytes.count) == ARGON2_OK.rawValue
    }

    /// Whether a stored hash was made with weaker parameters than these.
    public func needsRehash(_ encoded: String) -> Bool {
        guard let parameters = Self.parameters(of: encoded) else { return true }
        return parameters.memoryKiB < memoryKiB || parameters.iterations < iterations || parameters.lanes < lanes
    }

    static func parameters(of encoded: String) -> (memoryKiB: UInt32, iterations: UInt32, lanes: UInt32)? {
        let fields = encoded.split(separator: "$")
        guard fields.count == 5, fields[0] == "argon2id" else { return nil }
        var values: [Substring: UInt32] = [:]
        for pair in fields[2].split(separator: ",") {
            let kv = pair.split(separator: "=")
            guard kv.count == 2, let number = UInt32(kv[1]) else { return nil }
            values[kv[0]] = number
        }
        guard let m = values["m"], let t = values["t"], let p = values["p"] else { return nil }
        return (m, t, p)
    }
}
