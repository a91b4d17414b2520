import BalieCore
import BalieHTTP
import Foundation

/// Operations' view of the server in Prometheus text format: requests by route pattern and status,
/// requests in flight, open event streams, display listeners, and the size of the data. Figures only:
/// never a path, a query value or anything about a customer.
extension WebApp {
    public func attach(to server: Server) {
        attachedServer.set(server)
    }

    /// `/metrics` tells how busy the server is: only to this machine (a scraper beside it) or to a bearer
    /// token with the `metrics:read` scope; anyone else gets 404, as if there were nothing.
    private func checkMetricsAccess(_ request: PageRequest) throws {
        if Self.isLoopback(request.http.clientAddress) && (configuration.trustedProxy == nil || request.http.headers["X-Forwarded-For"] == nil) { return }
        guard let header = request.http.headers["Authorization"], header.hasPrefix("Bearer "),
            let token = try database.token(hash: SecretHash.of(String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces))),
            token.state(at: Date()) == .active, token.scopes.contains(.metricsRead)
        else { throw PageError.notFound("No such page.") }
    }

    func registerMetricsRoutes() {
        get("/metrics") { [unowned self] request in
            try checkMetricsAccess(request)
            var lines: [String] = []
            func gauge(_ name: String, _ help: String, _ value: Double) {
                lines += ["# HELP \(name) \(help)", "# TYPE \(name) gauge", "\(name) \(Self.number(value))"]
            }
            func counter(_ name: String, _ help: String, _ value: Int) {
                lines += ["# HELP \(name) \(help)", "# TYPE \(name) counter", "\(name) \(value)"]
            }
            if let server = attachedServer.get() {
                lines += ["# HELP balie_http_requests_total Requests answered, by route pattern, method and status.",
                          "# TYPE balie_http_requests_total counter"]
                let series = server.metrics.series
                for item in series {
                    lines.append("balie_http_requests_total{route=\"\(Self.label(item.route))\",method=\"\(Self.label(item.method))\",status=\"\(item.status)\"} \(item.count)")
                }
                lines += ["# HELP balie_http_request_seconds_sum Time spent answering, by route pattern, method and status.",
                          "# TYPE balie_http_request_seconds_sum counter"]
                for item in series {
                    lines.append("balie_http_request_seconds_sum{route=\"\(Self.label(item.route))\",method=\"\(Self.label(item.method))\",status=\"\(item.status)\"} \(Self.number(item.totalSeconds))")
                }
                lines += ["# HELP balie_http_request_duration_seconds Time to answer, by route pattern and method.",
                          "# TYPE balie_http_request_duration_seconds histogram"]
                for item in server.metrics.histograms {
                    let labels = "route=\"\(Self.label(item.route))\",method=\"\(Self.label(item.method))\""
                    for (bound, count) in zip(ServerMetrics.latencyBuckets, item.cumulative) {
                        lines.append("balie_http_request_duration_seconds_bucket{\(labels),le=\"\(Self.number(bound))\"} \(count)")
                    }
                    lines.append("balie_http_request_duration_seconds_bucket{\(labels),le=\"+Inf\"} \(item.count)")
                    lines.append("balie_http_request_duration_seconds_sum{\(labels)} \(Self.number(item.sum))")
                    lines.append("balie_http_request_duration_seconds_count{\(labels)} \(item.count)")
                }
                gauge("balie_http_requests_in_flight", "Requests being read or answered.", Double(server.requestsInFlight))
                gauge("balie_http_open_streams", "Open event streams.", Double(server.openStreamCount))
            }
            gauge("balie_display_listeners", "Waiting-room displays listening for calls.", Double(queueEvents.listenerCount))
            gauge("balie_help_streams", "Open event streams of remote support (kiosks and remote colleagues).", Double(helpChannels.streamCount))
            gauge("balie_help_requests_waiting", "Help requests waiting for a remote colleague.", Double(try database.openHelpRequestCount(kiosk: nil, branch: nil)))
            gauge("balie_customers", "Customers in the shared record.", Double(try database.customerCount()))
            gauge("balie_open_sessions", "Assisted sessions not yet closed.", Double(try database.openSessions(branches: .all).count))
            let commits = database.commits.snapshot
            lines += ["# HELP balie_db_commit_seconds Time to make a write durable (commit with fsync).", "# TYPE balie_db_commit_seconds histogram"]
            for (bound, count) in zip(CommitStatistics.bounds, commits.cumulative) {
                lines.append("balie_db_commit_seconds_bucket{le=\"\(Self.number(bound))\"} \(count)")
            }
            lines += ["balie_db_commit_seconds_bucket{le=\"+Inf\"} \(commits.count)", "balie_db_commit_seconds_sum \(Self.number(commits.sum))",
                      "balie_db_commit_seconds_count \(commits.count)"]
            counter("balie_db_write_errors_total", "Requests refused because the database could not store or read (full disk, locked, read-only).",
                    commits.failures)
            let sessions = try database.sessionCounts()
            counter("balie_sessions_started_total", "Assisted sessions started.", sessions.started)
            counter("balie_sessions_finished_total", "Assisted sessions finished.", sessions.finished)
            lines += ["# HELP balie_queue_waiting Walk-in tickets waiting today, per branch.", "# TYPE balie_queue_waiting gauge"]
            for branch in try database.allBranches() {
                let waiting = try database.tickets(branch: branch.code, day: queueDay(branch), statuses: [.waiting]).count
                lines.append("balie_queue_waiting{branch=\"\(Self.label(branch.code))\"} \(waiting)")
            }
            gauge("balie_uptime_seconds", "Seconds since the server started.", Date().timeIntervalSince(startedAt))
            return Response(contentType: "text/plain; version=0.0.4; charset=utf-8", bytes: Array((lines.joined(separator: "\n") + "\n").utf8))
        }
    }

    /// A label value in the Prometheus text format: backslash, double quote and line feed escaped.
    static func label(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x5C || $0 == 0x22 || $0 == 0x0A }) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 8)
        for byte in text.utf8 {
            switch byte {
            case 0x5C: out += [0x5C, 0x5C]  // \ as \\
            case 0x22: out += [0x5C, 0x22]  // " as \"
            case 0x0A: out += [0x5C, 0x6E]  // line feed as \n
            default: out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}

/// The running server, set once it starts.
final class ServerReference: @unchecked Sendable {
    private let lock = NSLock()
    private weak var server: Server?
    func set(_ value: Server) { lock.lock(); server = value; lock.unlock() }
    func get() -> Server? { lock.lock(); defer { lock.unlock() }; return server }
}
