import RoCE
import Stats
import TrafficGen
@testable import View

let hostA = IPAddress("10.0.0.1")!
let hostB = IPAddress("10.0.0.2")!
let hostC = IPAddress("10.0.0.3")!

/// A packet built with the encoder and decoded, as a capture would deliver it.
func packet(_ opcode: UInt8, from src: IPAddress = hostA, to dst: IPAddress = hostB, qpn: UInt32 = 0x12,
            psn: UInt32, payload: [UInt8] = [], ackRequest: Bool = false, syndrome: AETHSyndrome? = nil,
            ecn: ECN = .notECT) -> (RoCEPacket, [UInt8]) {
    var spec = PacketSpec(ethernet: EthernetHeader(destination: MACAddress(2), source: MACAddress(1), etherType: 0),
                          source: src, destination: dst,
                          bth: BTH(opcode: opcode, destQP: qpn, ackRequest: ackRequest, psn: psn))
    spec.ecn = ecn
    spec.payload = payload
    if let syndrome { spec.aeth = AETH(syndrome, msn: 1) }
    let bytes = PacketEncoder.encode(spec)
    let decoded = try! bytes.withUnsafeBytes { try PacketDecoder().decode($0, linkType: .ethernet) }
    return (decoded, bytes)
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

/// An engine fed with rocegen's demo mix (six connections, loss, ECN), ticked over the
/// capture so every rate is set.
func demoEngine(messages: Int = 40) -> StatsEngine {
    let engine = StatsEngine()
    let frames = TrafficGenerator(config: .demo(messagesPerConnection: messages)).generate().frames
    engine.tick(at: frames.first!.timestamp)
    for f in frames {
        f.bytes.withUnsafeBytes { raw in
            if let p = try? PacketDecoder().decode(raw, linkType: .ethernet) {
                engine.ingest(p, payload: p.capturedPayload(in: raw), frameLength: raw.count, timestamp: f.timestamp,
                              direction: .unknown)
            }
        }
    }
    engine.tick(at: frames.last!.timestamp + 1)
    return engine
}

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
