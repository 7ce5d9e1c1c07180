import Report
import RoCE
import Stats
import Testing

/// How a snapshot holds its flows and hands its JSON over: borrowed from the engine's table
/// yet unchanged by what the engine counts afterwards, and written in pieces that add up to
/// the document.
struct SnapshotStorageTests {
    let engine = StatsEngine()
    var clock: Int64 = 1_000_000_000

    /// `count` SEND_ONLY packets to each of QPs 1...`qps`.
    mutating func send(_ count: UInt32, toEachOf qps: UInt32) throws {
        for qp in 1...qps {
            for psn in 0..<count {
                let spec = PacketSpec(ethernet: EthernetHeader(destination: MACAddress(2), source: MACAddress(1), etherType: 0),
                                      source: IPAddress("10.0.0.1")!, destination: IPAddress("10.0.0.2")!,
                                      bth: BTH(opcode: 0x04, destQP: qp, psn: psn))
                let packet = try PacketEncoder.encode(spec).withUnsafeBytes {
                    try PacketDecoder().decode($0, linkType: .ethernet)
                }
                clock += 1000
                engine.ingest(packet, frameLength: 60, timestamp: clock, direction: .inbound)
            }
        }
    }

    var snapshot: Snapshot { Snapshot(engine: engine, source: Snapshot.Source(kind: "file", file: "t", mode: "file")) }

    @Test mutating func aSnapshotKeepsItsCountsWhileTheEngineGoesOn() throws {
        try send(2, toEachOf: 50)
        let before = snapshot
        try send(3, toEachOf: 60)
        #expect(before.flows.count == 50)
        #expect(before.flows.allSatisfy { $0.packets == 2 })
        let after = snapshot
        #expect(after.flows.count == 60)
        let total: UInt64 = after.flows.map(\.packets).reduce(0, +)
        #expect(total == 50 * 5 + 10 * 3)
        // Busiest first, then by key.
        let busiest: UInt64? = after.flows.first?.packets, quietest: UInt64? = after.flows.last?.packets
        #expect(busiest == 5)
        #expect(quietest == 3)
    }

    @Test mutating func theJSONInPiecesIsTheDocument() throws {
        try send(2, toEachOf: 300)
        let snapshot = snapshot
        var pieces: [[UInt8]] = []
        snapshot.writeJSON { pieces.append(Array($0)) }
        let whole = snapshot.jsonText()
        let joined = String(decoding: Array(pieces.joined()), as: UTF8.self)
        #expect(joined == whole)
        // 300 QPs of about a kilobyte each: several pieces, none much over 64 KiB.
        let size: Int = whole.utf8.count, largest: Int = pieces.map(\.count).max() ?? 0
        #expect(size > 4 << 16)
        #expect(pieces.count > 4)
        #expect(largest < (1 << 16) + 8192)
    }
}
