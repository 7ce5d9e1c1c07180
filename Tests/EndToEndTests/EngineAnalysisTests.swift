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
            // rocegen's truth is this project's own model: only counts it states the same way.
            for (field, truthField) in [("packets", "packets"), ("bytes", "bytes"), ("acks", "acks"), ("cnps", "cnps"),
                                        ("ecn_ce", "ecn_ce"), ("messages", "messages"), ("rnr_naks", "rnr_naks")
                                       ] {
                #expect(uint(ours[field]) == uint(t[truthField]), "\(options) \(key) \(field): rdmatop \(ours[field] ?? "nil"), truth \(t[truthField] ?? "nil")")
            }
            let p = uint(ours["packets"])!, d = uint(ours["distinct_psns"])!, r = uint(ours["retransmitted_packets"])!
            if ours["psns_of"] as? String == "requests" { #expect(p == d + r, "\(key)") }
            let ourNaks = (ours["naks"] as! [String: Any]).mapValues { uint($0)! }
            let theirNaks = (t["naks"] as! [String: Any]).mapValues { uint($0)! }
            #expect(ourNaks == theirNaks, "\(key) naks")
            if uint(t["psn_gaps"])! > 0 { checkedLoss = uint(ours["missing_psns"])! > 0 || checkedLoss }
            // Every response flow is paired with its request flow.
            if uint(t["acks"])! > 0 || uint(t["cnps"])! > 0 {
                let reverse = try #require(ours["reverse"] as? [String: Any], "\(key) unpaired")
                #expect(reverse["dst"] as? String == key.src)
            }
        }
        #expect(checkedLoss || !options.contains("--loss"))
    }

    // The real loss captures are checked against an independent count from tshark's fields
    // in GroundTruthTests, and against netem's own counters.
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
            #expect(uint(flow["missing_psns"]) == 0 && uint(flow["retransmitted_packets"]) == 0, "\(key) continues without loss")
            #expect(uint(flow["lost_packets"]) == 0, "\(key)")
            #expect(uint(flow["packets"]) == 3 * uint(single[key]!["packets"])!, "\(key)")
        }
    }
}
