import ArgumentParser
import Attribution
import Foundation
import Capture
import Exporter
import Monitor
import Report
import RoCE
import Stats

/// `rdmatop`: the command line. A library type, so that the fuzzing harness parses and
/// validates arguments exactly as the executable does (`RdmaTop.parseAsRoot(args)`).
public struct RdmaTop: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "rdmatop",
        abstract: "Monitor RoCEv2 (RDMA over Converged Ethernet) traffic.",
        discussion: """
            Examples:
              rdmatop --read capture.pcap                 interactive view (in a terminal)
              rdmatop --read capture.pcap --speed max     ... replayed as fast as possible
              rdmatop --read capture.pcap --once          snapshot of a capture file
              rdmatop --read capture.pcap --once --json   the same as one JSON document
              rdmatop --read capture.pcap --dump          every RoCE packet, decoded
              rdmatop -r capture.pcap --dump --qpn 0x11 --opcode write
              rdmatop enp8s0 --once --interval 5 --json   live snapshot (root)
              rdmatop enp8s0 --dump -w roce.pcapng         live dump, saved for Wireshark
              rdmatop enp8s0 --once --format prometheus   textfile for node_exporter
              rdmatop enp8s0 --listen 127.0.0.1:9464      serve /metrics to Prometheus
              rdmatop enp8s0 --listen :9464 --view        ... beside the interactive view

            Exit status: 0 on success, 1 on an error (a message on standard error),
            64 on a usage error.
            """,
        version: "rdmatop \(RdmaTop.version)")

    /// The version, also in `rdmatop_build_info`.
    static let version = "0.1.0"

    @OptionGroup var source: SourceOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var filters: FilterOptions
    @OptionGroup(title: "Live capture") var live: LiveOptions
    @OptionGroup(title: "Interactive view") var replay: ReplayOptions
    @OptionGroup(title: "Analysis") var analysis: AnalysisOptions

    public init() {}

    public mutating func validate() throws {
        if source.interface == nil && source.read == nil {
            throw ValidationError("give an interface to watch, or --read FILE")
        }
        if source.interface != nil && source.read != nil {
            throw ValidationError("give either an interface or --read FILE, not both")
        }
        _ = try filters.packetFilter()
        try validateNumbers()
    }

    /// Every numeric option against its range (`OptionBounds`).
    private func validateNumbers() throws {
        typealias B = OptionBounds
        try B.check("-s", live.snapLength, B.snapLength, "bytes captured per packet")
        if live.snapLength > 0 && live.snapLength < B.minimumHeaders {
            throw ValidationError("-s \(live.snapLength): at least \(B.minimumHeaders) bytes are needed to see the RoCE headers")
        }
        let mib = live.bufferMiB
        if !B.bufferMiB.contains(mib) || mib & (mib - 1) != 0 {
            throw ValidationError("--buffer-size \(mib): a power of two from 1 to 1024 MiB")
        }
        if source.interface != nil && replay.speed != .factor(1) {
            throw ValidationError("--speed applies to --read: a live interface runs at its own speed")
        }
        if case .factor(let f) = replay.speed { try B.check("--speed", f, B.speed, "a factor, or max") }
        if let mtu = analysis.pathMTU, ![256, 512, 1024, 2048, 4096].contains(mtu) {
            throw ValidationError("--pmtu \(mtu): an IBTA path MTU (256, 512, 1024, 2048 or 4096)")
        }
        if output.jsonFlag, let f = output.format, f != .json {
            throw ValidationError("--json and --format \(f.rawValue): give one format")
        }
        if output.dump && output.resolved == .prometheus {
            throw ValidationError("--dump prints packets: text or json, not prometheus")
        }
        try B.check("--metrics-qps", output.metricsQPs, B.metricsQPs, "QPs with their own series")
        if let listen = live.listen {
            guard source.interface != nil else { throw ValidationError("--listen serves a live interface's metrics: give an interface") }
            guard ListenAddress(listen) != nil else {
                throw ValidationError("--listen \(listen): not ADDR:PORT (127.0.0.1:9464, [::1]:9464, :9464)")
            }
            if output.dump { throw ValidationError("--listen and --dump: the daemon serves metrics, not packets") }
        }
        if live.view {
            guard live.listen != nil else { throw ValidationError("--view goes with --listen (the view is the default without it)") }
            if output.once || live.count > 0 || output.format != nil || output.jsonFlag {
                throw ValidationError("--view shows the interactive view: not with --once, --count, --format or --json")
            }
            guard isatty(1) == 1 else { throw ValidationError("--view needs a terminal on standard output") }
        }
        if let sample = live.sample {
            if case .perSecond(let n) = sample { try B.check("--sample", n, B.samplePerSecond, "events per flow and second") }
            guard source.interface != nil else { throw ValidationError("--sample samples a live interface's events: give an interface") }
        }
        if let sample = live.sample, sample != .off {
            if output.dump || live.write != nil {
                throw ValidationError("--sample and \(output.dump ? "--dump" : "-w"): those need every packet")
            }
            if (try? filters.packetFilter().isEmpty) == false && !ViewCommand.wanted(output, live) {
                throw ValidationError("--sample and a filter: per-QP counts come from the kernel, which cannot filter within a flow")
            }
        }
        try B.check("--max-flows", analysis.maxFlows, B.maxFlows, "flows kept")
        try B.check("--count", live.count, B.count, "snapshots")
        try B.check("--preview", output.preview, B.preview, "payload bytes")
        try B.check("--port", filters.port, B.port, "a UDP port")
        if let interval = live.interval {
            let live = source.interface != nil
            try B.check("--interval", interval, live ? B.liveInterval : B.fileInterval,
                        live ? "seconds, live" : "seconds of capture time")
        }
    }

    public func run() throws {
        let filter = try filters.packetFilter()
        let decoder = PacketDecoder(udpPort: UInt16(filters.port), checksICRC: !output.noICRC)
        if let path = source.read {
            if ViewCommand.wanted(output, live) {
                try ViewCommand.runFile(path: path, decoder: decoder, filter: filter, live: live, speed: replay.speed,
                                        engine: analysis.configuration)
                return
            }
            try FileCommand(path: path, decoder: decoder, filter: filter, output: output,
                            engine: analysis.configuration, interval: live.interval, count: live.count).run()
        } else if let name = source.interface {
            let (interface, rdmaDevice) = try Self.netdev(named: name)
            try LiveCommand(interface: interface, rdmaDevice: rdmaDevice, decoder: decoder, filter: filter, output: output, live: live,
                            engine: analysis.configuration).run()
        }
    }
}

