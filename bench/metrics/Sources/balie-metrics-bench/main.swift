// Counts the same mix of answered requests four ways and prints nanoseconds per request, with 1 and 2 threads:
//   baseline    one relaxed atomic add per request: the least any counter costs, measured in the same run;
//   balie       BalieHTTP's ServerMetrics.record, as the server calls it when a request completes (count and
//               seconds by route, method and status; latency histogram by route and method; per-thread shards);
//   swift-metrics  the swift-metrics API with swift-prometheus behind it (MetricsSystem.bootstrap), as a server
//               using that API counts a request whose labels are known only then: Counter(label:dimensions:)
//               .increment() and Timer(label:dimensions:).recordNanoseconds(_:);
//   prometheus  swift-prometheus directly, with the Counter and DurationHistogram of each label set made once and
//               kept in a dictionary behind a lock by the caller: the cheapest way to use it.
// Usage: balie-metrics-bench [requests per thread] [rounds]. Each figure is the median of the rounds.
import BalieHTTP
import CoreMetrics
import Foundation
import Prometheus
import Synchronization

let requestsPerThread = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1])! : 1_000_000
let rounds = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2])! : 5

struct Answered: Sendable {
    let route: String, method: String, status: Int, nanoseconds: Int64
    var statusText: String { String(status) }
}

/// A mix like the access log's: 12 route patterns, GET and POST (and the odd other method), a few statuses.
let mix: [Answered] = {
    let routes = ["/", "/staff", "/customers", "/customers/:number", "/sessions/:id", "/sessions/:id/steps", "/healthz",
                  "/static/*", "/api/v1/customers", "/queue", "/remote", "-"]
    var state: UInt64 = 20
    func next() -> Int { state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407; return Int(state >> 33) }
    return (0..<4_096).map { _ in
        let route = routes[next() % routes.count]
        let method = next() % 10 < 7 ? "GET" : next() % 10 == 0 ? "HEAD" : "POST"
        let status = [200, 200, 200, 200, 303, 304, 404, 422][next() % 8]
        return Answered(route: route, method: method, status: status, nanoseconds: Int64(200_000 + next() % 5_000_000))
    }
}()

/// Runs `body` for every request of the mix on `threads` threads at once; nanoseconds per request.
func measure(threads: Int, _ body: @escaping @Sendable (Answered) -> Void) -> Double {
    let start = DispatchSemaphore(value: 0), done = DispatchGroup()
    let elapsed = Mutex<[UInt64]>([])
    for _ in 0..<threads {
        done.enter()
        let thread = Thread {
            start.wait()
            let t0 = DispatchTime.now().uptimeNanoseconds
            var index = 0
            for _ in 0..<requestsPerThread {
                body(mix[index])
                index = (index + 1) & (mix.count - 1)
            }
            let t1 = DispatchTime.now().uptimeNanoseconds
            elapsed.withLock { $0.append(t1 - t0) }
            done.leave()
        }
        thread.start()
    }
    for _ in 0..<threads { start.signal() }
    done.wait()
    // Wall time of the slowest thread, per request it counted: what the counting costs a request.
    return Double(elapsed.withLock { $0.max()! }) / Double(requestsPerThread)
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

// Baseline.
let atomic = Atomic<Int>(0)
// Balie.
let balie = ServerMetrics()
// swift-metrics over swift-prometheus.
let viaMetricsRegistry = PrometheusCollectorRegistry()
MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: viaMetricsRegistry))
// swift-prometheus with handles kept by the caller.
let directRegistry = PrometheusCollectorRegistry()
struct LabelSet: Hashable { let route: String, method: String, status: Int }
final class Handles: Sendable {
    let counters = Mutex<[LabelSet: Prometheus.Counter]>([:])
    let histograms = Mutex<[LabelSet: DurationHistogram]>([:])
}
let handles = Handles()
let buckets: [Duration] = ServerMetrics.latencyBuckets.map { .nanoseconds(Int64($0 * 1e9)) }

let approaches: [(String, @Sendable (Answered) -> Void)] = [
    ("baseline (one atomic add)", { _ in atomic.wrappingAdd(1, ordering: .relaxed) }),
    ("balie ServerMetrics.record", { request in
        balie.record(route: request.route, method: request.method, status: request.status, seconds: Double(request.nanoseconds) / 1e9)
    }),
    ("swift-metrics + swift-prometheus", { request in
        CoreMetrics.Counter(label: "balie_http_requests_total",
                dimensions: [("route", request.route), ("method", request.method), ("status", request.statusText)]).increment()
        CoreMetrics.Timer(label: "balie_http_request_duration_seconds",
                          dimensions: [("route", request.route), ("method", request.method)]).recordNanoseconds(request.nanoseconds)
    }),
    ("swift-prometheus, handles cached", { request in
        let key = LabelSet(route: request.route, method: request.method, status: request.status)
        let counter = handles.counters.withLock { counters in
            if let found = counters[key] { return found }
            let made = directRegistry.makeCounter(descriptor: MetricNameDescriptor(namespace: "balie", subsystem: "http", metricName: "requests", unitName: "total",
                                                                                        helpText: "Requests answered."),
                                                  labels: [("route", key.route), ("method", key.method), ("status", request.statusText)])
            counters[key] = made
            return made
        }
        let histogramKey = LabelSet(route: request.route, method: request.method, status: 0)
        let histogram = handles.histograms.withLock { histograms in
            if let found = histograms[histogramKey] { return found }
            let made = directRegistry.makeDurationHistogram(descriptor: MetricNameDescriptor(namespace: "balie", subsystem: "http", metricName: "request_duration",
                                                                                                  unitName: "seconds", helpText: "Time to answer."),
                                                            labels: [("route", key.route), ("method", key.method)], buckets: buckets)
            histograms[histogramKey] = made
            return made
        }
        counter.increment()
        histogram.record(.nanoseconds(request.nanoseconds))
    }),
]

print("requests per thread \(requestsPerThread), rounds \(rounds), \(ProcessInfo.processInfo.activeProcessorCount) cores")
print("approach\tthreads\tns per request\tx baseline")
for threads in [1, 2] {
    // Rounds interleave the approaches, so that a slow moment of the machine falls on all of them.
    var figures = Array(repeating: [Double](), count: approaches.count)
    for _ in 0..<rounds {
        for (index, approach) in approaches.enumerated() { figures[index].append(measure(threads: threads, approach.1)) }
    }
    let baseline = median(figures[0])
    for (index, approach) in approaches.enumerated() {
        let value = median(figures[index])
        print("\(approach.0)\t\(threads)\t\(String(format: "%.1f", value))\t\(String(format: "%.1f", value / baseline))")
    }
}
// Both registries hold what was counted (and the counts agree), so nothing above was optimised away.
let emitted = viaMetricsRegistry.emitToString()
print("series: balie \(balie.series.count), swift-metrics \(emitted.split(separator: "\n").filter { $0.hasPrefix("balie_http_requests_total") }.count)")
