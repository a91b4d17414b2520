import Testing
@testable import BalieHTTP

@Suite struct RouterTests {
    func makeRouter() -> Router<String> {
        let router = Router<String>()
        router.add("GET", "/customers/:number", "show")
        router.add("POST", "/customers/:number", "update")
        router.add("GET", "/customers/:number/sessions", "sessions")
        router.add("GET", "/", "root")
        return router
    }

    @Test func bindsPathParameters() {
        guard case .found(let route, let parameters) = makeRouter().match(method: "GET", segments: ["customers", "42"]) else {
            Issue.record("expected a match")
            return
        }
        #expect(route.handler == "show")
        #expect(route.pattern == "/customers/:number")
        #expect(parameters == ["number": "42"])
    }

    @Test func headUsesTheGetRoute() {
        guard case .found(let route, _) = makeRouter().match(method: "HEAD", segments: ["customers", "7", "sessions"]) else {
            Issue.record("expected a match")
            return
        }
        #expect(route.handler == "sessions")
    }

    @Test func wrongMethodListsAllowedMethods() {
        guard case .methodNotAllowed(let allowed) = makeRouter().match(method: "DELETE", segments: ["customers", "1"]) else {
            Issue.record("expected 405")
            return
        }
        #expect(allowed == ["GET", "HEAD", "POST"])
    }

    @Test func unknownPathIsNotFound() {
        guard case .notFound = makeRouter().match(method: "GET", segments: ["nothing", "here"]) else {
            Issue.record("expected 404")
            return
        }
    }

    @Test func rootMatchesEmptySegments() {
        guard case .found(let route, _) = makeRouter().match(method: "GET", segments: []) else {
            Issue.record("expected a match")
            return
        }
        #expect(route.handler == "root")
    }
}
