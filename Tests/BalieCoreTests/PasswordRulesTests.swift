import Foundation
import Testing
@testable import BalieCore

/// `StaffRules.checkPassword` with the real lists of data/refused-passwords (Django's common passwords, the
/// Dutch and English dictionaries), loaded here as BalieWeb loads them.
@Suite struct PasswordRulesTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("data/refused-passwords")

    static func list(_ name: String) throws -> SortedWordList {
        SortedWordList(sortedLines: try Data(contentsOf: folder.appendingPathComponent(name), options: .alwaysMapped))
    }

    static let refused = RefusedPasswords(common: try! list("common-passwords.txt"), dictionaries: [try! list("dutch.txt"), try! list("english.txt")])

    func check(_ password: String, username: String = "anna", fullName: String = "Anna de Boer-Jansen") -> StaffRules.Problem? {
        do {
            try StaffRules.checkPassword(password, username: username, fullName: fullName, refused: Self.refused)
            return nil
        } catch {
            return error
        }
    }

    @Test func theListsAreSortedByBytesAndLowerCase() throws {
        for name in ["common-passwords.txt", "dutch.txt", "english.txt"] {
            let lines = try String(contentsOf: Self.folder.appendingPathComponent(name), encoding: .utf8).split(separator: "\n")
            #expect(lines.count > 19_000, "\(name)")
            #expect(zip(lines, lines.dropFirst()).allSatisfy { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }, "\(name)")
            #expect(lines.allSatisfy { $0 == $0.lowercased() }, "\(name)")
        }
    }

    @Test func bisectionFindsEveryLineAndNothingElse() throws {
        let list = SortedWordList(sortedLines: Data("aa\nab\nb\nbanaan\nzz\n".utf8))
        for word in ["aa", "ab", "b", "banaan", "zz"] { #expect(list.contains(word), "\(word)") }
        for word in ["", "a", "aaa", "ba", "banaa", "banaans", "z", "zzz", "aa\nab"] { #expect(!list.contains(word), "\(word)") }
        let unterminated = SortedWordList(sortedLines: Data("kat\nmuis".utf8))
        #expect(unterminated.contains("muis") && unterminated.contains("kat") && !unterminated.contains("mui"))
        // Every word of the common list is found (the list is long enough to exercise every branch of the search).
        let words = try String(contentsOf: Self.folder.appendingPathComponent("common-passwords.txt"), encoding: .utf8).split(separator: "\n")
        let common = try Self.list("common-passwords.txt")
        #expect(words.allSatisfy { common.contains(String($0)) })
    }

    @Test func lengthStaysTheFirstRule() {
        #expect(check("kort-2026") == .passwordTooShort)
        #expect(check(String(repeating: "ab-cd ", count: 50)) == .passwordTooLong)
    }

    @Test func aPasswordFromTheBreachedListIsRefused() {
        #expect(check("password1234") == .passwordTooCommon)
        #expect(check("1qaz2wsx3edc") == .passwordTooCommon)
        #expect(check("ILOVEYOU1234") == .passwordTooCommon, "compared without case")
        #expect(check("123456789012345") == .passwordTooCommon, "only digits")
        #expect(check("aaaaaaaaaaaaaa") == .passwordTooCommon)
    }

    @Test func aDictionaryWordOnItsOwnIsRefusedInDutchAndEnglish() {
        #expect(check("arbeidsongeschiktheidsverzekering") == .passwordDictionaryWord, "Dutch")
        #expect(check("Bibliotheekpas") == .passwordDictionaryWord, "Dutch, with a capital")
        #expect(check("Congratulations") == .passwordDictionaryWord, "English")
        #expect(check("Bibliotheekpas2026!") == .passwordDictionaryWord, "a word with digits and a sign after it")
        // "wachtwoord" is on Django's list as well, which is checked first.
        #expect(check("Wachtwoord2026!") == .passwordTooCommon)
        #expect(check("!!Gemeentehuis99") == .passwordDictionaryWord, "and before it")
        #expect(check("kiosk12345678") == .passwordDictionaryWord, "a short stem: the suffix makes up the length")
    }

    @Test func theUsernameAndTheNameAreRefused() {
        #expect(check("anna.deboer.2026", username: "anna.deboer.2026") == .passwordPersonal)
        #expect(check("ANNA DE BOER-JANSEN") == .passwordPersonal, "the full name")
        #expect(check("annadeboer-jansen") == .passwordPersonal, "the full name without spaces")
        #expect(check("Jansen2026!!!!") == .passwordPersonal, "a part of the name with digits after it")
        #expect(check("beheerder-noord-1", username: "beheerder-noord-1", fullName: "Beheer") == .passwordPersonal)
    }

    @Test func passphrasesPass() {
        #expect(check("paars-fietspad-regenjas-71") == nil)
        #expect(check("correct horse battery staple") == nil)
        #expect(check("Anna drinkt koffie om tien uur") == nil, "a name inside a sentence is fine")
        // The passwords the demo and the tests use (Sources/balie/DemoData.swift, Tests/).
        for password in ["demo-kiosk-2026", "amber-lantern-river-4271", "central-desk-password-2026", "a-long-password-2026",
                         "quartz-meadow-falcon-9182", "correct horse battery"] {
            #expect(check(password, username: "nina", fullName: "Nina de Vries") == nil, "\(password)")
        }
    }
}
