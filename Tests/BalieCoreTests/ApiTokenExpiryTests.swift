import Foundation
import Testing
@testable import BalieCore

/// When an API token stops working (issue 21): its expiry, revocation, and the names a rotation leaves.
@Suite struct ApiTokenExpiryTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aNewTokenLivesAYearUnlessToldOtherwise() {
        let token = ApiToken(name: "crm", scopes: [.customersRead], tokenHash: String(repeating: "a", count: 64), createdAt: now)
        #expect(token.expiresAt == now.addingTimeInterval(365 * 86_400))
        #expect(token.state(at: now) == .active)
        #expect(token.state(at: token.expiresAt.addingTimeInterval(-1)) == .active)
        #expect(token.state(at: token.expiresAt) == .expired, "the moment of expiry is already too late")
    }

    @Test func revokedWinsOverExpired() {
        var token = ApiToken(name: "crm", scopes: [.customersRead], tokenHash: "", createdAt: now, expiresAt: now.addingTimeInterval(60))
        token.revokedAt = now
        #expect(token.state(at: now) == .revoked && token.state(at: now.addingTimeInterval(120)) == .revoked)
    }

    @Test func expiryDaysAreChecked() {
        #expect(ApiToken.expiry(from: now, days: 0) == now, "0 days: expired at once")
        #expect(ApiToken.expiry(from: now, days: 7) == now.addingTimeInterval(7 * 86_400))
        #expect(ApiToken.expiry(from: now, days: ApiToken.maximumDays) != nil)
        #expect(ApiToken.expiry(from: now, days: -1) == nil && ApiToken.expiry(from: now, days: ApiToken.maximumDays + 1) == nil)
    }

    @Test func theRotatedNameFitsAndCannotBeGivenOnTheCommandLine() {
        #expect(ApiToken.rotatedName("crm", id: 12) == "crm~12")
        let long = String(repeating: "n", count: 64)
        #expect(ApiToken.rotatedName(long, id: 123_456).count == 64)
        #expect(ApiToken.checkName(ApiToken.rotatedName("crm", id: 12)) == nil)
    }
}
