import Foundation
import Testing
@testable import BalieWeb

@Suite struct TranslatedTemplatesTests {
    let table: [String: any Sendable] = [
        "greeting": "Goedendag & welkom", "nested": ["deep": "<diep>"] as [String: any Sendable],
        "multi": "twee\nregels", "braces": "{{niet}}", "count": 3,
    ]

    @Test func writesInPlainTranslationsAndPointsPartialsAtTheCopies() throws {
        let text = "{{<layout}}{{$main}}<p>{{t.greeting}} {{{t.nested.deep}}} {{ t.nested.deep }}</p>{{> components/x}}"
            + "{{#items}}{{t.greeting}}{{name}}{{/items}}{{t.missing}}|{{t.multi}}|{{t.braces}}|{{t.count}}{{/main}}{{/layout}}"
        let copy = try #require(TranslatedTemplates.translate(text, table: table, language: "nl", templates: ["layout", "components/x"]))
        #expect(copy == "{{<nl.layout}}{{$main}}<p>Goedendag &amp; welkom <diep> &lt;diep&gt;</p>{{> nl.components.x}}"
            + "{{#items}}Goedendag &amp; welkom{{name}}{{/items}}|{{t.multi}}|{{t.braces}}|{{t.count}}{{/main}}{{/nl.layout}}")
        #expect(TranslatedTemplates.translate("{{=<% %>=}}", table: table, language: "nl", templates: []) == nil)
    }

    /// Every page template of the repository, in every language, renders the same from its copy as from
    /// the original, for a context with the shared keys and lists of one item.
    @Test func realTemplatesRenderTheSameFromTheirCopies() throws {
        let localization = try Localization(directory: repositoryRoot + "/locales")
        let tables = Dictionary(uniqueKeysWithValues: localization.languages.map { ($0.code, localization.table($0.code)) })
        let translated = try PageRenderer(directory: repositoryRoot + "/www/templates", translations: tables)
        let original = try PageRenderer(directory: repositoryRoot + "/www/templates")
        #expect(translated.templateNames.count > 30)
        for language in localization.languages.map(\.code) {
            #expect(!translated.hasCopies(for: language))
            #expect(translated.prepareCopies(for: language) && translated.hasCopies(for: language), "\(language)")
        }
        for language in localization.languages.map(\.code) {
            for name in translated.templateNames where name.hasPrefix("pages/") {
                var context: [String: Any] = ["lang": language, "t": tables[language]!, "page_title": "Titel", "csrf": "x"]
                context["staff_signed_in"] = true
                // `original` has no copies, so it renders from the templates as written.
                let fromCopy = try translated.render(name, context)
                let fromOriginal = try original.render(name, context)
                #expect(fromCopy == fromOriginal, "\(language) \(name): \(PageRenderer.firstDifference(fromCopy, fromOriginal))")
            }
        }
    }
}
