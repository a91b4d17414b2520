import BalieCore
import BalieHTTP
import Foundation
import Testing
@testable import BalieWeb

/// Typed page models of the staff, admin and privacy pages (issue #20): each page renders from example values in
/// every language, signed in and not, exactly as the Mustache library renders the same values from dictionaries, and
/// every name its template uses is a field of its model.
@Suite struct TypedStaffPageTests {
    static let tricky = TypedPageSupport.tricky
    static let languages = TypedPageSupport.languages

    static func layout(_ language: String, signedIn: Bool) -> LayoutModel {
        TypedPageSupport.layout(language: language, signedIn: signedIn)
    }

    /// Each page in every language, signed in and not, once with everything shown and once with nothing optional.
    private func forEveryVariant(_ body: (_ language: String, _ signedIn: Bool, _ full: Bool) throws -> Void) rethrows {
        for language in Self.languages {
            for signedIn in [true, false] {
                for full in [true, false] { try body(language, signedIn, full) }
            }
        }
    }

    // MARK: - sign_in

    static func signInPage(_ language: String, signedIn: Bool, full: Bool) -> SignInPage {
        var layout = layout(language, signedIn: signedIn)
        layout.customerMode = false
        return SignInPage(
            layout: layout, form: .init(username: full ? tricky : ""), hasErrors: full,
            errors: full ? [.init(fieldID: "username", text: "Naam <fout>"), .init(fieldID: "password", text: "Wachtwoord & zo")] : [],
            fieldErrors: .init(username: full ? "Naam <fout>" : nil, password: full ? "Wachtwoord & zo" : nil),
            returnToAfter: "/customers?q=a&b=\"c\"", notice: full ? "U bent afgemeld 'nu'" : nil)
    }

    @Test func signInRendersAsBefore() throws {
        try forEveryVariant { language, signedIn, full in
            try TypedPageSupport.expectSameBothWays("pages/sign_in", Self.signInPage(language, signedIn: signedIn, full: full), language: language,
                                   escaped: full ? TypedPageSupport.trickyEscaped : nil)
        }
        #expect(try TypedPageSupport.unresolved("pages/sign_in", SignInPage.self) == [])
    }

    // MARK: - staff_home

    static func staffHomePage(_ language: String, full: Bool) -> StaffHomePage {
        StaffHomePage(
            layout: layout(language, signedIn: true), staff: .init(roleName: "Beheerder & co", branchName: full ? tricky : ""),
            calls: full ? [.init(kiosk: tricky, groupName: "Toeslagen <2026>", when: "10:15"), .init(kiosk: "k2", groupName: "", when: "10:20")] : [],
            hasCalls: full, isAdmin: full, helpsRemotely: full, canViewAudit: full, hasOpenSessions: full,
            openSessions: full ? [.init(href: "/sessions/7", started: "1 december 2026 09:00", who: tricky, stale: true),
                                  .init(href: "/sessions/8", started: "3 december 2026 10:00", who: "Anoniem", stale: false)] : [],
            canSwitchBranch: full,
            switchBranches: full ? [.init(code: "main", name: "Centrum", selected: true), .init(code: "n&o", name: "Noord \"O\"", selected: false)] : [])
    }

    @Test func staffHomeRendersAsBefore() throws {
        for language in Self.languages {
            for full in [true, false] {
                // Staff only: always signed in.
                try TypedPageSupport.expectSameBothWays("pages/staff_home", Self.staffHomePage(language, full: full), language: language)
            }
        }
        #expect(try TypedPageSupport.unresolved("pages/staff_home", StaffHomePage.self) == [])
    }

    // MARK: - admin_staff

    static func adminStaffPage(_ language: String, full: Bool) -> AdminStaffPage {
        AdminStaffPage(
            layout: layout(language, signedIn: true),
            accounts: full ? [.init(username: "anna", fullName: tricky, roleName: "Beheerder", branch: "*", active: true, statusText: "Actief",
                                    toggleAction: "/admin/staff/anna/disable", toggleLabel: "Uitzetten"),
                              .init(username: "o'brien", fullName: "Piet <O'Brien>", roleName: "Medewerker", branch: "main, n&o", active: false,
                                    statusText: "Uit", toggleAction: "/admin/staff/o%27brien/enable", toggleLabel: "Aanzetten")] : [])
    }

