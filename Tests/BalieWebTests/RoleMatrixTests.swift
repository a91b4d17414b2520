import BalieCore
import BalieHTTP
import Foundation
import Testing
@testable import BalieWeb

/// Walks every route with every role and with no session: 302 to sign-in without a session, 403
/// for a role the route does not allow, and the route's own answer (never 302 to sign-in, 403 or 5xx)
/// otherwise.
@Suite struct RoleMatrixTests {
    @Test func everyRouteWithEveryRole() throws {
        let app = try makeTestApp()
        let visitors: [StaffRole?] = [nil] + StaffRole.allCases
        let fixture = try EveryRouteFixture(app)
        var checked = 0
        for visitor in visitors {
            for route in app.routeList {
                let browser = TestBrowser(app)
                if let visitor { #expect(try browser.signIn("user-\(visitor.rawValue)").status == .seeOther) }
                let page = try browser.get(visitor == nil ? "/" : "/staff")
                let parts = route.split(separator: " ", maxSplits: 1)
                let path = fixture.path(route)
                let response = parts[0] == "GET"
                    ? try browser.get(path)
                    : try browser.post(path, form: [("csrf", page.csrfToken ?? ""), ("lang", "en"), ("return", "/"),
                                                    ("purpose", "session-log"), ("given", "true"), ("how", "in-person")])
                let allowed = app.allowedRoles(route)
                let label = "\(route) as \(visitor?.rawValue ?? "nobody")"
                // A help request shows only to the kiosk that asked and the colleague who accepted; to
                // everyone else it is "not found" (HelpTests check who sees what).
                // Object-level refusals (BranchAccessMatrixTests): a remote colleague sees no ticket of a branch, and a new
                // branch is for central admins (all-branches) only.
                if (route == "GET /queue/tickets/:id" && visitor == .remote && response.status == .notFound)
                    || (route == "POST /admin/branches" && visitor == .admin && response.status == .forbidden) {
                    checked += 1
                    continue
                }
                if EveryRouteFixture.isHelpRoute(route) && !route.hasSuffix("/accept") && response.status == .notFound && (allowed == nil || visitor != nil) {
                    checked += 1
                    continue
                }
                switch (allowed, visitor) {
                case (nil, _) where route == "POST /enrol/device":
                    // Without a kiosk secret in the form: the plain "not a kiosk" page.
                    #expect(response.status == .forbidden, "\(label)")
                case (nil, _):
                    // Open routes: a page, a redirect, or a refusal of the matrix's generic form (never 403 or 5xx).
                    #expect(response.status.code < 500 && response.status != .forbidden && response.status != .notFound, "\(label): \(response.status)")
                case (.some, nil):
                    #expect(response.status == .found, "\(label)")
                    #expect(response.headers["Location"]?.hasPrefix("/sign-in") == true, "\(label)")
                case (.some(let roles), .some(let role)) where roles.contains(role):
                    // The route's own answer: a page, a redirect that is not to sign-in, or a refusal of the input.
                    #expect(response.status.code < 500 && response.status != .forbidden, "\(label): \(response.status)")
                    #expect(!(response.headers["Location"] ?? "").hasPrefix("/sign-in?return"), "\(label)")
                    #expect(response.status != .notFound, "\(label)")
                case (.some, .some):
                    #expect(response.status == .forbidden, "\(label)")
                }
                checked += 1
            }
        }
        #expect(checked == app.routeList.count * visitors.count)
    }

    @Test func adminPagesNeedTheAdminRole() throws {
        let app = try makeTestApp()
        #expect(app.allowedRoles("GET /admin/staff") == [.admin])
        #expect(app.allowedRoles("GET /staff") == Set(StaffRole.allCases))
        #expect(app.allowedRoles("GET /") == nil)
    }
}
