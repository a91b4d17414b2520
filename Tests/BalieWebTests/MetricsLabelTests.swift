import Testing
@testable import BalieWeb

/// Label values in the Prometheus text format: backslash, double quote and line feed escaped, nothing else touched.
@Suite struct MetricsLabelTests {
    @Test func escapesTheThreeCharacters() {
        #expect(WebApp.label("/sessions/:id") == "/sessions/:id")
        #expect(WebApp.label("FO\"O\nBAR") == #"FO\"O\nBAR"#)
        #expect(WebApp.label(#"a\b"#) == #"a\\b"#)
        #expect(WebApp.label("\\\"\n") == #"\\\"\n"#)
        #expect(WebApp.label("tab\there, é and 😀") == "tab\there, é and 😀")
        #expect(WebApp.label("") == "")
    }
}
