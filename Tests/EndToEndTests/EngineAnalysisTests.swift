import Foundation
import Testing

/// The engine's analysis end to end: on generated sessions against the generator's ground
/// truth, and on the real loss captures against a count made here from tshark's fields.
@Suite struct EngineAnalysisTests {
    struct Flow: Hashable { var src: String, dst: String, qpn: UInt64 }

    static func snapshotFlows(_ path: String) throws -> [Flow: [String: Any]] {
        let r = try rdmatop("--read", path, "--once", "--json")
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        var flows: [Flow: [String: Any]] = [:]
        for q in json["qps"] as! [[String: Any]] {
            flows[Flow(src: q["src"] as! String, dst: q["dst"] as! String, qpn: uint(q["qpn"])!)] = q
        }
        return flows
    }

    static let scenarios: [[String]] = [
        ["--loss", "0.02", "--ecn", "0.02", "--rnr", "0.05", "--seed", "1"],
        ["--loss", "0.05", "--seed", "7", "--messages", "80"],
        ["--loss", "0.01", "--ecn", "0.05", "--rnr", "0.1", "--ipv6", "--vlan", "30", "--seed", "3", "--messages", "60"],
        ["--connection", "write:1048576:4", "--connection", "read:262144:8", "--loss", "0.003", "--mtu", "4096", "--seed", "11"],
    ]

