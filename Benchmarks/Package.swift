// swift-tools-version: 6.1
// Micro-benchmarks of sms's hot paths (ordo-one/benchmark). A package of its own so that the benchmark
// library and its allocator hooks never enter the product's build or the test command:
//
//   cd Benchmarks && swift package benchmark                 # every benchmark, table on the terminal
//   cd Benchmarks && swift package benchmark --filter encode # a subset
import Foundation
import PackageDescription

// A path dependency is named after its folder, whatever the checkout is called.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "sms-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0", traits: []),
    ],
    targets: [
        .executableTarget(
            name: "HotPaths",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Services", package: root),
                .product(name: "Spec", package: root),
                .product(name: "SMSCore", package: root),
                .product(name: "Collector", package: root),
                .product(name: "Controller", package: root),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "HotPaths",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ],
    swiftLanguageModes: [.v6]
)
