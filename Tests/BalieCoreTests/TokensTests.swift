import BalieCore
import Testing

/// The encodings and random tokens BalieCore keeps; SHA-256 and HMAC are swift-crypto's (BalieWebTests.SecretHashTests).
@Suite struct TokensTests {
    @Test func base64URL() {
        #expect(Array("".utf8).base64URLString == "")
        #expect(Array("f".utf8).base64URLString == "Zg")
        #expect(Array("fo".utf8).base64URLString == "Zm8")
        #expect(Array("foo".utf8).base64URLString == "Zm9v")
        #expect([0xfb, 0xff].base64URLString == "-_8")
    }

    @Test func tokensAre256BitsAndDiffer() {
        let a = SecureRandom.token(), b = SecureRandom.token()
        #expect(a.count == 43)
        #expect(a != b)
    }

    @Test func constantTimeComparison() {
        #expect(constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!constantTimeEquals([1, 2], [1, 2, 3]))
    }
}
