import BalieCore
import Crypto

/// How Balie keeps the secrets it hands out (session cookies, API tokens, kiosk credentials, enrolment codes) and
/// the key that binds a help request to its visit: only the lower-case hex SHA-256 of the secret's UTF-8, so that a
/// copy of the database lets no one sign in or act as a kiosk. The same text as before swift-crypto did the hashing
/// (SecretHashTests), so stored hashes still match.
public enum SecretHash {
    public static func of(_ secret: String) -> String { SHA256.hash(data: Array(secret.utf8)).hexString }
}

extension KioskRules {
    /// How a code (normalized) and a device credential are stored: `SecretHash`.
    public static func hash(_ secret: String) -> String { SecretHash.of(secret) }
}

/// A MAC that Balie gives out and later checks (the visit cookie, CSRF tokens): HMAC-SHA-256 of the message's
/// UTF-8 under the database's CSRF key, as base64url without padding.
func macText(_ message: String, key: [UInt8]) -> String {
    HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: SymmetricKey(data: key)).base64URLString
}
