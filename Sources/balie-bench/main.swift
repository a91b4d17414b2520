// balie-bench: customer search timed in process (issue #11, benchmark 3a).
//
// Opens the benchmark database with `AppDatabase(path:)` and times the store call the pages and the API
// use (`searchCustomers`), one query at a time, for each kind of search. The queries come from a file the
// generator writes (bench/generate.py), one per line: KIND<TAB>ARGUMENT[<TAB>ARGUMENT], where KIND is
// `name`, `number` or `postcode` (postcode and ISO birth date). No SQL here: only the store's API.
//
// Usage: balie-bench search --database FILE --queries FILE [--repeat N] [--limit N]
// Prints one line per kind: `search KIND: n=… p50=… ms p90=… ms p99=… ms max=… ms mean-results=…`.

import BalieCore
import BalieStore
import Foundation

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(2)
}

func option(_ name: String, in arguments: [String]) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
    return sorted[min(max(rank, 0), sorted.count - 1)]
}

func milliseconds(_ value: Double) -> String { String(format: "%.3f", value) }

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.first == "search" else {
    fail("usage: balie-bench search --database FILE --queries FILE [--repeat N] [--limit N]")
}
guard let path = option("--database", in: arguments), let queriesPath = option("--queries", in: arguments) else {
    fail("--database and --queries are needed")
}
let repeats = Int(option("--repeat", in: arguments) ?? "1") ?? 1
// The pages ask for one more than they show (20 + 1), to say "type more".
let limit = Int(option("--limit", in: arguments) ?? "21") ?? 21

guard let text = try? String(contentsOfFile: queriesPath, encoding: .utf8) else { fail("cannot read \(queriesPath)") }
var queries: [(kind: String, query: CustomerQuery)] = []
for line in text.split(separator: "\n") {
    let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
    switch fields.first {
    case "name" where fields.count >= 2: queries.append(("name", .name(fields[1])))
    case "name2" where fields.count >= 2: queries.append(("name2", .name(fields[1])))
    case "number" where fields.count >= 2: queries.append(("number", .number(fields[1])))
    case "postcode" where fields.count >= 3:
        guard let birth = BirthDate(iso: fields[2]) else { fail("bad birth date in \(line)") }
        queries.append(("postcode", .postcodeAndBirthDate(fields[1], birth)))
    default: continue
    }
}
guard !queries.isEmpty else { fail("no queries in \(queriesPath)") }

let openStart = DispatchTime.now().uptimeNanoseconds
let database: AppDatabase
do { database = try AppDatabase(path: path) } catch { fail("cannot open \(path): \(error)") }
print("open (and migrate check): \(milliseconds(Double(DispatchTime.now().uptimeNanoseconds - openStart) / 1e6)) ms")

// Each kind runs on its own, so its figures are not mixed with another kind's cache effects.
let kinds = ["name", "name2", "number", "postcode"].filter { kind in queries.contains { $0.kind == kind } }
for kind in kinds {
    let mine = queries.filter { $0.kind == kind }.map(\.query)
    // Warm-up: a tenth of the queries, not timed.
    for query in mine.prefix(max(1, mine.count / 10)) { _ = try? database.searchCustomers(query, limit: limit) }
    var times: [Double] = []
    times.reserveCapacity(mine.count * repeats)
    var found = 0
    for _ in 0..<repeats {
        for query in mine {
            let start = DispatchTime.now().uptimeNanoseconds
            let results: [CustomerSummary]
            do { results = try database.searchCustomers(query, limit: limit) } catch { fail("search failed: \(error)") }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            found += results.count
        }
    }
    times.sort()
    let mean = times.reduce(0, +) / Double(times.count)
    print("search \(kind): n=\(times.count) p50=\(milliseconds(percentile(times, 50))) ms p90=\(milliseconds(percentile(times, 90))) ms "
          + "p99=\(milliseconds(percentile(times, 99))) ms max=\(milliseconds(times.last!)) ms mean=\(milliseconds(mean)) ms "
          + "mean-results=\(String(format: "%.1f", Double(found) / Double(times.count)))")
}