    @Test func adminStaffRendersAsBefore() throws {
        for language in Self.languages {
            for full in [true, false] {
                try TypedPageSupport.expectSameBothWays("pages/admin_staff", Self.adminStaffPage(language, full: full), language: language)
            }
        }
        #expect(try TypedPageSupport.unresolved("pages/admin_staff", AdminStaffPage.self) == [])
    }

    // MARK: - customer_search

    static func customerSearchPage(_ language: String, signedIn: Bool, full: Bool) -> CustomerSearchPage {
        CustomerSearchPage(
            layout: layout(language, signedIn: signedIn), query: .init(q: tricky, postcode: full ? "1011 <AB>" : "", birthDate: full ? "7-3-1948" : ""),
            hasErrors: full, errors: full ? [.init(fieldID: "postcode", text: "Postcode & geboortedatum")] : [],
            fieldErrors: .init(q: full ? "Naam <fout>" : nil, postcode: full ? "Postcode & geboortedatum" : nil, birthDate: full ? "'Datum'" : nil),
            searched: true, hasResults: full, resultsText: "2 klanten \"gevonden\"", tooMany: full,
            results: full ? [.init(number: "100234", name: tricky, birthDate: "7-3-1948", postcode: "1011 AB", href: "/customers/100234"),
                             .init(number: "100235", name: "Piet", birthDate: "", postcode: "", href: "/customers/100235")] : [])
    }

    @Test func customerSearchRendersAsBefore() throws {
        try forEveryVariant { language, signedIn, full in
            try TypedPageSupport.expectSameBothWays("pages/customer_search", Self.customerSearchPage(language, signedIn: signedIn, full: full), language: language)
            var unsearched = Self.customerSearchPage(language, signedIn: signedIn, full: full)
            unsearched.searched = false
            try TypedPageSupport.expectSameBothWays("pages/customer_search", unsearched, language: language)
        }
        #expect(try TypedPageSupport.unresolved("pages/customer_search", CustomerSearchPage.self) == [])
    }

    // MARK: - enrol, enrolled, not_enrolled

    static func customerModeOff(_ language: String, signedIn: Bool) -> LayoutModel {
        var layout = layout(language, signedIn: signedIn)
        layout.customerMode = false
        return layout
    }

    @Test func enrolmentPagesRenderAsBefore() throws {
        try forEveryVariant { language, signedIn, full in
            let layout = Self.customerModeOff(language, signedIn: signedIn)
            let enrol = EnrolPage(layout: layout, form: .init(code: full ? "K7QM <3XVA>" : ""), hasErrors: full,
                                  errors: full ? [.init(fieldID: "code", text: "Code & \"fout\"")] : [],
                                  fieldErrors: .init(code: full ? "Code & \"fout\"" : nil))
            let staffBarName = signedIn ? TypedPageSupport.trickyEscaped : nil  // the only tricky text of these pages when empty
            try TypedPageSupport.expectSameBothWays("pages/enrol", enrol, language: language, escaped: staffBarName)
            let enrolled = EnrolledPage(layout: layout, kindName: "Klantzuil <1>", doneText: "Dit is nu \(Self.tricky)",
                                        startHref: full ? "/branches/n%26o/display" : "/", autoStart: full)
            try TypedPageSupport.expectSameBothWays("pages/enrolled", enrolled, language: language)
            try TypedPageSupport.expectSameBothWays("pages/not_enrolled", NotEnrolledPage(layout: layout), language: language, escaped: staffBarName)
        }
        #expect(try TypedPageSupport.unresolved("pages/enrol", EnrolPage.self) == [])
        #expect(try TypedPageSupport.unresolved("pages/enrolled", EnrolledPage.self) == [])
        #expect(try TypedPageSupport.unresolved("pages/not_enrolled", NotEnrolledPage.self) == [])
    }

    // MARK: - admin_kiosks

