import BalieCore
import Foundation
import Testing
@testable import BalieWeb

/// What the typed page tests share (issue #20): an example layout and the comparison of both renderers.
enum TypedPageSupport {
    static let app = try! makeTestApp()
    static let reference = try! MustacheReference(directory: repositoryRoot + "/www/templates")

    /// Text that must come out escaped, right to left, and with characters outside ASCII.
    static let tricky = "Fatma <Yılmaz> & \"zoon\" 'Ali' — مرحبا"
    static let trickyEscaped = "Fatma &lt;Yılmaz&gt; &amp; &quot;zoon&quot; &#39;Ali&#39;"

    static var languages: [String] { app.localization.languages.map(\.code) }

    static func layout(language: String, signedIn: Bool, returnTo: String = "/customers/100234?x=1&y=2") -> LayoutModel {
        LayoutModel(
            lang: language, dir: language == "ar" ? "rtl" : "ltr", pageTitle: "Titel & <test>",
            assets: .init(css: "/static/css/balie.1.css", js: "/static/js/balie.1.js", icons: "/static/icons/icons.1.svg"),
            languages: [.init(code: "nl", name: "Nederlands", current: language == "nl", rtl: false),
                        .init(code: "ar", name: "العربية", current: language == "ar", rtl: true)],
            returnTo: returnTo, csrf: "csrf-token-value",
            idle: .init(seconds: 120, warnSeconds: 30, resetURL: "/kiosk/reset", stillThereURL: "/kiosk/still-there?return=%2F"),
            customerMode: !signedIn, staffMode: signedIn, staffSignedIn: signedIn, staffBar: .init(name: signedIn ? tricky : ""),
            requestID: "req-1", session: signedIn ? .init(secondsLeft: 900, warnSeconds: 120) : nil)
    }

    /// Renders `model` typed and, from `Model.fields.plain(model)` with the translations as `t`, through the Mustache
    /// library, expects the same text, and returns it. `escaped`: text of the model that must come out escaped.
    @discardableResult
    static func expectSameBothWays<Model: PageModel>(_ template: String, _ model: Model, language: String,
                                                     escaped: String? = trickyEscaped,
                                                     sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let typed = String(decoding: try app.renderer.render(template, model, language: language), as: UTF8.self)
        let mustache = try #require(reference.render(template, model, translations: app.localization.table(language)),
                                    "\(template)", sourceLocation: sourceLocation)
        #expect(typed == mustache, "\(template) in \(language): \(PageRenderer.firstDifference(typed, mustache))",
                sourceLocation: sourceLocation)
        if let escaped { #expect(typed.contains(escaped), "\(template) in \(language)", sourceLocation: sourceLocation) }
        #expect(!typed.contains("{{") && !typed.contains("<Yılmaz>"), sourceLocation: sourceLocation)
        return typed
    }

    /// The names `template` uses that `Model` lacks, in every language (each the same).
    static func unresolved<Model: TemplateModel>(_ template: String, _ model: Model.Type) throws -> Set<String> {
        var all: Set<String> = []
        for language in languages { all.formUnion(try app.renderer.compiled(template, for: model, language: language).unresolved) }
        return all
    }
}