extension RdmaTop {
    /// A network interface as given, or an RDMA device (`rxe0`) resolved to the netdev it runs
    /// over; a name that is neither goes on to the probe, which says there is no such interface.
    static func netdev(named name: String) throws -> (interface: String, rdmaDevice: String?) {
        let sysfs = RdmaSysfs()
        if name.contains("/") || FileManager.default.fileExists(atPath: "/sys/class/net/\(name)") || !sysfs.hasDevice(name) {
            return (name, nil)
        }
        guard let netdev = sysfs.netdev(of: name) else {
            printError("RDMA device \(name) has no network device (not RoCE?): nothing to watch")
            throw ExitCode.failure
        }
        return (netdev, name)
    }
}

/// Where packets come from.
struct SourceOptions: ParsableArguments {
    @Argument(help: "Network interface to watch (e.g. enp8s0), or an RDMA device (e.g. rxe0): its netdev.")
    var interface: String?

    @Option(name: [.customShort("r"), .long], help: "Read packets from a pcap or pcapng file ('-' for standard input).")
    var read: String?
}

/// How results are printed.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print one snapshot and exit.")
    var once = false

    @Option(help: "Snapshot format: text, json (one document per snapshot; JSON Lines with --dump) or prometheus (the text exposition, for node_exporter's textfile collector).")
    var format: OutputFormat?

    @Flag(name: .customLong("json"), help: "The same as --format json.")
    var jsonFlag = false

    /// The format asked for (text when none was).
    var resolved: OutputFormat { format ?? (jsonFlag ? .json : .text) }
    /// Whether JSON was asked for.
    var json: Bool { resolved == .json }

    @Option(name: .customLong("metrics-qps"), help: "QPs with their own Prometheus series (the busiest); the rest are summed as qpn=\"other\".")
    var metricsQPs: Int = 100

    @Flag(help: "Print every RoCE packet, decoded, instead of a snapshot.")
    var dump = false

    @Option(help: "Payload bytes shown per packet by --dump.")
    var preview: Int = 64

    @Flag(name: .customLong("no-icrc"), help: "Do not verify ICRCs.")
    var noICRC = false
}

/// How the engine analyses.
struct AnalysisOptions: ParsableArguments {
    @Option(name: .customLong("pmtu"),
            help: "Path MTU for READ PSN reservation (default: learned from full packets, or inferred).")
    var pathMTU: Int?

    @Option(name: .customLong("max-flows"), help: "Flows kept; the least recently seen is dropped beyond this.")
    var maxFlows: Int = EngineConfiguration().maxFlows

    var configuration: EngineConfiguration {
        var c = EngineConfiguration()
        c.pathMTU = pathMTU
        c.maxFlows = maxFlows
        return c
    }
}

/// Filters shared by every mode.
struct FilterOptions: ParsableArguments {
    @Option(help: "Only this destination QPN (decimal or 0x hex).")
    var qpn: String?

    @Option(help: "Only this opcode: a name (RC_RDMA_WRITE_FIRST, SEND_ONLY), a number (0x06), or a class (send, write, read, atomic, ack, nak, rnr, cnp, ce, request, response, first, middle, last, only, rc, uc, ud, xrc).")
    var opcode: String?

    @Option(help: "Only packets from or to this IP address.")
    var addr: String?

    @Option(help: "UDP destination port of RoCEv2.")
    var port: Int = Int(PacketDecoder.roceV2Port)

    func packetFilter() throws -> PacketFilter {
        var filter = PacketFilter()
        if let qpn {
            guard let n = PacketFilter.parseNumber(qpn), n <= 0xFF_FFFF else {
                throw ValidationError("--qpn \(qpn): not a 24-bit QP number")
            }
            filter.qpn = n
        }
        if let opcode {
            guard let selector = PacketFilter.parseOpcode(opcode) else {
                throw ValidationError("--opcode \(opcode): not an opcode name, number or class")
            }
            filter.opcode = selector
            filter.opcodeText = opcode
        }
        if let addr {
            guard let a = IPAddress(addr) else { throw ValidationError("--addr \(addr): not an IP address") }
            filter.address = a
        }
        return filter
    }
}

extension OutputFormat: ExpressibleByArgument {}
