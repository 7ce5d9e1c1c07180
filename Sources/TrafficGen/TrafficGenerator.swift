import RoCE

/// Simulates RoCEv2 sessions between two hosts and produces the frames an observer on the
/// responder's link would capture, with the ground truth of what happened.
///
/// Host A (10.0.0.1) is the requester of every connection, host B (10.0.0.2) the responder.
/// Requests may be lost before the observation point; the responder then NAKs (PSN sequence
/// error) and the requester goes back N, or the requester times out when no later packet
/// revealed the loss. Switches may mark requests ECN CE; the responder answers with CNPs.
public final class TrafficGenerator {
    /// A generated frame.
    public struct Frame: Sendable {
        public var timestamp: Int64
        public var bytes: [UInt8]
    }

    let config: GeneratorConfig
    var rng: SplitMix64
    var frames: [(t: Int64, seq: Int, bytes: [UInt8])] = []
    var truth: [String: GroundTruth.Flow] = [:]
    var truthOrder: [String] = []

    let hostA: (ip: IPAddress, mac: MACAddress)
    let hostB: (ip: IPAddress, mac: MACAddress)

    // Timing, in nanoseconds.
    let responseDelay: Int64 = 3_000
    let oneWayDelay: Int64 = 2_000
    let retransmitTimeout: Int64 = 1_000_000
    let cnpInterval: Int64 = 50_000

    public init(config: GeneratorConfig) {
        self.config = config
        rng = SplitMix64(seed: config.seed)
        if config.ipv6 {
            hostA = (IPAddress("fd00::1")!, MACAddress(0x02_00_00_00_00_01))
            hostB = (IPAddress("fd00::2")!, MACAddress(0x02_00_00_00_00_02))
        } else {
            hostA = (IPAddress("10.0.0.1")!, MACAddress(0x02_00_00_00_00_01))
            hostB = (IPAddress("10.0.0.2")!, MACAddress(0x02_00_00_00_00_02))
        }
    }

    /// Runs the simulation: the frames in time order, and the ground truth.
    public func generate() -> (frames: [Frame], truth: GroundTruth) {
        for (index, spec) in config.connections.enumerated() {
            var connection = Connection(generator: self, index: index, spec: spec)
            connection.run()
        }
        frames.sort { $0.t != $1.t ? $0.t < $1.t : $0.seq < $1.seq }
        var result = GroundTruth()
        result.packets = UInt64(frames.count)
        result.flows = truthOrder.map { truth[$0]! }
        return (frames.map { Frame(timestamp: $0.t, bytes: $0.bytes) }, result)
    }

    /// Builds and records one frame; returns its length.
    @discardableResult
    func emit(at t: Int64, fromB: Bool, sourcePort: UInt16, bth: BTH, payload: Int = 0, ce: Bool = false,
              fill: (inout PacketSpec) -> Void = { _ in }) -> Int {
        let src = fromB ? hostB : hostA, dst = fromB ? hostA : hostB
        let tag = config.vlan.map { VLANTag(priority: 3, vid: $0) }
        var spec = PacketSpec(
            ethernet: EthernetHeader(destination: dst.mac, source: src.mac, outerTag: tag, etherType: 0),
            source: src.ip, destination: dst.ip, bth: bth)
        spec.dscp = 26
        spec.ecn = ce ? .ce : .ect0
        spec.sourcePort = sourcePort
        spec.identification = UInt16(truncatingIfNeeded: frames.count)
        spec.payload = (0..<payload).map { UInt8(truncatingIfNeeded: $0 &+ Int(bth.psn)) }
        fill(&spec)
        let bytes = PacketEncoder.encode(spec)
        frames.append((t, frames.count, bytes))

        let info = OpcodeTable[bth.opcode]
        let key = "\(src.ip)|\(dst.ip)|\(bth.destQP)"
        if truth[key] == nil {
            truth[key] = GroundTruth.Flow(src: src.ip.description, dst: dst.ip.description, qpn: bth.destQP,
                                          transport: info.transport.name)
            truthOrder.append(key)
        }
        truth[key]!.packets += 1
        truth[key]!.bytes += UInt64(bytes.count)
        truth[key]!.payloadBytes += UInt64(payload)
        truth[key]!.opcodes[info.name, default: 0] += 1
        if ce { truth[key]!.ecnCE += 1 }
        return bytes.count
    }

    /// Applies `change` to the ground truth of a flow.
    func updateTruth(fromB: Bool, qpn: UInt32, _ change: (inout GroundTruth.Flow) -> Void) {
        let src = fromB ? hostB.ip : hostA.ip, dst = fromB ? hostA.ip : hostB.ip
        let key = "\(src)|\(dst)|\(qpn)"
        if truth[key] == nil {
            truth[key] = GroundTruth.Flow(src: src.description, dst: dst.description, qpn: qpn, transport: "RC")
            truthOrder.append(key)
        }
        change(&truth[key]!)
    }

    /// Nanoseconds a frame of `bytes` occupies the link.
    func wireTime(_ bytes: Int) -> Int64 {
        Int64((Double(bytes + 24) * 8 / config.linkGbps).rounded(.up))
    }
}
