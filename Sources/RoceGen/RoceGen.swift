import ArgumentParser
import Capture
import Foundation
import TrafficGen

/// `rocegen`: writes a capture of simulated RoCEv2 sessions (for the demo, tests and
/// tcpreplay), and optionally the ground truth of what it simulated.
@main
struct RoceGen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rocegen",
        abstract: "Write a pcap of simulated RoCEv2 traffic: RC SEND/WRITE/READ/atomics with ACKs, UD, loss, ECN and CNPs.",
        discussion: """
            Connections are WORKLOAD:SIZE:MESSAGES, workloads: \(Workload.allCases.map(\.rawValue).joined(separator: ", ")).
            Example: rocegen -o demo.pcap --connection write:65536:50 --connection send:4096:200 --loss 0.02
            """)

    @Option(name: [.short, .long], help: "Output file (pcap; pcapng with --pcapng).")
    var output: String

    @Option(name: .long, help: "A connection WORKLOAD:SIZE:MESSAGES (repeatable); default: the demo mix.")
    var connection: [String] = []

    @Option(help: "Messages per connection of the demo mix.")
    var messages = 200

    @Option(help: "Probability that a request packet is lost before the capture point.")
    var loss = 0.0

    @Option(help: "Probability that a request is marked ECN CE (answered by CNPs).")
    var ecn = 0.0

    @Option(help: "Probability that a SEND is answered by an RNR NAK (and sent again after the RNR timer).")
    var rnr = 0.0

    @Option(help: "Lap of a longer session: its PSNs continue where the previous lap's ended (replay laps in order).")
    var lap = 0

    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    @Option(help: "Path MTU (payload bytes per packet).")
    var mtu = 1024

    @Flag(help: "Use IPv6 addresses.")
    var ipv6 = false

    @Option(help: "Tag every frame with this 802.1Q VLAN id.")
    var vlan: UInt16?

    @Flag(help: "Write pcapng instead of pcap.")
    var pcapng = false

    @Option(help: "Also write the ground truth (JSON) to this file.")
    var truth: String?

    /// Every numeric option within a range (the error names it, exit 64): a generator run is
    /// bounded in packets and memory.
    func validate() throws {
        func check<T: Comparable>(_ name: String, _ value: T, _ range: ClosedRange<T>) throws {
            guard range.contains(value) else {
                throw ValidationError("\(name) \(value): must be from \(range.lowerBound) to \(range.upperBound)")
            }
        }
        try check("--messages", messages, RoceGen.messageRange)  // the demo mix: about 36 packets each
        for (name, p) in [("--loss", loss), ("--ecn", ecn), ("--rnr", rnr)] { try check(name, p, 0.0...1.0) }
        try check("--lap", lap, 0...1_000_000)
        try check("--mtu", mtu, 64...9000)
        if let vlan { try check("--vlan", vlan, 0...4095) }
        var packets = 0
        for text in connection {
            let spec = try Self.parse(text)
            packets += (spec.messageSize / mtu + 2) * spec.messages
        }
        if packets > RoceGen.maximumPackets {
            throw ValidationError("--connection: about \(packets) packets, more than the \(RoceGen.maximumPackets) a run makes")
        }
    }

    static let messageRange = 0...50_000
    /// Roughly the most packets one run generates (held in memory before writing).
    static let maximumPackets = 2_000_000

    func run() throws {
        var config: GeneratorConfig
        if connection.isEmpty {
            config = .demo(messagesPerConnection: messages)
        } else {
            config = GeneratorConfig(connections: try connection.map(Self.parse))
        }
        if connection.isEmpty || loss > 0 { config.lossRate = loss }
        if connection.isEmpty || ecn > 0 { config.ecnRate = ecn }
        config.rnrRate = rnr
        config.lap = max(0, lap)
        config.seed = seed
        config.pathMTU = mtu
        config.ipv6 = ipv6
        config.vlan = vlan
        let (frames, groundTruth) = TrafficGenerator(config: config).generate()
        do {
            if pcapng {
                let writer = try PcapNGWriter(path: output)
                let id = try writer.addInterface(linkType: PcapLinkType.ethernet, name: "rocegen")
                for f in frames { try writer.write(interfaceID: id, timestampNanoseconds: f.timestamp, data: f.bytes) }
                try writer.close()
            } else {
                let writer = try PcapWriter(path: output, linkType: PcapLinkType.ethernet)
                for f in frames { try writer.write(timestampNanoseconds: f.timestamp, data: f.bytes) }
                try writer.close()
            }
        } catch {
            throw ValidationError("\(error)")
        }
        if let truth {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            // Through SafeOutput like every file rdmatop's tools write: never through a link.
            let fd = try SafeOutput.open(truth, creation: .replace)
            defer { close(fd) }
            guard SafeOutput.write(String(decoding: try encoder.encode(groundTruth), as: UTF8.self), to: fd) else {
                throw ValidationError("\(truth): write error")
            }
        }
    }

    static func parse(_ text: String) throws -> ConnectionSpec {
        let parts = text.split(separator: ":").map(String.init)
        guard parts.count == 3, let workload = Workload(rawValue: parts[0]), let size = Int(parts[1]),
              let count = Int(parts[2])
        else {
            throw ValidationError("--connection \(text): expected WORKLOAD:SIZE:MESSAGES")
        }
        // A message's size is a RETH DMA length: 32 bits.
        guard (0...Int(UInt32.max)).contains(size), messageRange.contains(count) else {
            throw ValidationError("--connection \(text): SIZE from 0 to \(UInt32.max), MESSAGES from 0 to \(messageRange.upperBound)")
        }
        return ConnectionSpec(workload: workload, messageSize: size, messages: count)
    }
}
