import RoCE
@testable import Stats
import TestSupport

let hostA = TestPackets.hostA
let hostB = TestPackets.hostB

/// A packet of `payload` bytes ("aaa..."), from UDP port 50000, decoded (`TestPackets`).
func packet(_ opcode: UInt8, from src: IPAddress = hostA, to dst: IPAddress = hostB, qpn: UInt32 = 0x12,
            psn: UInt32, payload: Int = 0, ackRequest: Bool = false, syndrome: AETHSyndrome? = nil,
            reth: RETH? = nil, ecn: ECN = .notECT, becn: Bool = false, sourcePort: UInt16 = 50000) -> RoCEPacket {
    TestPackets.build(opcode, from: src, to: dst, qpn: qpn, psn: psn, payload: Array(repeating: 0x61, count: payload),
                      ackRequest: ackRequest, syndrome: syndrome, reth: reth, ecn: ecn, becn: becn,
                      sourcePort: sourcePort).packet
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
