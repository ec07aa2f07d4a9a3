// swift-tools-version: 6.1
// Berth: LXC-style system containers as one Swift library and small per-operation commands.
import PackageDescription

/// The tools Berth installs; each is a one-line executable over `BerthCommands`.
/// One target per product, so `swift package generate-manual` names pages `berth-create.1` etc.
let tools = [
    "berth-create", "berth-destroy", "berth-ls", "berth-info", "berth-checkconfig",
    "berth-start", "berth-stop", "berth-attach", "berth-console", "berth-wait", "berth-execute",
    "berth-freeze", "berth-unfreeze", "berth-cgroup", "berth-top", "berth-copy", "berth-clone",
    "berth-snapshot", "berth-autostart", "berth-update-config", "berth-config", "berth-monitor", "berth-unshare", "berth-usernsexec", "berth-net", "berth-export", "berth-diff", "berth-device",
]

let package = Package(
    name: "Berth",
    platforms: [.macOS(.v15)],
    products: [.library(name: "BerthKit", targets: ["BerthKit"])]
        + (tools + ["berth"]).map { .executable(name: $0, targets: [$0]) },
    dependencies: [
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    ],
    targets: [
        .target(name: "CBerthLinux"),
        .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),
        .systemLibrary(name: "CAppArmor", providers: [.apt(["libapparmor-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(
            name: "BerthKit",
            dependencies: [
                "CBerthLinux", "CSeccomp", "CAppArmor", "CZlib",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .target(
            name: "BerthCommands",
            dependencies: [
                "BerthKit",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // The installed binary: all tools in one, chosen by argv[0] (see Multicall.swift).
        .executableTarget(name: "berth", dependencies: ["BerthCommands"], path: "Sources/berth"),
        .executableTarget(name: "berth-docgen", dependencies: ["BerthKit", "BerthCommands"], path: "Sources/berth-docgen"),
        .testTarget(name: "BerthKitTests", dependencies: ["BerthKit", "BerthCommands"]),
        .testTarget(
            name: "BerthIntegrationTests",
            dependencies: ["BerthKit"] + (tools + ["berth"]).map { .target(name: $0) }
        ),
    ] + tools.map { .executableTarget(name: $0, dependencies: ["BerthCommands"], path: "Sources/\($0)") },
    swiftLanguageModes: [.v6]
)
