// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Balie",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "balie", targets: ["balie"]),
        // For bench/metrics, a package of its own that times ServerMetrics against swift-prometheus.
        .library(name: "BalieHTTP", targets: ["BalieHTTP"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CMicroHTTPD",
            pkgConfig: "libmicrohttpd",
            providers: [.apt(["libmicrohttpd-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "CArgon2",
            pkgConfig: "libargon2",
            providers: [.apt(["libargon2-dev"])]
        ),
        .target(
            name: "BalieHTTP",
            dependencies: [
                "CMicroHTTPD",
                "CZlib",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // No dependencies: the domain as values and rules. SHA-256 and HMAC (swift-crypto, which builds BoringSSL)
        // are used where secrets are stored or checked: BalieWeb, and BalieStore for the copied box's name.
        .target(name: "BalieCore"),
        .target(
            name: "BalieStore",
            dependencies: [
                "BalieCore", "CLibPQ",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "BalieWeb",
            dependencies: [
                "BalieHTTP", "BalieCore", "CArgon2",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "balie",
            dependencies: [
                "BalieWeb", "BalieStore", "BalieCore", "BalieHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Benchmarks only (bench/, issue #11): times store calls in process; not part of the product.
        .executableTarget(name: "balie-bench", dependencies: ["BalieStore", "BalieCore"]),
        .testTarget(name: "BalieHTTPTests", dependencies: ["BalieHTTP"]),
        .testTarget(name: "BalieCoreTests", dependencies: ["BalieCore"]),
        .testTarget(
            name: "BalieStoreTests",
            dependencies: ["BalieStore", "BalieCore", "BalieWeb", .product(name: "GRDB", package: "GRDB.swift")]),
        // The Mustache library only in the tests: the reference the typed renderer is checked against (issue #20).
        .testTarget(name: "BalieWebTests", dependencies: [
            "BalieWeb", "BalieHTTP", "BalieStore", "BalieCore", .product(name: "Mustache", package: "swift-mustache"),
        ]),
        .testTarget(name: "balieTests", dependencies: ["balie"]),
    ],
    swiftLanguageModes: [.v6]
)
