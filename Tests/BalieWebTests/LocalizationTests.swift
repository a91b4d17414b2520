import BalieCore
import Foundation
import Testing
@testable import BalieWeb

/// Every locale against the Dutch reference: the same keys, the same placeholders, the plural
/// categories its language needs, and no key that nothing uses.
@Suite struct LocalizationTests {
    let localization: Localization
    init() throws { localization = try Localization(directory: repositoryRoot + "/locales") }

    /// Leaf keys ("start.title") with their text; plural objects count as one key.
    func leaves(_ table: [String: any Sendable], prefix: String = "") -> [String: any Sendable] {
        var result: [String: any Sendable] = [:]
        for (key, value) in table {
            let path = prefix.isEmpty ? key : "\(prefix).\(key)"
            if let nested = value as? [String: any Sendable], !isPlural(nested) {
                result.merge(leaves(nested, prefix: path)) { $1 }
            } else {
                result[path] = value
            }
        }
        return result
    }

    func isPlural(_ table: [String: any Sendable]) -> Bool {
        !table.isEmpty && Set(table.keys).isSubset(of: ["zero", "one", "two", "few", "many", "other"])
    }

    func placeholders(_ value: any Sendable) -> Set<String> {
        let texts: [String] = (value as? String).map { [$0] }
            ?? ((value as? [String: any Sendable])?.values.compactMap { $0 as? String } ?? [])
        var names = Set<String>()
        for text in texts {
            var rest = Substring(text)
            while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
                names.insert(String(rest[rest.index(after: open)..<close]))
                rest = rest[rest.index(after: close)...]
            }
        }
        return names
    }

    @Test func shipsSixLanguagesWithDutchFirst() {
        #expect(localization.languages.map(\.code) == ["nl", "en", "tr", "ar", "pl", "uk"])
        #expect(localization.languages.filter(\.isRightToLeft).map(\.code) == ["ar"])
        #expect(localization.language("ar")?.ownName == "العربية")
    }

    @Test(arguments: ["en", "tr", "ar", "pl", "uk"])
    func sameKeysAndPlaceholdersAsDutch(_ code: String) {
        let reference = leaves(localization.plainTable("nl"))
        let other = leaves(localization.plainTable(code))
        #expect(Set(other.keys).subtracting(reference.keys).sorted() == [], "keys not in nl.json")
        #expect(Set(reference.keys).subtracting(other.keys).sorted() == [], "keys missing from \(code).json")
        for (key, value) in reference where key != "lang.name" && key != "lang.dir" {
            guard let translated = other[key] else { continue }
            #expect(placeholders(translated) == placeholders(value), "placeholders of \(key) in \(code)")
        }
    }

    @Test(arguments: Localization.shippedLanguages)
    func pluralsHaveTheCategoriesTheLanguageNeeds(_ code: String) {
        let plurals = leaves(localization.plainTable(code)).compactMap { $0.value as? [String: any Sendable] }
        #expect(!plurals.isEmpty)
        for forms in plurals {
            #expect(Set(forms.keys) == PluralRules.requiredCategories(language: code))
        }
    }

    @Test func onlyHTMLKeysHoldMarkup() {
        for code in Localization.shippedLanguages {
            for (key, value) in leaves(localization.plainTable(code)) where !key.hasSuffix("_html") {
                if let text = value as? String { #expect(!text.contains("<"), "\(code): \(key)") }
            }
        }
    }

    @Test func pluralRulesFollowCLDR() {
        #expect(PluralRules.category(for: 1, language: "nl") == "one")
        #expect(PluralRules.category(for: 0, language: "en") == "other")
        #expect(["pl": [1, 2, 5, 22, 25, 112]].flatMap { lang, ns in ns.map { PluralRules.category(for: $0, language: lang) } }
            == ["one", "few", "many", "few", "many", "many"])
        #expect([1, 21, 11, 3, 14, 5].map { PluralRules.category(for: $0, language: "uk") }
            == ["one", "one", "many", "few", "many", "many"])
        #expect([0, 1, 2, 3, 11, 100].map { PluralRules.category(for: $0, language: "ar") }
            == ["zero", "one", "two", "few", "many", "other"])
    }

    @Test func fillsPlaceholdersAndPlurals() {
        #expect(Localization.fill("Nog {seconds} seconden", ["seconds": "30"]) == "Nog 30 seconden")
        #expect(Localization.fill("{a} en {b}, {a}", ["a": "1", "b": "2"]) == "1 en 2, 1")
        // A value is written as it is: a customer's name with braces fills in nothing further.
        #expect(Localization.fill("Dag {name}, {date}", ["name": "{date}", "date": "1 mei"]) == "Dag {date}, 1 mei")
        #expect(Localization.fill("{unknown} {open", ["name": "x"]) == "{unknown} {open")
        #expect(Localization.fill("geen", [:]) == "geen")
        #expect(localization.text("customer.title", "en") == localization.text("customer.title", "en", ["unused": "x"]))
        #expect(localization.text("no.such.key", "en") == "no.such.key")
        #expect(localization.text("lang", "en") == "lang", "a group of texts is not a text")
        let text = localization.plural("idle.seconds_left", count: 1, "en", ["seconds": "1"])
        #expect(text.contains("1") && !text.contains("{"))
    }

    /// A key is used when a template names it (`t.key`), when Swift code names it as a literal, or
    /// when it belongs to a family the code builds from its own values (task groups, error kinds).
    @Test func everyKeyIsUsed() throws {
        var corpus = ""
        for folder in ["/www/templates", "/Sources/BalieWeb"] {
            let root = repositoryRoot + folder
            for case let file as String in FileManager.default.enumerator(atPath: root)! where file.hasSuffix(".mustache") || file.hasSuffix(".swift") {
                corpus += try String(contentsOfFile: root + "/" + file, encoding: .utf8)
            }
        }
        let dynamic = Set(TaskGroup.allCases.flatMap { ["groups.\($0.translationKey).name", "groups.\($0.translationKey).description"] })
            .union(TaskGroup.allCases.flatMap { $0.exampleTasks.map { "tasks.\($0)" } })
            .union(WebApp.errorKinds.flatMap { ["errors.\($0).title", "errors.\($0).message"] })
            .union(StaffRole.allCases.map(WebApp.roleKey))
            .union(Channel.allCases.map { "channels.\(WebApp.key($0.rawValue))" })
            .union(PreferredChannel.allCases.map { "preferred_channels.\(WebApp.key($0.rawValue))" })
            .union(AccessibilityNeed.allCases.map { "needs.\(WebApp.key($0.rawValue))" })
            .union(Consent.Purpose.allCases.map { "consent.purposes.\(WebApp.key($0.rawValue))" })
            .union(Consent.Method.allCases.map { "consent.how.\(WebApp.key($0.rawValue))" })
            .union(["morning", "afternoon", "evening"].map { "greetings.\($0)" })
            .union(StepActor.allCases.map { "actors.\(WebApp.key($0.rawValue))" })
            .union(SelfReliance.allCases.map { "feedback.reliance_\(WebApp.key($0.rawValue))" })
            .union((1...7).map { "feedback.effort_\($0)" })
            .union(["resolved", "partly", "referred", "follow_up", "not_possible"].flatMap { ["outcomes.\($0)", "outcome_texts.\($0)"] })
            .union(SessionRules.Refusal.allCases.map { "session.errors.\($0.key)" })
            .union(HelpRules.Refusal.allCases.map { "help.errors.\($0.key)" })
            .union(HelpRequest.Status.allCases.map { "help.status.\($0.rawValue)" })
            .union(AuditEvent.Action.allCases.map { "audit_actions.\(WebApp.key($0.rawValue))" })
            .union(Kiosk.Kind.allCases.map { "kiosk_kinds.\(WebApp.key($0.rawValue))" })
            // The insights name their tables, columns and row labels from InsightReport's data.
            .union(leaves(localization.plainTable("nl")).keys.filter { key in
                ["figures", "tables", "explanations", "label_columns", "columns", "weekdays", "done_by", "visits", "measures"]
                    .contains { key.hasPrefix("insights.\($0).") }
            })
        // A template may also open a section on the parent (`{{#t.components.field}}`) and name the leaf inside.
        func usedInSection(_ key: String) -> Bool {
            guard let dot = key.lastIndex(of: ".") else { return false }
            return corpus.contains("{{#t.\(key[..<dot])}}") && corpus.contains("{{\(key[key.index(after: dot)...])}}")
        }
        let unused = leaves(localization.plainTable("nl")).keys.filter { key in
            !dynamic.contains(key) && !corpus.contains("t.\(key)") && !corpus.contains("\"\(key)\"") && !usedInSection(key)
        }
        #expect(unused.sorted() == [])
        let missing = dynamic.filter { localization.text($0, "nl") == $0 }
        #expect(missing.sorted() == [])
    }
}
