import BalieCore
import Foundation
import Testing

@Suite struct BranchRulesTests {
    @Test func openingHoursReadBackAsWritten() throws {
        let hours = try WeeklyHours.parse("mon=09:00-12:30,13:00-17:00; fri=10:00-16:00")
        #expect(hours.text == "mon=09:00-12:30,13:00-17:00;fri=10:00-16:00")
        #expect(hours.periods(isoWeekday: 1) == [.init(opens: 540, closes: 750), .init(opens: 780, closes: 1020)])
        #expect(hours.periods(isoWeekday: 2).isEmpty)
        #expect(try WeeklyHours.parse("").text == "")
    }

    @Test(arguments: ["mon=09:00", "xyz=09:00-10:00", "mon=10:00-09:00", "mon=09:00-12:00,11:00-13:00", "mon=25:00-26:00",
                      "mon=09:00-10:00;mon=11:00-12:00", "mon=9:0-10:00"])
    func badOpeningHoursAreRefused(_ text: String) {
        #expect(throws: BranchRules.Problem.hoursInvalid) { try WeeklyHours.parse(text) }
    }

    @Test func openAtFollowsTheBranchZoneAndClosures() throws {
        let branch = Branch(code: "centrum", name: "Centrum", timeZone: "Europe/Amsterdam",
                            openingHours: try WeeklyHours.parse("wed=09:00-17:00"), closures: try BranchRules.closures("2026-12-09"))
        // Wednesday 2 December 2026, 08:30 UTC is 09:30 in Amsterdam (CET, UTC+1).
        let wednesday = Date(timeIntervalSince1970: 1_796_200_200)
        #expect(branch.isOpen(at: wednesday))
        #expect(!branch.isOpen(at: wednesday.addingTimeInterval(-3600)))  // 08:30 local
        #expect(!branch.isOpen(at: wednesday.addingTimeInterval(7 * 86_400)))  // closed on the 9th
        #expect(branch.isOpen(at: wednesday.addingTimeInterval(14 * 86_400)))
        // Open: how long still, and when it closes (for the ticket's "the desk closes at 17:00").
        let closing = try #require(branch.closing(after: wednesday))
        #expect(closing.minutesLeft == 7 * 60 + 30 && closing.closesAt == 17 * 60)
        #expect(WeeklyHours.clock(closing.closesAt) == "17:00")
        #expect(branch.closing(after: wednesday.addingTimeInterval(-3600)) == nil)
        // A branch that keeps no hours never says it closes.
        #expect(Branch(code: "x", name: "X").closing(after: wednesday) == nil)
    }

    @Test func codesAndNames() throws {
        #expect(try BranchRules.code(" Centrum ") == "centrum")
        #expect(throws: BranchRules.Problem.codeInvalid) { try BranchRules.code("a") }
        #expect(throws: BranchRules.Problem.codeInvalid) { try BranchRules.code("-west") }
        #expect(throws: BranchRules.Problem.codeInvalid) { try BranchRules.code("stads kantoor") }
        #expect(BranchRules.code(fromName: "Bibliotheek Centrum") == "bibliotheek-centrum")
        #expect(BranchRules.code(fromName: "Yılmaz & Zn.") == "yilmaz-zn")
        #expect(BranchRules.code(fromName: "X") == "branch-x")
        #expect(throws: BranchRules.Problem.timeZoneInvalid) { try BranchRules.timeZone("Mars/Olympus") }
    }

    @Test func enrolmentCodesAreReadableAndTypedLoosely() {
        for _ in 0..<200 {
            let code = KioskRules.newCode()
            #expect(code.count == 9 && code[code.index(code.startIndex, offsetBy: 4)] == "-")
            #expect(!code.contains(where: { "01258BILOSZ".contains($0) }))
            #expect(KioskRules.normalizedCode(code.lowercased().replacingOccurrences(of: "-", with: " ")) == code.replacingOccurrences(of: "-", with: ""))
        }
        #expect(KioskRules.normalizedCode("ABCD-EFG0") == nil)
        #expect(KioskRules.normalizedCode("ACDE") == nil)
    }

    @Test func enrolmentCodesWorkOnceForFifteenMinutes() {
        let made = Date(timeIntervalSince1970: 1_000_000)
        #expect(KioskRules.isUsable(createdAt: made, usedAt: nil, now: made.addingTimeInterval(14 * 60)))
        #expect(!KioskRules.isUsable(createdAt: made, usedAt: nil, now: made.addingTimeInterval(15 * 60)))
        #expect(!KioskRules.isUsable(createdAt: made, usedAt: made, now: made.addingTimeInterval(60)))
        // Another instance's clock a little behind, or a time rounded on its way back from storage: still good.
        #expect(KioskRules.isUsable(createdAt: made, usedAt: nil, now: made.addingTimeInterval(-0.000_001)))
        #expect(KioskRules.isUsable(createdAt: made, usedAt: nil, now: made.addingTimeInterval(-59)))
        // A code from well in the future is not (a clock set wrong by hours).
        #expect(!KioskRules.isUsable(createdAt: made, usedAt: nil, now: made.addingTimeInterval(-61)))
    }

    @Test func accessRulesPerKindOfObject() {
        let kiosk = Kiosk(id: 1, name: "kiosk-1", branchCode: "centrum", kind: .customer, createdAt: Date())
        let staff = Requester(kind: .staff(id: 1, role: .staff, workingBranch: "centrum"), branches: .only(["centrum"]))
        let remote = Requester(kind: .staff(id: 2, role: .remote, workingBranch: nil), branches: .only(["centrum"]))
        let central = Requester(kind: .staff(id: 3, role: .admin, workingBranch: nil), branches: .all, grants: [.allBranches])
        let visitor = Requester(kind: .kioskVisitor, branches: .only([]), kiosk: kiosk)
        #expect(AccessRules.mayUseBranchObject(staff, branch: "centrum"))
        #expect(!AccessRules.mayUseBranchObject(staff, branch: "west"))
        #expect(!AccessRules.mayUseBranchObject(remote, branch: "centrum"))
        #expect(AccessRules.mayUseBranchObject(central, branch: "west"))
        #expect(!AccessRules.mayUseBranchObject(visitor, branch: "centrum"))
        #expect(AccessRules.mayViewTicket(visitor, branch: "centrum") && !AccessRules.mayViewTicket(visitor, branch: "west"))
        let help = HelpRequest(id: 9, kiosk: "kiosk-1", branch: "centrum", topic: "t", sessionID: nil, requestedBy: 2, requesterKey: nil,
                               language: "nl", createdAt: Date())
        #expect(!AccessRules.mayAccept(remote, help))  // the one who asked
        let other = Requester(kind: .staff(id: 4, role: .remote, workingBranch: nil), branches: .only(["west"]))
        #expect(!AccessRules.mayAccept(other, help))  // serves another branch
        let helper = Requester(kind: .staff(id: 5, role: .remote, workingBranch: nil), branches: .all)
        #expect(AccessRules.mayAccept(helper, help))
        #expect(AccessRules.auditScope(Requester(kind: .staff(id: 6, role: .supervisor, workingBranch: nil), branches: .only(["centrum"]),
                                                 grants: [.privacyOfficer])) == .all)
    }
}
