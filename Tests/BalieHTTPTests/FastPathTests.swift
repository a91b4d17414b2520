import Foundation
import Testing
@testable import BalieHTTP

/// The parts of the static fast path and of the per-request bookkeeping that can be checked without
/// a socket (the end-to-end equivalence is in Tests/e2e/test_http.py).
@Suite struct FastPathTests {
    func folder(_ files: [String: String]) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("fast-\(UUID().uuidString)").path
        for (name, text) in files {
            let path = root + "/" + name
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        return root
    }

    func lookup(_ files: StaticFiles, _ path: String) -> StaticFiles.Variants? {
        Array(path.utf8).withUnsafeBytes { files.byRawPath.lookup($0) }
    }

    @Test func rawPathsFindEveryFileUnderBothNames() throws {
        var names: [String: String] = ["a.css": "a{}", "icons/b.svg": "<svg/>", "odd%41.txt": "x"]
        for index in 0..<40 { names["many/\(index).txt"] = "file \(index)" }
        let files = try StaticFiles(directory: folder(names))
        for name in names.keys where !name.contains("%") {
            let plain = try #require(lookup(files, "/static/" + name), "\(name)")
            #expect(plain.identity.ok.bytes == Array(names[name]!.utf8))
            #expect(plain.identity.ok.headers["Cache-Control"] == StaticFiles.revalidateCacheControl)
            let fingerprinted = try #require(lookup(files, files.url(for: name)))
            #expect(fingerprinted.identity.ok.headers["Cache-Control"] == StaticFiles.immutableCacheControl)
        }
        // Not there, a prefix of a name, another folder, and a name with a percent sign (left to the
        // ordinary way, which decodes it) are not found.
        for path in ["/static/none.css", "/static/a.cs", "/static/", "/a.css", "/static/a.css/", "/static/odd%41.txt", ""] {
            #expect(lookup(files, path) == nil, "\(path)")
        }
    }

    @Test func preparedAnswerChoosesFormAndRevalidates() throws {
        let big = String(repeating: "body { color: black; } ", count: 50)
        let files = try StaticFiles(directory: folder(["big.css": big]))
        let variants = try #require(lookup(files, "/static/big.css"))
        #expect(variants.answer(acceptEncoding: nil, ifNoneMatch: nil) === variants.identity.ok)
        let gzip = variants.answer(acceptEncoding: "gzip, br", ifNoneMatch: nil)
        #expect(gzip === variants.gzip?.ok && gzip.headers["Content-Encoding"] == "gzip")
        let tag = try #require(variants.identity.ok.headers["ETag"])
        let notModified = variants.answer(acceptEncoding: "gzip", ifNoneMatch: tag)
        #expect(notModified.status == .notModified && notModified.bytes.isEmpty)
        #expect(notModified.headers["Content-Type"] == nil && notModified.headers["Content-Encoding"] == nil)
        #expect(notModified.headers["ETag"] == gzip.headers["ETag"])
        #expect(variants.answer(acceptEncoding: nil, ifNoneMatch: "\"other\"").status == .ok)
        // The fast path's pointers are the same answers.
        for accept in [nil, "gzip", "br"] as [String?] {
            for tags in [nil, tag, gzip.headers["ETag"], "\"other\""] as [String?] {
                let prepared = variants.answer(acceptEncoding: accept, ifNoneMatch: tags)
                let native = variants.nativeAnswer(acceptEncoding: accept, ifNoneMatch: tags)
                #expect(native.response == prepared.native && native.status == UInt32(prepared.status.code))
            }
        }
    }

    @Test func accessLogLineHasEveryFieldAndNothingMore() {
        #expect(
            AccessLogLine.format(method: "GET", route: "/static/*", status: 200, microseconds: 0, idPrefix: "abc", number: 7)
                == "GET /static/* 200 0us id=abc-7")
        #expect(
            AccessLogLine.format(
                method: "POST", route: "/sessions/:id/steps", status: 303, microseconds: 1_234_567, idPrefix: "1x878g6",
                number: UInt64.max) == "POST /sessions/:id/steps 303 1234567us id=1x878g6-18446744073709551615")
        #expect(AccessLogLine.format(method: "HEAD", route: "-", status: 0, microseconds: 10, idPrefix: "", number: 10)
            == "HEAD - 0 10us id=-10")
        for value: UInt64 in [0, 9, 10, 99, 100, 999_999, 1_000_000] {
            #expect(AccessLogLine.digitCount(value) == String(value).count)
        }
    }

    @Test func stripedCounterSumsWhatManyThreadsAdd() async {
        let counter = StripedCounter()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<10_000 { counter.add(1) }
                    for _ in 0..<2_500 { counter.add(-1) }
                }
            }
        }
        #expect(counter.total == 8 * 7_500)
    }

    @Test func metricsFromManyThreadsAddUp() async {
        let metrics = ServerMetrics()
        await withTaskGroup(of: Void.self) { group in
            for thread in 0..<6 {
                group.addTask {
                    for index in 0..<1_000 {
                        metrics.record(route: "/static/*", method: "GET", status: 200, seconds: 0.0005)
                        if index % 10 == 0 {
                            metrics.record(route: "/static/*", method: "GET", status: 304, seconds: 0.002)
                        }
                        if thread == 0 { metrics.record(route: "/healthz", method: "HEAD", status: 200, seconds: 3) }
                    }
                }
            }
        }
        let series = metrics.series
        #expect(series.first { $0.route == "/static/*" && $0.status == 200 }?.count == 6_000)
        #expect(series.first { $0.route == "/static/*" && $0.status == 304 }?.count == 600)
        #expect(series.first { $0.route == "/healthz" }?.count == 1_000)
        let histogram = metrics.histograms.first { $0.route == "/static/*" }
        #expect(histogram?.count == 6_600)
        #expect(histogram?.cumulative.first == 6_000)  // ≤ 1 ms
        #expect(histogram?.cumulative[1] == 6_600)  // ≤ 2.5 ms: the 304s too
        #expect(metrics.histograms.first { $0.route == "/healthz" }?.cumulative.last == 1_000)  // ≤ 5 s
    }
}
