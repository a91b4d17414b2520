import Testing
@testable import BalieHTTP

/// The label set of the request metrics is bounded: a method a client makes up is counted as `other`.
@Suite struct ServerMetricsTests {
    @Test func unknownMethodsShareOneSeries() {
        let metrics = ServerMetrics()
        let odd = ["FO\"O\nBAR", "get", "BREW", String(repeating: "X", count: 5_000), "PROPFIND", "G\\ET", ""]
        for (index, method) in odd.enumerated() {
            metrics.record(route: "-", method: method, status: 404, seconds: 0.001 * Double(index))
        }
        for method in ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
            metrics.record(route: "-", method: method, status: 404, seconds: 0.001)
        }
        let series = metrics.series
        #expect(series.count == 8)
        #expect(series.first { $0.method == "other" }?.count == odd.count)
        #expect(Set(series.map(\.method)) == ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "other"])
        #expect(metrics.histograms.count == 8)
    }

    @Test func methodLabels() {
        #expect(ServerMetrics.methodLabel("GET") == "GET")
        #expect(ServerMetrics.methodLabel("TRACE") == "TRACE")
        #expect(ServerMetrics.methodLabel("Get") == "other")
        #expect(ServerMetrics.methodLabel("GET ") == "other")
    }
}
