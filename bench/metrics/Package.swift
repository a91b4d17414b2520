// swift-tools-version:6.2
// The cost of counting one answered request (issue #20): Balie's ServerMetrics (per-thread shards) against
// swift-metrics with swift-prometheus, and a same-run baseline. A package of its own, so that the product's
// build does not carry swift-prometheus for a benchmark; bench/metrics/run.sh builds and runs it.
import Foundation
import PackageDescription

// A path dependency is named by its folder: the repository's, whatever it is called where it was cloned.
let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

let package = Package(
    name: "balie-metrics-bench",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(path: repository.path),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .executableTarget(
            name: "balie-metrics-bench",
            dependencies: [
                .product(name: "BalieHTTP", package: repository.lastPathComponent),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
