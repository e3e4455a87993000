// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "approval-rules",
    products: [
        .library(name: "ApprovalRules", targets: ["ApprovalRules"]),
        .library(name: "ApprovalJSON", targets: ["ApprovalJSON"]),
        .library(name: "ApprovalBatch", targets: ["ApprovalBatch"]),
        .library(name: "ApprovalBlockCache", targets: ["ApprovalBlockCache"]),
        .library(name: "ApprovalLedger", targets: ["ApprovalLedger"]),
        .library(name: "ApprovalLedgerPostgres", targets: ["ApprovalLedgerPostgres"]),
        .library(name: "ApprovalNotices", targets: ["ApprovalNotices"]),
        .library(name: "ApprovalService", targets: ["ApprovalService"]),
        .executable(name: "approvalctl", targets: ["approvalctl"]),
        .executable(name: "approvalctl-live", targets: ["approvalctl-live"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // MARK: Engine (jansson + standard library only)
        .systemLibrary(
            name: "CJansson",
            pkgConfig: "jansson",
            providers: [.apt(["libjansson-dev"])]
        ),
        .target(name: "ApprovalJSON", dependencies: ["CJansson"]),
        .target(name: "ApprovalRules", dependencies: ["ApprovalJSON"]),
        // Many snapshots at once: sources, an ordered parallel evaluator, summaries, comparisons.
        .target(name: "ApprovalBatch", dependencies: ["ApprovalRules", "ApprovalJSON"]),

        // MARK: Snapshot blocks kept between dry runs
        .target(
            name: "ApprovalBlockCache",
            dependencies: [
                "ApprovalBatch",
                "ApprovalRules",
                "ApprovalJSON",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: Decision records (SQLite through GRDB; SHA-256 from swift-crypto)
        .target(
            name: "ApprovalLedger",
            dependencies: [
                "ApprovalBatch",
                "ApprovalRules",
                "ApprovalJSON",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: The same ledger on PostgreSQL (PostgresNIO): several service instances, one record
        .target(
            name: "ApprovalLedgerPostgres",
            dependencies: [
                "ApprovalLedger",
                "ApprovalRules",
                "ApprovalJSON",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: Notice delivery (the ledger's outbox to webhooks through the client's HTTP transport,
        // and to e-mail through a sendmail-compatible program; HMAC from swift-crypto)
        .target(
            name: "ApprovalNotices",
            dependencies: [
                "ApprovalClient",
                "ApprovalLedger",
                "ApprovalRules",
                "ApprovalJSON",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: Decision service (Hummingbird 2, swift-service-lifecycle, swift-prometheus)
        .target(
            name: "ApprovalService",
            dependencies: [
                "ApprovalClient",
                "ApprovalLedger",
                "ApprovalNotices",
                "ApprovalRules",
                "ApprovalJSON",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // The OpenAPI description the service serves at /openapi.json, compiled in.
            resources: [.embedInCode("openapi.json")]
        ),

        // MARK: Transport side (knows nothing about rules)
        .target(
            name: "ApprovalClient",
            dependencies: [
                "ApprovalJSON",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .target(
            name: "ApprovalAPISimulator",
            dependencies: [
                "ApprovalJSON",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "approval-api-sim", dependencies: ["ApprovalAPISimulator"]),

        // MARK: Workload generator (benchmarks, tests, fuzz seeds)
        .target(name: "ApprovalWorkload", dependencies: ["ApprovalJSON"]),
        .executableTarget(name: "approval-workload", dependencies: ["ApprovalWorkload", "ApprovalJSON"]),
        .executableTarget(
            name: "approval-bench",
            dependencies: ["ApprovalRules", "ApprovalWorkload", "ApprovalJSON"],
            path: "Benchmarks/Sources/approval-bench"
        ),
        .executableTarget(
            name: "approval-ledger-bench",
            dependencies: [
                "ApprovalBatch", "ApprovalLedger", "ApprovalLedgerPostgres", "ApprovalRules", "ApprovalJSON",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/Sources/approval-ledger-bench"
        ),
        .executableTarget(
            name: "approval-service-floor",
            dependencies: [
                "ApprovalJSON", "ApprovalRules", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/Sources/approval-service-floor"
        ),

        // MARK: Fuzz targets (libFuzzer in fuzz builds; see Fuzz/run.sh)
        .executableTarget(name: "FuzzJSON", dependencies: ["ApprovalJSON"], path: "Fuzz/Sources/FuzzJSON"),
        .executableTarget(
            name: "FuzzRules", dependencies: ["ApprovalRules", "ApprovalJSON"], path: "Fuzz/Sources/FuzzRules"),
        .executableTarget(
            name: "FuzzEvaluate", dependencies: ["ApprovalRules", "ApprovalJSON", "ApprovalWorkload"],
            path: "Fuzz/Sources/FuzzEvaluate"),

        // MARK: Command-line tool
        // `approvalctl` decides saved snapshots and starts fast: it links neither the HTTP client
        // nor the concurrency runtime's worker threads. The commands that talk to the approvals
        // API live in `approvalctl-live`, which `approvalctl` runs (execv, same arguments) from
        // its own folder. What both need (console, exit codes, option groups, inputs, decision
        // output, the decision ledger's commands) is in ApprovalCLI.
        .target(
            name: "ApprovalCLI",
            dependencies: [
                "ApprovalBatch",
                "ApprovalBlockCache",
                "ApprovalLedger",
                "ApprovalRules",
                "ApprovalJSON",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "approvalctl",
            dependencies: [
                "ApprovalBatch",
                "ApprovalBlockCache",
                "ApprovalCLI",
                "ApprovalRules",
                "ApprovalJSON",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "approvalctl-live",
            dependencies: [
                "ApprovalBatch",
                "ApprovalCLI",
                "ApprovalLedger",
                "ApprovalLedgerPostgres",
                "ApprovalNotices",
                "ApprovalService",
                "ApprovalRules",
                "ApprovalJSON",
                "ApprovalClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: Tests
        // What the ledger suites of several test targets share: a throwaway PostgreSQL cluster and
        // a fresh ledger of either backend per test.
        .target(
            name: "LedgerTestSupport",
            dependencies: [
                "ApprovalLedger", "ApprovalLedgerPostgres", "ApprovalRules",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/LedgerTestSupport"
        ),
        .testTarget(
            name: "ApprovalJSONTests",
            dependencies: ["ApprovalJSON"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "ApprovalRulesTests",
            dependencies: ["ApprovalRules", "ApprovalJSON", "ApprovalWorkload"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "ApprovalClientTests",
            dependencies: ["ApprovalClient", "ApprovalAPISimulator", "ApprovalJSON"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "ApprovalBatchTests",
            dependencies: ["ApprovalBatch", "ApprovalRules", "ApprovalJSON", "ApprovalWorkload"]
        ),
        .testTarget(
            name: "ApprovalBlockCacheTests",
            dependencies: [
                "ApprovalBlockCache", "ApprovalBatch", "ApprovalRules", "ApprovalJSON",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ApprovalLedgerTests",
            dependencies: [
                "ApprovalLedger", "ApprovalLedgerPostgres", "LedgerTestSupport", "ApprovalBatch", "ApprovalRules",
                "ApprovalJSON", "ApprovalWorkload",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ApprovalNoticesTests",
            dependencies: [
                "ApprovalNotices", "ApprovalLedger", "ApprovalLedgerPostgres", "LedgerTestSupport", "ApprovalClient",
                "ApprovalRules", "ApprovalJSON",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // The CLI tests run the built executables: depending on them builds them first.
                "approvalctl", "approvalctl-live",
            ],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "ApprovalWorkloadTests",
            dependencies: ["ApprovalWorkload", "ApprovalJSON"]
        ),
        .testTarget(
            name: "ApprovalHardeningTests",
            dependencies: ["ApprovalRules", "ApprovalJSON", "ApprovalWorkload"],
            exclude: ["Fixtures"]
        ),
        // The tests run the built executables (approval-api-sim for the live ones): depending on
        // them makes `swift test` build them first.
        .testTarget(
            name: "approvalctlTests",
            dependencies: [
                "ApprovalCLI", "ApprovalJSON", "ApprovalWorkload", "approvalctl", "approvalctl-live",
                "approval-api-sim",
            ],
            exclude: ["Fixtures"]
        ),
    ]
)

// Swift 6 language mode everywhere, plus the upcoming features swift-log enables.
for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.swiftLanguageMode(.v6))
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}

// `make test-asan` sets APPROVAL_JSON_ONLY=1: the AddressSanitizer run covers the module that owns
// every jansson pointer, and need not rebuild the HTTP stack with the sanitizer to do it.
if Context.environment["APPROVAL_JSON_ONLY"] == "1" {
    package.dependencies = []
    package.products = package.products.filter { $0.name == "ApprovalJSON" }
    package.targets = package.targets.filter { ["CJansson", "ApprovalJSON", "ApprovalJSONTests"].contains($0.name) }
}
