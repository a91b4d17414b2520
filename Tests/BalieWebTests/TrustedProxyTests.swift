import BalieCore
import BalieHTTP
import Foundation
import Testing
@testable import BalieWeb

/// `--trusted-proxy`: the client address comes from `X-Forwarded-For` only when the peer is that proxy, and
/// then the audit trail and the limits see the visitor, not the proxy.
@Suite struct TrustedProxyTests {
    private func failedSignInOrigin(peer: String, forwarded: String?) throws -> String? {
        let app = try makeTestApp { $0.trustedProxy = "10.0.0.2" }
        let browser = TestBrowser(app)
        browser.peerAddress = peer
        if let forwarded { browser.extraHeaders = [("X-Forwarded-For", forwarded)] }
        let refused = try browser.signIn("nobody", password: "not the password")
        #expect(refused.status == .unauthorized)
        return try app.database.recentAudit(limit: 1).first?.origin
    }

    @Test func theProxysForwardedAddressIsTheClient() throws {
        // The proxy appends the address it saw last; what the client itself put first is not believed.
        #expect(try failedSignInOrigin(peer: "10.0.0.2", forwarded: "6.6.6.6, 203.0.113.9") == "-/203.0.113.9")
    }

    @Test func anyoneElsesHeaderIsIgnored() throws {
        #expect(try failedSignInOrigin(peer: "192.0.2.44", forwarded: "203.0.113.9") == "-/192.0.2.44")
    }

    @Test func aMalformedHeaderFromTheProxyLeavesThePeer() throws {
        #expect(try failedSignInOrigin(peer: "10.0.0.2", forwarded: "<script>") == "-/10.0.0.2")
    }

    @Test func behindAProxyNoBrowserIsTheLoopbackKiosk() throws {
        let app = try makeTestApp { $0.trustedProxy = "127.0.0.1" }
        let browser = TestBrowser(app)  // the peer is 127.0.0.1: the proxy, not a kiosk on this machine
        #expect(try browser.get("/").status == .forbidden)
    }
}
