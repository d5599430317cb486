// swift-tools-version: 6.1
import Foundation
import PackageDescription

// `traits: []` on swift-protobuf and hummingbird keeps `swift build` and `swift test` on the same feature flags,
// so switching between them does not recompile ~200 files.
let package = Package(
    name: "sms",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "smsctl", targets: ["smsctl"]),
        .executable(name: "sms-collector", targets: ["sms-collector"]),
        // For the micro-benchmarks in Benchmarks/ (a package of their own).
        .library(name: "Services", targets: ["Services"]),
        .library(name: "SMSCore", targets: ["SMSCore"]),
        .library(name: "Collector", targets: ["Collector"]),
        .library(name: "Spec", targets: ["Spec"]),
        .library(name: "Controller", targets: ["Controller"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0", traits: []),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
    ],
    targets: [
        // The layering below is the architecture, and Tests/ArchitectureTests reads `swift package dump-package`
        // to keep it so: Spec ← SMSCore ← Collector; SMSCore ← Services (the hub roles) ← Controller ← smsctl.
        // The collector links no HTTP server and no SQL; nothing depends on an executable.
        .target(
            name: "Spec",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "SMSCore",
            dependencies: [
                "Spec",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
            ],
            path: "Sources/Core",
            plugins: ["BuildInfo"]
        ),
        .target(
            name: "Collector",
            dependencies: [
                "Spec", "SMSCore",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "Services",
            dependencies: [
                "Spec", "SMSCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            plugins: ["WebAssets"]
        ),
        .target(
            name: "Controller",
            dependencies: [
                "Spec", "SMSCore", "Services",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            ]
        ),
        .executableTarget(
            name: "smsctl",
            dependencies: [
                "Spec", "SMSCore", "Collector", "Services", "Controller",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The lean collector that goes onto every machine: the core and the collector only.
        .executableTarget(
            name: "sms-collector",
            dependencies: [
                "Collector",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Stamps the build's git commit into SMSCore (`smsctl --version`); SMS_COMMIT overrides it (Docker builds).
        .plugin(name: "BuildInfo", capability: .buildTool()),
        // Builds web/ (the dashboard) into Services, so the hub and the edge serve it from the binary itself.
        .plugin(name: "WebAssets", capability: .buildTool()),
    ],
    swiftLanguageModes: [.v6]
)

// The test targets exist where Tests/ does: a Docker build copies only what the binaries are built from
// (see .dockerignore), and the package must still load there.
if FileManager.default.fileExists(atPath: Context.packageDirectory + "/Tests") {
    package.targets += [
        // Throwaway servers (Redis, PostgreSQL) and loopback helpers shared by the test targets.
        .target(
            name: "TestSupport",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "SpecTests", dependencies: ["Spec"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "ServicesTests",
            dependencies: [
                "Services", "Spec", "SMSCore", "Collector", "Controller", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "smsctlTests",
            dependencies: [
                "Spec", "SMSCore", "Collector", "Services", "Controller", "TestSupport",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            ]
        ),
    ]
}

// Fuzzing (`fuzz/run`): with SMS_FUZZ=1 the libraries that parse untrusted input carry libFuzzer's coverage
// instrumentation, and `sms-fuzz` (fuzz/targets: one entry per decoder) is added. Never set for a build that
// ships: the instrumented libraries link only into `sms-fuzz`.
if Context.environment["SMS_FUZZ"] == "1" {
    let instrumented: Set<String> = ["Spec", "SMSCore", "Services"]
    for target in package.targets where instrumented.contains(target.name) {
        target.swiftSettings = (target.swiftSettings ?? []) + [.unsafeFlags(["-sanitize=fuzzer"])]
    }
    package.targets.append(
        .executableTarget(
            name: "sms-fuzz",
            dependencies: ["Spec", "SMSCore", "Services", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "fuzz/targets",
            swiftSettings: [.unsafeFlags(["-sanitize=fuzzer"])],
            linkerSettings: [.unsafeFlags(["-sanitize=fuzzer", "-use-ld=lld"])]))
}
