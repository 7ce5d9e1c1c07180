import RoCE
@testable import Stats

let hostA = IPAddress("10.0.0.1")!
let hostB = IPAddress("10.0.0.2")!

/// Builds a packet with the encoder and decodes it, as a capture would deliver it.
func packet(_ opcode: UInt8, from src: IPAddress = hostA, to dst: IPAddress = hostB, qpn: UInt32 = 0x12,
            psn: UInt32, payload: Int = 0, ackRequest: Bool = false, syndrome: AETHSyndrome? = nil,
            reth: RETH? = nil, ecn: ECN = .notECT, becn: Bool = false, sourcePort: UInt16 = 50000) -> RoCEPacket {
    var spec = PacketSpec(ethernet: EthernetHeader(destination: MACAddress(2), source: MACAddress(1), etherType: 0),
                          source: src, destination: dst,
                          bth: BTH(opcode: opcode, becn: becn, destQP: qpn, ackRequest: ackRequest, psn: psn & PSN.mask))
    spec.sourcePort = sourcePort
    spec.ecn = ecn
    spec.payload = Array(repeating: 0x61, count: payload)
    if let syndrome { spec.aeth = AETH(syndrome, msn: 1) }
    spec.reth = reth
    let bytes = PacketEncoder.encode(spec)
    return try! bytes.withUnsafeBytes { try PacketDecoder().decode($0, linkType: .ethernet) }
}

/// An engine fed with (packet, time in microseconds) pairs.
func feed(_ engine: StatsEngine, _ packets: [(RoCEPacket, Int64)]) {
    for (p, us) in packets {
        engine.ingest(p, frameLength: p.ip.totalLength + 14, timestamp: 1_000_000_000_000 + us * 1000, direction: .unknown)
    }
}

let requestKey = FlowKey(source: hostA, destination: hostB, qpn: 0x12)
let responseKey = FlowKey(source: hostB, destination: hostA, qpn: 0x11)

/// WRITE MIDDLE requests A -> B (QPN 0x12) with these PSNs, 1 µs apart from `start`.
func writes(_ psns: [UInt32], start: Int64 = 0) -> [(RoCEPacket, Int64)] {
    psns.enumerated().map { (packet(0x07, psn: $0.element, payload: 1024), start + Int64($0.offset)) }
}

/// An ACK or NAK from B to A's QPN 0x11.
func response(_ syndrome: AETHSyndrome, psn: UInt32, at us: Int64, opcode: UInt8 = 0x11) -> (RoCEPacket, Int64) {
    (packet(opcode, from: hostB, to: hostA, qpn: 0x11, psn: psn, syndrome: syndrome), us)
}
