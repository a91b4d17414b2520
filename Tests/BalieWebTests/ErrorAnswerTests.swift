import BalieCore
import BalieHTTP
import Foundation
import Testing
@testable import BalieWeb

/// The one error map (issue #20): every refusal and failure a handler throws, to the status, kind and problem type the
/// visitor gets, the same on pages and in the API.
@Suite struct ErrorAnswerTests {
    private struct Unexpected: Error {}
    private struct DatabaseDown: StorageFailure { var storageProblem: StorageProblem? { .unavailable } }

    @Test func everyKindOfErrorHasItsStatusAndKind() {
        let table: [(any Error, HTTPStatus, String)] = [
            (PageError.notFound(), .notFound, "not_found"),
            (PageError.csrf, .forbidden, "csrf"),
            (PageError.rateLimited, .tooManyRequests, "rate_limited"),
            (PageError.badRequest("x"), .badRequest, "bad_request"),
            (HTTPError(.bodyTooLarge, "too big"), .contentTooLarge, "body_too_large"),
            (HTTPError.malformed("x"), .badRequest, "bad_request"),
            (HTTPError(.methodNotAllowed, "no", allowedMethods: ["GET"]), .methodNotAllowed, "method_not_allowed"),
            (WebApp.ApiError.unauthorized, .unauthorized, "unauthorized"),
            (WebApp.ApiError.forbidden(.contactsWrite), .forbidden, "forbidden"),
            (WebApp.ApiError.notFound, .notFound, "not_found"),
            (WebApp.ApiError.invalid("q"), .unprocessableContent, "invalid_input"),
            (WebApp.ApiError.conflict("key"), .conflict, "conflict"),
            (SessionRules.Refusal.tooManySteps, .unprocessableContent, "invalid_input"),
            (BranchRules.Problem.unknownBranch, .notFound, "not_found"),
            (KioskRules.Problem.unknownKiosk, .notFound, "not_found"),
            (BranchRules.Problem.codeTaken, .conflict, "conflict"),
            (KioskRules.Problem.nameTaken, .conflict, "conflict"),
            (BranchRules.Problem.hoursInvalid, .unprocessableContent, "invalid_input"),
            (DatabaseDown(), .serviceUnavailable, "storage_unavailable"),
            (Unexpected(), .internalServerError, "internal_error"),
        ]
        for (error, status, kind) in table {
            let answer = ErrorAnswer(error)
            #expect(answer.status == status && answer.kind == kind, "\(error)")
            #expect(ErrorAnswer.kinds.contains(answer.kind), "\(answer.kind) has no locale texts")
            #expect(answer.problemType == "/problems/" + kind.replacingOccurrences(of: "_", with: "-"))
            #expect(!answer.detail.isEmpty)
        }
        #expect(ErrorAnswer(DatabaseDown()).retryAfter == 30 && ErrorAnswer(DatabaseDown()).isFailure)
        #expect(ErrorAnswer(Unexpected()).isFailure && !ErrorAnswer(PageError.csrf).isFailure)
        // Nothing of a refusal's own text reaches the visitor but its safe detail.
        #expect(ErrorAnswer(WebApp.ApiError.invalid("limit must be 1 to 100.")).detail == "limit must be 1 to 100.")
    }

    /// A page's refusal on an API route is problem JSON with its own status, and an API refusal on a page route is a
    /// page in the visitor's language: neither becomes a 500.
    @Test func pagesAndTheApiAnswerTheSameErrorAlike() throws {
        let app = try makeTestApp()
        let api = try Request(method: "GET", rawPath: "/api/v1/customers", rawQuery: [], headers: HTTPHeaders(), body: [],
                              clientAddress: "127.0.0.1", isSecure: false, requestID: "t1")
        let problem = app.errorResponse(app.answer(for: PageError.rateLimited, api), request: api)
        #expect(problem.status == .tooManyRequests)
        #expect(problem.headers["Content-Type"]?.hasPrefix("application/problem+json") == true)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(problem.bodyBytes)) as? [String: Any])
        #expect(json["type"] as? String == "/problems/rate-limited" && json["status"] as? Int == 429)

        var headers = HTTPHeaders()
        headers.append("Cookie", "balie_lang=en")
        let page = try Request(method: "GET", rawPath: "/customers", rawQuery: [], headers: headers, body: [],
                               clientAddress: "127.0.0.1", isSecure: false, requestID: "t2")
        let html = app.errorResponse(app.answer(for: WebApp.ApiError.conflict("taken"), page), request: page)
        #expect(html.status == .conflict)
        #expect(html.headers["Content-Type"]?.hasPrefix("text/html") == true)
        #expect(String(decoding: html.bodyBytes, as: UTF8.self).contains("This exists already"))

        let down = app.errorResponse(app.answer(for: DatabaseDown(), page), request: page)
        #expect(down.status == .serviceUnavailable && down.headers["Retry-After"] == "30")
    }
}
