import Foundation
import Testing
@testable import BalieHTTP

@Suite struct StaticFilesTests {
    /// A folder with a stylesheet, a nested icon, and a link that points outside.
    func makeFolder() throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("static-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/icons", withIntermediateDirectories: true)
        try "body{}".write(toFile: root + "/app.css", atomically: true, encoding: .utf8)
        try "<svg/>".write(toFile: root + "/icons/a.svg", atomically: true, encoding: .utf8)
        try "secret".write(toFile: root + "/../outside-\(UUID().uuidString).txt", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: root + "/escape.txt", withDestinationPath: "/etc/hostname")
        return root
    }

    func get(_ files: StaticFiles, _ path: String, headers: [(String, String)] = []) -> Response {
        files.respond(to: Request(method: "GET", path: "/static/" + path, headers: HTTPHeaders(headers)), relativePath: path)
    }

    @Test func servesWithContentTypeAndETag() throws {
        let files = try StaticFiles(directory: makeFolder())
        let css = get(files, "app.css")
        #expect(css.status == .ok)
        #expect(css.headers["Content-Type"] == "text/css; charset=utf-8")
        #expect(css.bodyBytes == Array("body{}".utf8))
        #expect(css.headers["Cache-Control"] == StaticFiles.revalidateCacheControl)
        #expect(get(files, "icons/a.svg").headers["Content-Type"] == "image/svg+xml")
        let etag = try #require(css.headers["ETag"])
        let again = get(files, "app.css", headers: [("If-None-Match", etag)])
        #expect(again.status == .notModified)
        #expect(again.bodyBytes.isEmpty)
    }

    @Test func fingerprintedNamesAreImmutable() throws {
        let files = try StaticFiles(directory: makeFolder())
        let url = files.url(for: "app.css")
        #expect(url.hasPrefix("/static/app.") && url.hasSuffix(".css") && url != "/static/app.css")
        let response = get(files, String(url.dropFirst("/static/".count)))
        #expect(response.status == .ok)
        #expect(response.headers["Cache-Control"] == StaticFiles.immutableCacheControl)
    }

    @Test(arguments: ["../Package.swift", "escape.txt", "icons/../../x", "missing.css", "icons"])
    func nothingOutsideTheFolder(_ path: String) throws {
        let files = try StaticFiles(directory: makeFolder())
        #expect(get(files, path).status == .notFound)
    }

    @Test func textIsGzippedForClientsThatAcceptIt() throws {
        let root = try makeFolder()
        let text = String(repeating: ".tile { color: #0b3d91; padding: 1rem; }\n", count: 200)
        try text.write(toFile: root + "/big.css", atomically: true, encoding: .utf8)
        let files = try StaticFiles(directory: root)
        let plain = get(files, "big.css")
        #expect(plain.headers["Content-Encoding"] == nil && plain.bodyBytes == Array(text.utf8))
        #expect(plain.headers["Vary"] == "Accept-Encoding")
        let zipped = get(files, "big.css", headers: [("Accept-Encoding", "br, gzip;q=0.8")])
        #expect(zipped.headers["Content-Encoding"] == "gzip" && zipped.headers["Vary"] == "Accept-Encoding")
        #expect(zipped.bodyBytes.count < plain.bodyBytes.count / 10)
        #expect(Gzip.decompress(zipped.bodyBytes) == Array(text.utf8))
        // Each form has its own validator, and a 304 for the gzipped one names no encoding.
        let etag = try #require(zipped.headers["ETag"])
        #expect(etag != plain.headers["ETag"])
        let notModified = get(files, "big.css", headers: [("Accept-Encoding", "gzip"), ("If-None-Match", etag)])
        #expect(notModified.status == .notModified && notModified.headers["Content-Encoding"] == nil)
        #expect(get(files, "big.css", headers: [("Accept-Encoding", "gzip;q=0, identity")]).headers["Content-Encoding"] == nil)
        // A cache that holds the gzipped form may revalidate without asking for gzip, and the other way round.
        #expect(get(files, "big.css", headers: [("If-None-Match", etag)]).status == .notModified)
        #expect(get(files, "big.css", headers: [("Accept-Encoding", "gzip"), ("If-None-Match", plain.headers["ETag"]!)]).status == .notModified)
        // Too small to gain: served as is, without Vary.
        #expect(get(files, "app.css", headers: [("Accept-Encoding", "gzip")]).headers["Content-Encoding"] == nil)
    }

    @Test func acceptEncodingIsReadAsTheStandardSays() {
        #expect(Gzip.isAccepted(by: "gzip, deflate, br"))
        #expect(Gzip.isAccepted(by: "*"))
        #expect(Gzip.isAccepted(by: "GZIP;q=0.5"))
        #expect(!Gzip.isAccepted(by: "gzip;q=0"))
        #expect(!Gzip.isAccepted(by: "br, identity"))
        #expect(!Gzip.isAccepted(by: nil))
        #expect(Gzip.decompress(Array("not gzip".utf8)) == nil)
    }

    @Test func fingerprintKeepsTheExtension() {
        #expect(StaticFiles.fingerprintedName("css/app.css", hash: "ab12") == "css/app.ab12.css")
        #expect(StaticFiles.fingerprintedName("LICENSE", hash: "ab12") == "LICENSE.ab12")
        #expect(StaticFiles.fingerprintedName("v1.0/file", hash: "ab12") == "v1.0/file.ab12")
    }
}
