// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "approval-rules",
        products: [
        .library(name: "ApprovalRules", targets: ["ApprovalRules"]),
        .library(name: "ApprovalJSON", targets: ["ApprovalJSON"]),
        .executable(name: "approvalctl", targets: ["approvalctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
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

        // MARK: Command-line tool
        .executableTarget(
            name: "approvalctl",
            dependencies: [
                "ApprovalRules",
                "ApprovalJSON",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: Tests
        .testTarget(
            name: "ApprovalJSONTests",
            dependencies: ["ApprovalJSON"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "ApprovalRulesTests",
            dependencies: ["ApprovalRules", "ApprovalJSON"]
        ),
        .testTarget(
            name: "approvalctlTests",
            dependencies: ["ApprovalJSON"]
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
