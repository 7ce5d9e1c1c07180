// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "rdmatop",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "rdmatop", targets: ["RdmaTop"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Wire formats: Ethernet/VLAN/IP/UDP/BTH and every extended header, the opcode
        // table, ICRC, the encoder. Pure Swift, no I/O. (Module `RoCE`: a module named
        // `Decoder` would shadow `Swift.Decoder`.)
        .target(name: "RoCE", path: "Sources/Decoder"),
        // Capture files: pcap and pcapng readers, a pcapng writer.
        .target(name: "Capture"),
        .executableTarget(
            name: "RdmaTop",
            dependencies: [
                "RoCE", "Capture",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "RoCETests", dependencies: ["RoCE"]),
        .testTarget(name: "CaptureTests", dependencies: ["Capture"]),
    ]
)
