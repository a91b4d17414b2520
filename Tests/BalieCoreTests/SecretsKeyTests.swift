import BalieCore
import Foundation
import Testing

@Suite struct SecretsKeyTests {
    @Test func fileTextRoundTrips() throws {
        let key = SecretsKey.generate()
        let text = key.fileText(madeAt: Date(timeIntervalSince1970: 1_800_000_000))
        #expect(text.hasPrefix("# Balie secrets key"))
        #expect(try SecretsKey(fileText: text) == key)
        #expect(SecretsKey.generate() != key)
    }

    @Test func refusesFilesWithoutAKeyOrWithAShortOne() {
        #expect(throws: SecretsKey.Problem.malformed) { try SecretsKey(fileText: "# nothing here\n") }
        #expect(throws: SecretsKey.Problem.malformed) { try SecretsKey(fileText: "balie-secrets-v1:not*base64\n") }
        #expect(throws: SecretsKey.Problem.wrongLength(3)) { try SecretsKey(fileText: "balie-secrets-v1:AQID\n") }
    }

    /// RFC 4648 §10 test vectors.
    @Test func base32MatchesTheRFCVectors() {
        let vectors = [("", ""), ("f", "MY"), ("fo", "MZXQ"), ("foo", "MZXW6"), ("foob", "MZXW6YQ"), ("fooba", "MZXW6YTB"),
                       ("foobar", "MZXW6YTBOI")]
        for (plain, encoded) in vectors {
            #expect(Base32.encode(Array(plain.utf8)) == encoded)
            #expect(Base32.decode(encoded) == Array(plain.utf8))
        }
        #expect(Base32.decode("mzxw 6ytb-oi======") == Array("foobar".utf8))
        #expect(Base32.decode("MZXW1") == nil)
    }

    @Test func base64URLDecodesWhatTokensEncode() {
        for count in 0...9 {
            let bytes = SecureRandom.bytes(count)
            #expect(Base64URL.decode(bytes.base64URLString) == bytes)
        }
        #expect(Base64URL.decode("A") == nil)
    }
}
