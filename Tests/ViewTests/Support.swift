import RoCE
import Stats
import TestSupport
@testable import View

let hostA = TestPackets.hostA
let hostB = TestPackets.hostB
let hostC = IPAddress("10.0.0.3")!

/// A packet and its bytes (`TestPackets`), for counters with payload previews.
func packet(_ opcode: UInt8, from src: IPAddress = hostA, to dst: IPAddress = hostB, qpn: UInt32 = 0x12,
            psn: UInt32, payload: [UInt8] = [], ackRequest: Bool = false, syndrome: AETHSyndrome? = nil,
            ecn: ECN = .notECT) -> (RoCEPacket, [UInt8]) {
    let built = TestPackets.build(opcode, from: src, to: dst, qpn: qpn, psn: psn, payload: payload, ackRequest: ackRequest,
                                  syndrome: syndrome, ecn: ecn)
    return (built.packet, built.bytes)
}

/// Nanoseconds of the test clock: `us` microseconds after a fixed start.
func at(_ us: Int64) -> Int64 { 1_767_225_600_000_000_000 + us * 1000 }

/// Feeds (packet, microseconds) pairs to `engine`, payloads included (for previews).
func feed(_ engine: StatsEngine, _ packets: [((RoCEPacket, [UInt8]), Int64)]) {
    for ((p, bytes), us) in packets {
        bytes.withUnsafeBytes { raw in
            engine.ingest(p, payload: p.capturedPayload(in: raw), frameLength: bytes.count, timestamp: at(us),
                          direction: .unknown)
        }
    }
}

/// An engine fed with rocegen's demo mix (`StatsEngine.demo`).
func demoEngine(messages: Int = 40) -> StatsEngine { StatsEngine.demo(messagesPerConnection: messages) }

let fileStatus = FeedStatus(kind: .file, name: "test.pcap", mode: "file", elapsedSeconds: 1.5)

/// A view model over `engine`'s counters.
func model(_ engine: StatsEngine, status: FeedStatus = fileStatus, symbols: Symbols = .ascii) -> ViewModel {
    var m = ViewModel(status: status, symbols: symbols)
    m.refresh(ViewData(engine: engine, status: status))
    return m
}

extension ViewModel {
    /// Applies keys; returns the effects.
    @discardableResult
    mutating func press(_ keys: [Key]) -> [ViewEffect] { keys.map { handle($0) } }

    /// Types `text` (a newline is Enter).
    @discardableResult
    mutating func type(_ text: String) -> [ViewEffect] { press(Key.typing(text)) }

    /// The keys of the QP rows in order.
    var rowKeys: [FlowKey] { rows.map { data.flows[$0].key } }
    var rowFlows: [FlowStats] { rows.map { data.flows[$0] } }

    /// The screen's text lines.
    mutating func screen(_ width: Int = 80, _ height: Int = 24) -> [String] { render(width: width, height: height).map(\.text) }
}