    static func adminKiosksPage(_ language: String, full: Bool) -> AdminKiosksPage {
        AdminKiosksPage(
            layout: layout(language, signedIn: true),
            kiosks: full ? [.init(name: tricky, branchName: "Noord & <Oost>", kindName: "Klantzuil", active: true, statusText: "Actief",
                                  lastSeenText: "3 december 2026 10:00", stale: true, codeAction: "/admin/kiosks/1/code",
                                  revokeAction: "/admin/kiosks/1/revoke"),
                            .init(name: "k2", branchName: "Centrum", kindName: "Scherm", active: false, statusText: "Ingetrokken",
                                  lastSeenText: "Nooit", stale: false, codeAction: "/admin/kiosks/2/code", revokeAction: "/admin/kiosks/2/revoke")] : [],
            hasKiosks: full,
            branches: [.init(code: "main", name: "Centrum", selected: !full), .init(code: "n&o", name: "Noord \"O\"", selected: full)],
            kinds: [.init(code: "customer", name: "Klantzuil", selected: true), .init(code: "display", name: "Scherm <groot>", selected: false)],
            form: .init(name: full ? "zuil 'drie'" : ""), hasNewCode: full,
            newCode: full ? .init(code: "K7QM-3XVA", kioskName: tricky, branchName: "Centrum", validUntil: "10:30") : nil,
            hasErrors: full, errors: full ? [.init(fieldID: "name", text: "Naam <fout>"), .init(fieldID: "branch", text: "Vestiging & zo")] : [],
            fieldErrors: .init(name: full ? "Naam <fout>" : nil, branch: full ? "Vestiging & zo" : nil))
    }

    @Test func adminKiosksRendersAsBefore() throws {
        for language in Self.languages {
            for full in [true, false] {
                try TypedPageSupport.expectSameBothWays("pages/admin_kiosks", Self.adminKiosksPage(language, full: full), language: language)
            }
        }
        #expect(try TypedPageSupport.unresolved("pages/admin_kiosks", AdminKiosksPage.self) == [])
    }

    // MARK: - admin_branches

    static func adminBranchesPage(_ language: String, full: Bool) -> AdminBranchesPage {
        AdminBranchesPage(
            layout: layout(language, signedIn: true),
            branches: [.init(code: "main", name: tricky, timeZone: "Europe/Amsterdam", hoursText: "mon=09:00-17:00;tue=09:00-17:00",
                             closuresText: "2026-12-25,2026-12-26", kioskCount: 3, editAction: "/admin/branches/main"),
                       .init(code: "n&o", name: "Noord", timeZone: "Europe/Amsterdam", hoursText: "", closuresText: "", kioskCount: 0,
                             editAction: "/admin/branches/n%26o")],
            canAdd: full,
            form: .init(code: full ? "<x>" : "", name: full ? "Zuid & \"West\"" : "", timeZone: "Europe/Amsterdam", hours: full ? "mon=x" : "",
                        closures: full ? "'morgen'" : ""),
            hasErrors: full, errors: full ? [.init(fieldID: "code", text: "Code <fout>"), .init(fieldID: "hours", text: "Uren & zo")] : [],
            fieldErrors: .init(code: full ? "Code <fout>" : nil, name: full ? "Naam" : nil, timeZone: full ? "Zone" : nil,
                               hours: full ? "Uren & zo" : nil, closures: full ? "Dicht 'fout'" : nil))
    }

    @Test func adminBranchesRendersAsBefore() throws {
        for language in Self.languages {
            for full in [true, false] {
                try TypedPageSupport.expectSameBothWays("pages/admin_branches", Self.adminBranchesPage(language, full: full), language: language)
                var noAdd = Self.adminBranchesPage(language, full: full)
                noAdd.canAdd = !full
                try TypedPageSupport.expectSameBothWays("pages/admin_branches", noAdd, language: language)
            }
        }
        #expect(try TypedPageSupport.unresolved("pages/admin_branches", AdminBranchesPage.self) == [])
    }

    // MARK: - privacy_erase, privacy_erase_confirm, privacy_erased

