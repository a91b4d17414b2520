import BalieCore
import Testing
@testable import BalieWeb

/// SHA-256 and HMAC-SHA-256 are swift-crypto's since issue #20. These check Balie's wrappers against the published
/// vectors, and against what the hand-written SHA-256 that came before produced for the same inputs (computed with
/// that code before it was deleted), so that stored token hashes, visit cookies and CSRF tokens made before the
/// change still verify after it.
@Suite struct SecretHashTests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func nistVectors(_ message: String, _ digest: String) {
        #expect(SecretHash.of(message) == digest)
    }

    @Test func millionAs() {
        #expect(SecretHash.of(String(repeating: "a", count: 1_000_000))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// RFC 4231 test cases 1, 2, 6 and 7 (6 and 7 with a key longer than the block), whose data is text.
    @Test(arguments: [
        ([UInt8](repeating: 0x0b, count: 20), "Hi There",
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        (Array("Jefe".utf8), "what do ya want for nothing?",
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        ([UInt8](repeating: 0xaa, count: 131), "Test Using Larger Than Block-Size Key - Hash Key First",
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        ([UInt8](repeating: 0xaa, count: 131),
         "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.",
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ])
    func hmacRFC4231(_ key: [UInt8], _ message: String, _ mac: String) {
        #expect(macText(message, key: key) == Self.bytes(hex: mac).base64URLString)
    }

    // Inputs of the values the hand-written code produced (its output is written below as it printed it).
    static let key = (0..<32).map { UInt8($0 * 7 & 0xff) }
    static let visitID = "visit-id-0123456789abcdefghijklmnopqrstuvwx"
    static let sessionToken = "session-token-abcdefghijklmnopqrstuvwxyz0123"

    @Test func storedHashesAsBefore() {
        #expect(SecretHash.of(Self.sessionToken) == "62b5f9cdd5027f64e8aad00ba0ffdf15bce997a110a9976b991a58727b0fd961")
        #expect(KioskRules.hash(Self.sessionToken) == SecretHash.of(Self.sessionToken))
        #expect(SecretHash.of("help-request:\(Self.visitID)") == "d98b32cc91492659b2a019c2ac475ede1e96067644f60c7999f390d083747198")
    }

    @Test func visitCookieAndCSRFTokensAsBefore() {
        // A visit cookie made before the change is still taken; one with another MAC is not.
        #expect(Visit.verifiedID(Self.visitID + ".wnQYqOKYsO3UZ13XMkxU6V", key: Self.key) == Self.visitID)
        #expect(Visit.verifiedID(Self.visitID + ".wnQYqOKYsO3UZ13XMkxU6W", key: Self.key) == nil)
        #expect(Visit.csrfToken(visitID: Self.visitID, key: Self.key) == "-Rpq27MsmihQyKFbUGl5vQQ4GlnZjXYGm5BOt5pjgoA")
        // The signed-in form token, from the session's stored hash.
        #expect(macText("csrf-session:\(SecretHash.of(Self.sessionToken))", key: Self.key)
            == "lH9wyLtSYRmw-Z3Qafwmx6sFzGxxFleAdFfYkqppfxE")
    }

    static func bytes(hex: String) -> [UInt8] {
        let digits = Array(hex.utf8).map { UInt8(($0 >= 97 ? $0 - 87 : $0 - 48)) }
        return stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
    }
}
