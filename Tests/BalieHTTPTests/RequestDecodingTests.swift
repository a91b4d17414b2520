import Testing
@testable import BalieHTTP

@Suite struct RequestDecodingTests {
    func request(_ rawPath: String, query: [(String, String?)] = []) throws(HTTPError) -> Request {
        try Request(method: "GET", rawPath: rawPath, rawQuery: query, headers: HTTPHeaders(), body: [],
                    clientAddress: "127.0.0.1", isSecure: false, requestID: "t")
    }

    @Test func decodesPathSegmentsOneByOne() throws {
        let decoded = try request("/customers/de%20Vri%C3%ABs/a%2Fb")
        #expect(decoded.pathSegments == ["customers", "de Vriës", "a/b"])
        #expect(decoded.path == "/customers/de Vriës/a/b")
    }

    @Test(arguments: ["/%zz", "/%4", "/a%ff", "/%00", "relative"])
    func refusesBadPaths(_ raw: String) {
        #expect(throws: HTTPError.self) { try request(raw) }
    }

    @Test func decodesQueryWithPlusAsSpace() throws {
        let decoded = try request("/search", query: [("name", "de+Vries"), ("q", "a%26b"), ("flag", nil)])
        #expect(decoded.query["name"] == "de Vries")
        #expect(decoded.query["q"] == "a&b")
        #expect(decoded.query["flag"] == "")
    }

    @Test func refusesInvalidUTF8InQuery() {
        #expect(throws: HTTPError.self) { try request("/", query: [("q", "%ff%fe")]) }
    }

    @Test func decodesForms() throws {
        let form = try Request.decodeForm(Array("lang=tr&return=%2Fkiosk%3Fa%3D1&note=twee+woorden&note=".utf8))
        #expect(form["lang"] == "tr")
        #expect(form["return"] == "/kiosk?a=1")
        #expect(form.all("note") == ["twee woorden", ""])
    }

    @Test func refusesFormsWithInvalidUTF8() {
        #expect(throws: HTTPError.self) { try Request.decodeForm(Array("lang=%ff".utf8)) }
        #expect(throws: HTTPError.self) { try Request.decodeForm([0x6c, 0x3d, 0xc3, 0x28]) }
        #expect(throws: HTTPError.self) { try Request.decodeForm(Array("a=%zz".utf8)) }
    }

    @Test func refusesTooManyFormFields() {
        let body = Array((0...BodyLimits.maxFormFields).map { "f\($0)=1" }.joined(separator: "&").utf8)
        #expect(throws: HTTPError(.tooManyFields, "The form has more than \(BodyLimits.maxFormFields) fields.")) {
            try Request.decodeForm(body)
        }
    }

    @Test func formOfOtherTypeIs415() {
        let request = Request(method: "POST", path: "/", headers: HTTPHeaders([("Content-Type", "application/json")]), body: Array("{}".utf8))
        #expect(throws: HTTPError.self) { try request.form() }
        do { _ = try request.form() } catch { #expect(error.status == .unsupportedMediaType) }
    }

    struct Step: Decodable, Equatable { let who: String; let minutes: Int }

    @Test func decodesJSON() throws {
        let step = try Request.decodeJSONBody(Array(#"{"who":"customer","minutes":3}"#.utf8), as: Step.self)
        #expect(step == Step(who: "customer", minutes: 3))
    }

    @Test(arguments: [#"{"who":"#, #"{"who":"x"}"#, #"{"who":"x","minutes":"three"}"#, "\u{0}"])
    func refusesBrokenJSON(_ text: String) {
        #expect(throws: HTTPError.self) { try Request.decodeJSONBody(Array(text.utf8), as: Step.self) }
    }

    @Test func refusesDeeplyNestedJSON() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(Request.jsonDepth(Array(deep.utf8)) == 10_000)
        #expect(throws: HTTPError.self) { try Request.decodeJSONBody(Array(deep.utf8), as: [String].self) }
        #expect(Request.jsonDepth(Array(#"{"a":"[[[["}"#.utf8)) == 1)
    }

    @Test func parsesCookies() {
        let request = Request(method: "GET", path: "/", headers: HTTPHeaders([("Cookie", "balie_lang=tr; balie_visit=\"abc\"; x=1; balie_lang=nl")]))
        #expect(request.cookies == ["balie_lang": "tr", "balie_visit": "abc", "x": "1"])
        // Blanks and tabs around names and values go; a lone quote, an empty name and a part without "=" stay out.
        let spaced = Request(method: "GET", path: "/", headers: HTTPHeaders([("Cookie", " \ta = 1 \t;b=\";=x; junk ;c= ;d=\"\"")]))
        #expect(spaced.cookies == ["a": "1", "b": "\"", "c": "", "d": ""])
    }

    @Test func cookieHeaderHasTheAttributes() {
        let cookie = Cookie(name: "s", value: "v", secure: true)
        #expect(cookie.headerValue == "s=v; Path=/; HttpOnly; Secure; SameSite=Strict")
        #expect(Cookie.expired("s", secure: false).headerValue == "s=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict")
    }
}
