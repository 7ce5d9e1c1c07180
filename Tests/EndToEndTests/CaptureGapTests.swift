import Foundation
import Testing

/// What the capture point adds or takes away, on real loss-free runs: packets it missed (a
/// mirror port or a sniffer that dropped them, a veth whose queue overflowed), each one
/// transmission lost before the capture point, whatever it was; and packets it saw twice.
/// The packets are cut out by editcap, chosen from tshark's fields: the count to meet is how
/// many were cut from each flow, a number no part of rdmatop computed.
///
/// A READ request takes one PSN per response packet it asks for, so the hole a lost one
/// leaves spans several PSNs: counted as that many lost packets before (read_bw at MTU 1024,
/// 8 KiB READs: 16 and 24 lost for 2 and 3 requests cut).
@Suite struct CaptureGapTests {
    /// Every 25th packet of each flow (from the 13th), if its PSN is carried once in the flow
    /// and is not the flow's highest (a hole needs a later PSN to show).
    static let every = 25, first = 12

    /// RC, UC and UD request opcodes (IBTA 9.2: SEND, RDMA WRITE, READ request, atomics, SEND
    /// with invalidate), as tshark shows the BTH opcode field.
    static let requestOpcodes: Set<Int> = Set(Array(0x00...0x0C) + [0x13, 0x14, 0x16, 0x17] + Array(0x20...0x2B) + [0x64, 0x65])

    struct Packet {
        var frame: Int, flow: GroundTruthTests.FlowKey, psn: Int
    }

    /// Replies: READ responses, ACKNOWLEDGE (ACKs and NAKs) and ATOMIC ACKNOWLEDGE (RC).
    static let replyOpcodes: Set<Int> = Set(0x0D...0x12)

    /// The packets of `path` with one of `opcodes` (requests by default), in capture order,
    /// by tshark.
    static func packets(_ path: String, opcodes: Set<Int> = requestOpcodes) throws -> [Packet] {
        let fields = ["frame.number", "ip.src", "ip.dst", "infiniband.bth.destqp", "infiniband.bth.opcode", "infiniband.bth.psn"]
        let result = try run(try tool("tshark"), ["-r", path, "-Y", "infiniband.bth", "-T", "fields"] + fields.flatMap { ["-e", $0] })
        #expect(result.status == 0, "tshark: \(result.stderr)")
        return result.stdout.split(separator: "\n").compactMap { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 6, let frame = Int(f[0]), let qpn = Int(f[3].dropFirst(2), radix: 16),
                  let opcode = Int(f[4]), opcodes.contains(opcode), let psn = Int(f[5]) else { return nil }
            return Packet(frame: frame, flow: .init(src: f[1], dst: f[2], qpn: UInt64(qpn)), psn: psn)
        }
    }

    /// The frames to cut, by flow.
    static func chosen(_ packets: [Packet]) -> [GroundTruthTests.FlowKey: [Int]] {
        var cut: [GroundTruthTests.FlowKey: [Int]] = [:]
        for (flow, list) in Dictionary(grouping: packets, by: \.flow) {
            let copies = Dictionary(grouping: list, by: \.psn).mapValues(\.count)
            let highest = list.map(\.psn).max() ?? 0  // no run here wraps its 24-bit PSN
            let frames = list.enumerated().filter { i, p in
                i >= first && (i - first) % every == 0 && copies[p.psn] == 1 && p.psn != highest
            }.map(\.element.frame)
            if !frames.isEmpty { cut[flow] = frames }
        }
        return cut
    }

    /// `path` (a classic pcap) with every record written twice, the copy right behind it with
    /// the same timestamp: what a capture point that sees each packet twice records (a mirror
    /// port fed both directions of a link, `tcpdump -i any` on a bridge and its port).
    static func everyPacketTwice(_ path: String, to copy: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var out = data.prefix(24)
        var offset = 24
        while offset + 16 <= data.count {
            let length = data[(offset + 8)..<(offset + 12)].reversed().reduce(0) { $0 << 8 | Int($1) }  // little-endian
            let record = data[offset..<min(data.count, offset + 16 + length)]
            out.append(record)
            out.append(record)
            offset += 16 + length
        }
        try out.write(to: URL(fileURLWithPath: copy))
    }

