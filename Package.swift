// swift-tools-version: 6.2
import PackageDescription

/// Minsheng (民声): four services that talk only over Kafka and share the libraries in `Shared/`, and the
/// command centre's console.
let package = Package(
    name: "minsheng",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "minsheng-intake", targets: ["MinshengIntake"]),
        .executable(name: "minsheng-classification", targets: ["MinshengClassification"]),
        .executable(name: "minsheng-dispatch", targets: ["MinshengDispatch"]),
        .executable(name: "minsheng-notification", targets: ["MinshengNotification"]),
        .executable(name: "minsheng-console", targets: ["MinshengConsole"]),
        .executable(name: "minsheng-ctl", targets: ["MinshengCtl"]),
        // For the fault tests: librdkafka's mock cluster as a broker process.
        .executable(name: "minsheng-mockbroker", targets: ["MinshengMockBroker"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // librdkafka 2.0.2 from Debian's librdkafka-dev.
        .systemLibrary(
            name: "CRdKafka",
            path: "Shared/CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        // The domain model and the message schemas: no I/O.
        .target(
            name: "MinshengModel",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            path: "Shared/Model"
        ),
        // Kafka producer and consumer over librdkafka.
        .target(
            name: "MinshengKafka",
            dependencies: [
                "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/Kafka"
        ),
        // What every service runs on: configuration, store, outbox, consumer loop, HTTP, metrics.
        .target(
            name: "MinshengPlatform",
            dependencies: [
                "MinshengModel",
                "MinshengKafka",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Shared/Platform"
        ),
        .executableTarget(name: "MinshengIntake", dependencies: ["MinshengPlatform"], path: "Services/Intake"),
        .executableTarget(
            name: "MinshengClassification", dependencies: ["MinshengPlatform"],
            path: "Services/Classification", exclude: ["Corpus"]
        ),
        .executableTarget(
            name: "MinshengDispatch",
            dependencies: ["MinshengPlatform", .product(name: "UnixSignals", package: "swift-service-lifecycle")],
            path: "Services/Dispatch"
        ),
        .executableTarget(
            name: "MinshengNotification",
            dependencies: [
                "MinshengPlatform",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            path: "Services/Notification"
        ),
        // The command centre's web console: its own read model of the topics, acting through dispatch's API.
        .executableTarget(
            name: "MinshengConsole",
            dependencies: [
                "MinshengPlatform", "CRdKafka",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            path: "Services/Console",
            resources: [.copy("Web")]
        ),
        // The operator's command: lag, topics, dead letters, sending events.
        .executableTarget(
            name: "MinshengCtl",
            dependencies: [
                "MinshengPlatform",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Services/Ctl"
        ),
        // librdkafka's mock cluster (rdkafka_mock.h), for the fault tests' broker process only.
        .systemLibrary(name: "CRdKafkaMock", path: "Tests/CRdKafkaMock", pkgConfig: "rdkafka"),
        .executableTarget(name: "MinshengMockBroker", dependencies: ["CRdKafkaMock"], path: "Tests/MockBroker"),
        .testTarget(
            name: "UnitTests",
            dependencies: [
                "MinshengModel", "MinshengKafka", "MinshengPlatform",
                "MinshengIntake", "MinshengClassification", "MinshengDispatch", "MinshengNotification", "MinshengCtl", "MinshengConsole",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "Tests/UnitTests"
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "MinshengModel", "MinshengKafka", "MinshengPlatform",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/IntegrationTests"
        ),
    ]
)
