import BalieHTTP
import BalieStore
import Foundation
import Logging
@testable import BalieWeb

/// The repository's root, for the real `www/` and `locales/`.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

func makeTestApp() throws -> WebApp {
    var configuration = WebConfiguration()
    configuration.wwwDirectory = repositoryRoot + "/www"
    configuration.localesDirectory = repositoryRoot + "/locales"
    configuration.kioskName = "test-kiosk"
    return try WebApp(configuration: configuration, database: AppDatabase(inMemoryNamed: UUID().uuidString),
                      logger: Logger(label: "test"))
}

/// A tiny browser: keeps cookies between requests, like the kiosk's.
final class TestBrowser {
    let app: WebApp
    var cookies: [String: String] = [:]

    init(_ app: WebApp) { self.app = app }

    @discardableResult
    func get(_ target: String) throws -> Response {
        try send("GET", target)
    }

    @discardableResult
    func post(_ target: String, form: [(String, String)]) throws -> Response {
        let body = form.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
        return try send("POST", target, body: Array(body.utf8), contentType: "application/x-www-form-urlencoded")
    }

    func send(_ method: String, _ target: String, body: [UInt8] = [], contentType: String? = nil) throws -> Response {
        let parts = target.split(separator: "?", maxSplits: 1)
        let query: [(String, String?)] = parts.count > 1
            ? parts[1].split(separator: "&").map { pair in
                let kv = pair.split(separator: "=", maxSplits: 1)
                return (String(kv[0]), kv.count > 1 ? String(kv[1]) : nil)
            } : []
        var headers = HTTPHeaders()
        if !cookies.isEmpty { headers.append("Cookie", cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")) }
        if let contentType { headers.append("Content-Type", contentType) }
        let request = try Request(method: method, rawPath: String(parts[0]), rawQuery: query, headers: headers, body: body,
                                  clientAddress: "127.0.0.1", isSecure: false, requestID: "test")
        let response = app.respond(to: request)
        for header in response.headers.values("Set-Cookie") {
            let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            let name = String(pair[0]), value = pair.count > 1 ? String(pair[1]) : ""
            if header.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        return response
    }

    private func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }
}

extension Response {
    var text: String { String(decoding: bodyBytes, as: UTF8.self) }

    /// The value of the hidden CSRF field in a page.
    var csrfToken: String? {
        guard let range = text.range(of: #"name="csrf" value=""#) else { return nil }
        return String(text[range.upperBound...].prefix { $0 != "\"" })
    }
}