    /// Every packet of a loss-free real run captured twice: each copy counts as a duplicate
    /// packet (a retransmission the network never made), and nothing is lost. Before, each
    /// copy of a SEND or WRITE was owed an ACK as a duplicate request (send_bw counted 2,100
    /// replies lost, write_bw 2,100 and rc_pingpong 600), and a copy of a READ request kept
    /// its span from being revised when the path MTU became known (read_bw at MTU 1024: 6
    /// PSNs missing on each READ flow, 1 lost).
    @Test(.enabled(if: !GroundTruthTests.cleanRuns().isEmpty, "no loss-free runs in Tests/Fixtures/rxe-matrix"),
          arguments: GroundTruthTests.cleanRuns())
    func aPacketCapturedTwiceIsADuplicateNotALoss(run name: String) throws {
        let path = GroundTruthTests.fixtures.appendingPathComponent(name + ".pcap").path
        let dir = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let doubled = dir.appendingPathComponent("doubled.pcap").path
        try Self.everyPacketTwice(path, to: doubled)
        let once = try GroundTruthTests.snapshotFlows(path), twice = try GroundTruthTests.snapshotFlows(doubled)
        func sum(_ flows: [[String: Any]], _ key: String, where keep: ([String: Any]) -> Bool = { _ in true }) -> UInt64 {
            flows.filter(keep).reduce(0) { $0 + (uint($1[key]) ?? 0) }
        }
        let ledgered: ([String: Any]) -> Bool = { $0["psns_of"] as? String != "none" }
        #expect(sum(twice, "packets") == 2 * sum(once, "packets"))
        // Each packet a PSN ledger counts got a copy, and the run's own duplicates stay.
        #expect(sum(twice, "duplicate_packets") == sum(once, "duplicate_packets")
                + sum(once, "distinct_psns", where: ledgered) + sum(once, "retransmitted_packets", where: ledgered))
        let lost = sum(twice, "lost_packets")
        #expect(lost == 0, "\(name) captured twice: \(lost) lost, \(sum(twice, "lost_replies")) of them replies")
    }

    @Test(.enabled(if: !GroundTruthTests.cleanRuns().isEmpty, "no loss-free runs in Tests/Fixtures/rxe-matrix"),
          arguments: GroundTruthTests.cleanRuns())
    func eachPacketTheCaptureMissedIsOneLost(run name: String) throws {
        try Self.cutting(Self.requestOpcodes, from: name)
    }

    /// The same with replies: each reply the capture missed is one lost reply, of the flow
    /// that carried it, once a later reply covers its PSN (none of these runs lost one).
    @Test(.enabled(if: !GroundTruthTests.cleanRuns().isEmpty, "no loss-free runs in Tests/Fixtures/rxe-matrix"),
          arguments: GroundTruthTests.cleanRuns())
    func eachReplyTheCaptureMissedIsOneLost(run name: String) throws {
        try Self.cutting(Self.replyOpcodes, from: name)
    }

    /// Cuts packets with `opcodes` (every 25th of each flow, `chosen`) out of run `name` and
    /// checks that each flow's lost_packets grows by as many.
    static func cutting(_ opcodes: Set<Int>, from name: String) throws {
        let path = GroundTruthTests.fixtures.appendingPathComponent(name + ".pcap").path
        let cut = Self.chosen(try Self.packets(path, opcodes: opcodes))
        #expect(!cut.isEmpty, "\(name): no packet to cut")
        let frames = cut.values.joined().sorted().map(String.init)
        let gapped = try GroundTruthTests.edited(path, options: ["-F", "pcap"], frames: frames) {
            try GroundTruthTests.snapshotFlows($0)
        }
        let whole = Dictionary(try GroundTruthTests.snapshotFlows(path).map { (GroundTruthTests.FlowKey($0), $0) },
                               uniquingKeysWith: { a, _ in a })
        let after = Dictionary(gapped.map { (GroundTruthTests.FlowKey($0), $0) }, uniquingKeysWith: { a, _ in a })
        for (flow, frames) in cut.sorted(by: { $0.key.description < $1.key.description }) {
            let before = uint(whole[flow]?["lost_packets"]) ?? 0
            let now = uint(after[flow]?["lost_packets"]) ?? 0
            #expect(now == before + UInt64(frames.count),
                    "\(name) \(flow): \(frames.count) packets cut, lost_packets \(before) -> \(now)")
        }
    }
}