    @Test(arguments: scenarios)
    func generatedSessionsMatchTheGroundTruth(options: [String]) throws {
        let dir = try Paths.temporaryDirectory()
        let capture = dir.appendingPathComponent("session.pcap").path
        let truthPath = dir.appendingPathComponent("truth.json").path
        let gen = try run(Paths.rocegen, ["-o", capture, "--truth", truthPath] + options)
        #expect(gen.status == 0, "\(gen.stderr)")
        let truth = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: truthPath))) as! [String: Any]
        let flows = try Self.snapshotFlows(capture)
        var checkedLoss = false
        for t in truth["flows"] as! [[String: Any]] {
            let key = Flow(src: t["src"] as! String, dst: t["dst"] as! String, qpn: uint(t["qpn"])!)
            let ours = try #require(flows[key], "\(key) missing")
            for field in ["packets", "bytes", "psn_gaps", "retransmissions", "acks", "cnps", "ecn_ce", "messages", "rnr_naks"] {
                #expect(uint(ours[field]) == uint(t[field]), "\(options) \(key) \(field): rdmatop \(ours[field] ?? "nil"), truth \(t[field] ?? "nil")")
            }
            let ourNaks = (ours["naks"] as! [String: Any]).mapValues { uint($0)! }
            let theirNaks = (t["naks"] as! [String: Any]).mapValues { uint($0)! }
            #expect(ourNaks == theirNaks, "\(key) naks")
            if uint(t["psn_gaps"])! > 0 { checkedLoss = true }
            // Every response flow is paired with its request flow.
            if uint(t["acks"])! > 0 || uint(t["cnps"])! > 0 {
                let reverse = try #require(ours["reverse"] as? [String: Any], "\(key) unpaired")
                #expect(reverse["dst"] as? String == key.src)
            }
        }
        #expect(checkedLoss || !options.contains("--loss"))
    }

    /// The loss captures: per request flow, PSN gaps (missing PSNs, in order and inside
    /// go-back-N replays) and retransmissions (PSNs behind the highest seen) counted here
    /// from tshark's fields, and NAKs from the AETH syndromes.
    @Test(arguments: ["rc_pingpong_loss5.pcap", "write_bw_loss5.pcap"])
    func lossCapturesMatchAnIndependentCount(capture: String) throws {
        let path = Paths.captures.appendingPathComponent(capture).path
        let rows = try tsharkFields(path, ["ip.src", "ip.dst", "infiniband.bth.destqp", "infiniband.bth.opcode",
                                           "infiniband.bth.psn", "infiniband.aeth.syndrome"])
        struct Count { var gaps: UInt64 = 0, retx: UInt64 = 0, naks: UInt64 = 0
                       var highest: UInt32?, replayNext: UInt32?, replaying = false }
        var counts: [Flow: Count] = [:]
        var nakFor: [String: UInt32] = [:]  // requester address -> PSN its last NAK asked for
        var honoured: Set<String> = []  // requesters that have resent the NAK's PSN
        for r in rows {
            let key = Flow(src: r[0], dst: r[1], qpn: tsharkNumber(r[2])!)
            let opcode = tsharkNumber(r[3])!, psn = UInt32(tsharkNumber(r[4])!)
            var c = counts[key, default: Count()]
            if let syndrome = tsharkNumber(r[5]), syndrome & 0x60 == 0x60 {
                c.naks += 1
                nakFor[r[1]] = psn
                honoured.remove(r[1])
            }
            // SEND and WRITE requests (this capture has no READs or atomics).
            if opcode <= 0x0B {
                if let h = c.highest {
                    let ahead = (psn &- h &- 1) & 0xFF_FFFF
                    if ahead == 0 {
                        c.highest = psn; c.replaying = false
                        if honoured.contains(r[0]) || nakFor[r[0]] == psn { nakFor[r[0]] = nil }
                    } else if ahead < 0x80_0000 {
                        c.gaps += UInt64(ahead); c.highest = psn; c.replaying = false
                    } else {
                        c.retx += 1
                        // A new go-back-N round (the first resent packet, or a jump back) that
                        // answers a NAK starts at the NAK's PSN; within a round, at the next PSN.
                        let next = c.replayNext ?? 0
                        let jumpBack = psn != next && (psn &- next) & 0xFF_FFFF >= 0x80_0000
                        let start = !c.replaying || jumpBack ? (honoured.contains(r[0]) ? nil : nakFor[r[0]]) : next
                        if let next = start {
                            let skipped = (psn &- next) & 0xFF_FFFF
                            if skipped > 0 && skipped < 0x80_0000 { c.gaps += UInt64(skipped) }
                        }
                        c.replaying = true
                        c.replayNext = (psn &+ 1) & 0xFF_FFFF
                        if nakFor[r[0]] == psn { honoured.insert(r[0]) }
                    }
                } else {
                    c.highest = psn
                }
            }
            counts[key] = c
        }
        let flows = try Self.snapshotFlows(path)
        #expect(flows.count == counts.count)
        var totalNaks: UInt64 = 0, totalGaps: UInt64 = 0
        for (key, c) in counts {
            let ours = try #require(flows[key])
            #expect(uint(ours["psn_gaps"]) == c.gaps, "\(capture) \(key) gaps")
            #expect(uint(ours["retransmissions"]) == c.retx, "\(capture) \(key) retransmissions")
            let naks = (ours["naks"] as! [String: Any]).values.compactMap(uint).reduce(0, +)
            #expect(naks == c.naks, "\(capture) \(key) NAKs")
            totalNaks += c.naks
            totalGaps += c.gaps
        }
        // roce.md: write_bw_loss5 has 88 NAKs, rc_pingpong_loss5 14.
        #expect(totalNaks == (capture.hasPrefix("write") ? 88 : 14))
        #expect(totalGaps > 0)
    }
}

/// rocegen's laps: replayed one after the other they read as one session.
@Suite struct GeneratorLapTests {
    @Test func lapsContinueThePSNsOfThePreviousLap() throws {
        let dir = try Paths.temporaryDirectory()
        var laps: [String] = []
        for lap in 0..<3 {
            let path = dir.appendingPathComponent("lap\(lap).pcap").path
            #expect(try run(Paths.rocegen, ["-o", path, "--lap", String(lap), "--seed", String(lap + 5)]).status == 0)
            laps.append(path)
        }
        let merged = dir.appendingPathComponent("laps.pcap").path
        let merge = try run(try tool("mergecap"), ["-a", "-w", merged] + laps)
        #expect(merge.status == 0, "\(merge.stderr)")
        let flows = try EngineAnalysisTests.snapshotFlows(merged)
        let single = try EngineAnalysisTests.snapshotFlows(laps[0])
        #expect(flows.count == single.count)
        for (key, flow) in flows {
            #expect(uint(flow["psn_gaps"]) == 0 && uint(flow["retransmissions"]) == 0, "\(key) continues without loss")
            #expect(uint(flow["packets"]) == 3 * uint(single[key]!["packets"])!, "\(key)")
        }
    }
}