    @Test func erasurePagesRenderAsBefore() throws {
        let customer = ErasureCustomer(number: "100234", fullName: Self.tricky)
        for language in Self.languages {
            for full in [true, false] {
                let layout = Self.layout(language, signedIn: true)
                let erase = PrivacyErasePage(
                    layout: layout, customer: customer, customerHref: "/customers/100234", action: "/customers/100234/erase",
                    goes: [.init(label: "Klantgegevens", count: 1), .init(label: "Contacten & <notities>", count: 12)],
                    stays: [.init(label: "Sessies 'anoniem'", count: 0)], reason: full ? "Verzoek \"klant\" <brief>" : "",
                    hasErrors: full, errors: full ? [.init(fieldID: "reason", text: "Reden <te kort>")] : [],
                    fieldErrors: .init(reason: full ? "Reden <te kort>" : nil))
                try TypedPageSupport.expectSameBothWays("pages/privacy_erase", erase, language: language)
                let confirm = PrivacyEraseConfirmPage(
                    layout: layout, customer: customer, customerHref: "/customers/100234", action: "/customers/100234/erase/confirm",
                    reason: "Verzoek \"klant\" <brief>", confirmNumber: full ? "1002<34>" : "", confirmLabel: "Typ 100234 & bevestig",
                    hasErrors: full, errors: full ? [.init(fieldID: "confirm_number", text: "Nummer 'fout'")] : [],
                    fieldErrors: .init(confirmNumber: full ? "Nummer 'fout'" : nil))
                try TypedPageSupport.expectSameBothWays("pages/privacy_erase_confirm", confirm, language: language)
                let erased = PrivacyErasedPage(layout: layout, hasCounts: full,
                                               counts: full ? [.init(label: "Contacten <weg>", count: 12), .init(label: "Sessies", count: 0)] : [])
                try TypedPageSupport.expectSameBothWays("pages/privacy_erased", erased, language: language)
            }
        }
        #expect(try TypedPageSupport.unresolved("pages/privacy_erase", PrivacyErasePage.self) == [])
        #expect(try TypedPageSupport.unresolved("pages/privacy_erase_confirm", PrivacyEraseConfirmPage.self) == [])
        #expect(try TypedPageSupport.unresolved("pages/privacy_erased", PrivacyErasedPage.self) == [])
    }

    // MARK: - privacy_audit

    @Test func auditPageRendersAsBefore() throws {
        let row = PrivacyAuditPage.Row(when: "3 december 2026 10:00", who: "\(Self.tricky) (anna)", roleName: "Beheerder", actionName: "Klant <bekeken>",
                                       subject: "100234", reason: "—", origin: "k1/127.0.0.1 & co")
        for language in Self.languages {
            for full in [true, false] {
                let failed = PrivacyAuditPage(
                    layout: Self.layout(language, signedIn: true),
                    filters: .init(customer: Self.tricky, staff: "o'brien", from: "1-12-2026", to: "<31-12>"),
                    csvHref: "/audit.csv?customer=x&staff=y", hasErrors: full,
                    errors: full ? [.init(fieldID: "customer", text: "Klant <fout>"), .init(fieldID: "to", text: "Datum & zo")] : [],
                    fieldErrors: .init(customer: full ? "Klant <fout>" : nil, staff: full ? "Naam" : nil, from: full ? "'Van'" : nil,
                                       to: full ? "Datum & zo" : nil),
                    results: .init())
                try TypedPageSupport.expectSameBothWays("pages/privacy_audit", failed, language: language)
                var found = failed
                found.results = .init(searched: true, rows: full ? [row, row] : [], olderHref: full ? "/audit?before=7&a=b" : nil,
                                      newestHref: full ? "/audit?x=\"y\"" : nil)
                try TypedPageSupport.expectSameBothWays("pages/privacy_audit", found, language: language)
                found.results.newestHref = nil
                try TypedPageSupport.expectSameBothWays("pages/privacy_audit", found, language: language)
            }
        }
        #expect(try TypedPageSupport.unresolved("pages/privacy_audit", PrivacyAuditPage.self) == [])
    }

    // MARK: - language

    @Test func languagePageRendersAsBefore() throws {
        for language in Self.languages {
            for signedIn in [true, false] {
                var layout = Self.layout(language, signedIn: signedIn)
                layout.returnTo = "/topics/\(signedIn ? "a&b" : "c")?x=\"1\""
                layout.languages[0].name = Self.tricky
                try TypedPageSupport.expectSameBothWays("pages/language", LanguagePage(layout: layout), language: language)
            }
        }
        #expect(try TypedPageSupport.unresolved("pages/language", LanguagePage.self) == [])
    }
}
