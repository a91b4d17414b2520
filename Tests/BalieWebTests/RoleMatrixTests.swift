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
        for role in StaffRole.allCases { try addStaff(app, "user-\(role.rawValue)", role: role) }
        try addStaff(app, "target", role: .staff)
        _ = try app.database.importCustomers([Customer(number: "100234", givenName: "Fatma", familyName: "Yılmaz")])
        var checked = 0
        for visitor in visitors {
            for route in app.routeList {
                let browser = TestBrowser(app)
                if let visitor { #expect(try browser.signIn("user-\(visitor.rawValue)").status == .seeOther) }
                let page = try browser.get(visitor == nil ? "/" : "/staff")
                let parts = route.split(separator: " ", maxSplits: 1)
                let path = String(parts[1]).replacingOccurrences(of: ":group", with: "banking")
                    .replacingOccurrences(of: ":username", with: "target")
                    .replacingOccurrences(of: ":number", with: "100234")
                let response = parts[0] == "GET"
                    ? try browser.get(path)
                    : try browser.post(path, form: [("csrf", page.csrfToken ?? ""), ("lang", "en"), ("return", "/"),
                                                    ("purpose", "session-log"), ("given", "true"), ("how", "in-person")])
                let allowed = app.allowedRoles(route)
                let label = "\(route) as \(visitor?.rawValue ?? "nobody")"
                switch (allowed, visitor) {
                case (nil, _):
                    #expect(response.status.code < 400 || response.status == .unauthorized || response.status == .unprocessableContent, "\(label): \(response.status)")
                case (.some, nil):
                    #expect(response.status == .found, "\(label)")
                    #expect(response.headers["Location"]?.hasPrefix("/sign-in") == true, "\(label)")
                case (.some(let roles), .some(let role)) where roles.contains(role):
                    #expect([200, 303].contains(response.status.code), "\(label): \(response.status)")
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
