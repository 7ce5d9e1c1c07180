// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "rdmatop",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "rdmatop", targets: ["RdmaTop"]),
        .executable(name: "rocegen", targets: ["RoceGen"]),
        .executable(name: "rdmatop-bench", targets: ["RdmaTopBench"]),
        .executable(name: "rdmatop-fuzz", targets: ["RdmaTopFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/google/swift-benchmark", from: "0.1.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        // The HTTP server of `--listen` (/metrics): small, no SwiftNIO, quick to build.
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
    ],
    targets: [
        // Wire formats: Ethernet/VLAN/IP/UDP/BTH and every extended header, the opcode
        // table, ICRC, the encoder. Swift, no I/O; the ICRC's CRC-32 is libdeflate's. (Module
        // `RoCE`: a module named `Decoder` would shadow `Swift.Decoder`.)
        .target(name: "RoCE", dependencies: ["CDeflate"], path: "Sources/Decoder"),
        // libdeflate's CRC-32 (Debian's libdeflate-dev): 5-10x the speed of a table-driven one.
        .target(name: "CDeflate", linkerSettings: [.linkedLibrary("deflate")]),
        // Capture files: pcap and pcapng readers, pcap and pcapng writers.
        .target(name: "Capture", dependencies: ["RoCE"]),
        // The statistics engine: per-flow and per-opcode counters. Pure Swift.
        .target(name: "Stats", dependencies: ["RoCE", "CFlow", .product(name: "Histogram", package: "hdrhistogram-swift")]),
        // Headless views: the snapshot (text and versioned JSON) and the per-packet dump.
        .target(name: "Report", dependencies: ["RoCE", "Stats", "Attribution"]),
        // `--listen`: serves the Prometheus exposition of the metric table over HTTP.
        .target(name: "Exporter", dependencies: ["Report", .product(name: "FlyingFox", package: "FlyingFox"),
                                                .product(name: "FlyingSocks", package: "FlyingFox")]),
        // Simulated RoCEv2 sessions with loss, NAKs, retransmissions, ECN and CNPs.
        .target(name: "TrafficGen", dependencies: ["RoCE"]),
        .executableTarget(
            name: "RoceGen",
            dependencies: [
                "TrafficGen", "Capture",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The per-packet flow logic the BPF program runs (bpf/rdmatop_flow.h) and the layouts
        // it shares with Swift (bpf/rdmatop.h), for the engine to count files with the same code.
        .target(name: "CFlow"),
        // The C side of the probe: libbpf calls Swift cannot make directly; the layouts shared
        // with the BPF program come from CFlow.
        .target(
            name: "CProbe",
            dependencies: ["CFlow"],
            linkerSettings: [.linkedLibrary("bpf"), .linkedLibrary("elf"), .linkedLibrary("z")]
        ),
        // RDMA netlink through libmnl (Debian's libmnl-dev): the RDMA devices and the owners of
        // their QPs, as `rdma resource show qp` lists them.
        .target(name: "CRdma", linkerSettings: [.linkedLibrary("mnl")]),
        // Whose QP it is (process, QP type and state, device and port), the RDMA devices'
        // GIDs and netdevs, and their hw counters, from RDMA netlink and sysfs.
        .target(name: "Attribution", dependencies: ["CRdma", "RoCE", "Stats"]),
        // The live probe: loads the embedded BPF object, attaches it, reads events and counters.
        .target(name: "Probe", dependencies: ["CProbe", "CFlow", "CSignals", "Capture", "RoCE", "Stats"], plugins: ["EmbedBPF"]),
        // How rdmatop stops: one SIGINT/SIGTERM/SIGHUP flag for the probe and the view.
        .target(name: "CSignals"),
        // Compiles bpf/rdmatop.bpf.c and embeds the object in the Probe module.
        .plugin(name: "EmbedBPF", capability: .buildTool()),
        // Sources of packets (capture files; live probes later) wired to the engine.
        .target(name: "Monitor", dependencies: ["RoCE", "Capture", "Stats", "Report", "Probe", "CProbe", "CSignals", "Attribution"]),
        // The ncursesw calls of the interactive view, behind plain C functions (ncurses'
        // macros do not import into Swift).
        .target(name: "CCurses", linkerSettings: [.linkedLibrary("ncursesw")]),
        // The interactive view: terminal ownership, panels, keys, the run loop. It reads a
        // `PacketFeed` and knows nothing of where the packets come from.
        .target(
            name: "View",
            dependencies: ["CCurses", "CSignals", "RoCE", "Stats", "Report", "Attribution",
                           .product(name: "Histogram", package: "hdrhistogram-swift")]
        ),
        // The command line: options, validation, the file, live and view commands. A library
        // so that the fuzzing harness parses arguments as `rdmatop` does.
        .target(
            name: "RdmaTopCLI",
            dependencies: [
                "RoCE", "Capture", "Stats", "Report", "Monitor", "Probe", "View", "Attribution", "Exporter",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "RdmaTop", dependencies: ["RdmaTopCLI"]),
        // libFuzzer harnesses (`make fuzz`): one function per target, callable from tests.
        .target(
            name: "FuzzHarness",
            dependencies: ["RoCE", "Capture", "Stats", "Report", "Monitor", "Probe", "View", "TrafficGen",
                           "RdmaTopCLI", "TestSupport"]
        ),
        // What the unit tests and the fuzzing harnesses share: the test packet builder and the
        // demo engine.
        .target(name: "TestSupport", dependencies: ["RoCE", "Stats", "TrafficGen"]),
        // The libFuzzer entry points (built with `-sanitize=fuzzer`, libFuzzer supplies main).
        .executableTarget(name: "RdmaTopFuzz", dependencies: ["FuzzHarness"]),
        // `make bench`: per-packet costs of the decoder and the engine.
        .executableTarget(
            name: "RdmaTopBench",
            dependencies: ["RoCE", "Stats", "Report", "Capture", "Monitor", "View", "Probe", "CProbe",
                           .product(name: "Benchmark", package: "swift-benchmark")]
        ),
        .testTarget(name: "RoCETests", dependencies: ["RoCE"]),
        .testTarget(name: "CaptureTests", dependencies: ["Capture", "RoCE"]),
        .testTarget(name: "ProbeTests", dependencies: ["Probe", "Stats", "CFlow", "TrafficGen"]),
        // The view's pure parts without a terminal (filter, sort, keys, layout), and the file
        // replay's pacing.
        .testTarget(name: "ViewTests", dependencies: ["View", "Monitor", "RoCE", "Stats", "TestSupport", "TrafficGen", "Attribution"]),
        .testTarget(name: "StatsTests", dependencies: ["Stats", "RoCE", "TestSupport"]),
        // The metric table and the Prometheus exporter's series over time.
        .testTarget(name: "ReportTests", dependencies: ["Report", "Stats", "RoCE", "TestSupport"]),
        .testTarget(name: "AttributionTests", dependencies: ["Attribution", "RoCE", "Stats"]),
        // Every committed fuzzing input through its harness, and the crashes fuzzing found.
        .testTarget(name: "FuzzTests", dependencies: ["FuzzHarness", "RoCE", "Capture", "Monitor", "Stats"]),
        // Runs the built rdmatop and rocegen against real and generated captures, cross-checked
        // with tshark.
        .testTarget(name: "EndToEndTests", dependencies: ["RoCE", "Capture", "TrafficGen", "Stats", "CFlow"]),
    ]
)
