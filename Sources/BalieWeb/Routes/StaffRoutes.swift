import BalieCore
import BalieHTTP
import Foundation

/// The staff start page and, for admins, the list of staff accounts.
extension WebApp {
    /// The translation key of a role's name.
    static func roleKey(_ role: StaffRole) -> String { "roles.\(role.rawValue)" }

    func registerStaffRoutes() {
        get("/staff", .anyStaff) { [unowned self] request in
            let language = request.language
            let staff = request.signedIn!.staff
            let formatter = DateFormatter()
            formatter.dateFormat = "HH:mm"
            let working = request.workingBranch
            let calls = try working.map { try database.recentStaffCalls(branch: $0, limit: 10) } ?? []
            let callRows = calls.map { call in
                StaffHomePage.Call(
                    kiosk: call.kiosk, groupName: call.group.map { localization.text("groups.\($0.translationKey).name", language) } ?? "",
                    when: formatter.string(from: call.at))
            }
            // Open sessions are never dropped: staff resume them here, and old ones are marked to finish.
            let now = Date()
            // Open sessions of the branch being worked in: another branch's customers are not shown here.
            let openSessions = try database.openSessions(branches: working.map { .only([$0]) } ?? .only([])).map { open in
                StaffHomePage.OpenSession(
                    href: "/sessions/\(open.id)", started: formatDateTime(open.startedAt),
                    who: open.customerName ?? localization.text("session.anonymous_label", language),
                    stale: now.timeIntervalSince(open.startedAt) > configuration.staleSessionAfter)
            }
            let branches = try database.allBranches().filter { staff.scope.contains($0.code) }
            let model = StaffHomePage(
                layout: layout(request, title: localization.text("staff_home.title", language)),
                staff: .init(roleName: localization.text(Self.roleKey(staff.role), language),
                             branchName: branches.first { $0.code == working }?.name ?? ""),
                calls: callRows,
                hasCalls: !callRows.isEmpty,
                isAdmin: staff.role == .admin,
                helpsRemotely: [.remote, .supervisor].contains(staff.role),
                canViewAudit: Access.supervisorsAndAdmins.allows(staff.role),
                hasOpenSessions: !openSessions.isEmpty,
                openSessions: openSessions,
                canSwitchBranch: branches.count > 1,
                switchBranches: branches.map { .init(code: $0.code, name: $0.name, selected: $0.code == working) })
            return try page("pages/staff_home", model, language: language)
        }

        get("/admin/staff", .admin) { [unowned self] request in
            let language = request.language
            let accounts = try database.allStaff().map { account in
                let next = account.isActive ? "disable" : "enable"
                let label = account.isActive ? "admin_staff.disable" : "admin_staff.enable"
                return AdminStaffPage.Account(
                    username: account.username, fullName: account.fullName,
                    roleName: localization.text(Self.roleKey(account.role), language),
                    branch: account.grants.contains(.allBranches) ? "*" : account.branches.joined(separator: ", "), active: account.isActive,
                    statusText: localization.text(account.isActive ? "admin_staff.active" : "admin_staff.disabled", language),
                    toggleAction: "/admin/staff/\(Self.queryEscaped(account.username))/\(next)",
                    toggleLabel: localization.text(label, language))
            }
            let model = AdminStaffPage(layout: layout(request, title: localization.text("admin_staff.title", language)), accounts: accounts)
            return try page("pages/admin_staff", model, language: language)
        }

        for (action, active) in [("disable", false), ("enable", true)] {
            post("/admin/staff/:username/\(action)", .admin) { [unowned self] request in
                guard var account = try database.staff(username: request.parameters["username"] ?? ""), let id = account.id else {
                    throw PageError.notFound("No such staff account.")
                }
                // Accounts of one's own branches only; an account in no branch is for central admins.
                let scope = request.signedIn!.staff.scope
                guard scope == .all || account.branches.contains(where: scope.contains) else {
                    try refuse(request, what: "staff \(account.username)", branch: nil)
                }
                account.isActive = active
                try database.updateStaff(account)
                if !active { try database.deleteSessions(staffID: id) }
                try database.appendAudit(AuditEvent(
                    at: Date(), action: active ? .staffEnabled : .staffDisabled, actorID: request.signedIn?.staffID,
                    subject: account.username, origin: origin(request), branch: auditBranch(request)))
                return .redirect(to: "/admin/staff")
            }
        }
    }
}
