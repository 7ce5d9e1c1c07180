import Foundation
import Testing

/// The traffic shapes no other real capture holds (Tests/Fixtures/rxe-shapes, made by
/// tests/lab/guest-shapes.sh in the SoftRoCE VM): RoCE over IPv6 and over VLAN 100,
/// compare-and-swap, UC WRITEs and SENDs, and UD SENDs. Beside tshark's packet-by-packet
/// reading (TsharkComparisonTests), each is held to what rxe and the tools counted themselves.
@Suite struct RealShapesTests {
    static let folder = Paths.root.appendingPathComponent("Tests/Fixtures/rxe-shapes")
    static let runs = ["ipv6", "vlan", "cmp_swap", "uc_write", "uc_send", "ud_pingpong", "ud_send"]


    /// The messages the client's report says it sent: perftest's #iterations, or
    /// ibv_rc_pingpong's "N iters" (each side sends N).
    func iterations(_ run: String) throws -> UInt64 {
        let log = try String(contentsOf: Self.folder.appendingPathComponent("\(run).log"), encoding: .utf8)
        let client = log.components(separatedBy: "### client:").last ?? ""
        let lines = client.split(separator: "\n")
        if let i = lines.firstIndex(where: { $0.contains("#bytes") && $0.contains("#iterations") }) {
            return UInt64(lines[i + 1].split(separator: " ")[1])!
        }
        let iters = lines.first { $0.contains(" iters in ") }!
        return UInt64(iters.split(separator: " ")[0])!
    }

    @Test(arguments: runs)
    func packetsAndMessagesAreRxesAndTheTools(run: String) throws {
        let result = try rdmatop("--read", Self.folder.appendingPathComponent("\(run).pcap").path, "--once", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let doc = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let qps = doc["qps"] as! [[String: Any]]
        let hw = try rxeCounterDeltas(Self.folder.appendingPathComponent("\(run).counters"))
        let a: Set = ["10.0.0.1", "fd00::1", "10.0.1.1"]
        let fromA = qps.filter { a.contains($0["src"] as! String) }, fromB = qps.filter { !a.contains($0["src"] as! String) }
        let sum = { (flows: [[String: Any]], key: String) in flows.compactMap { uint($0[key]) }.reduce(0, +) }
        // Nothing is lost on the veth: what each device sent is what the capture holds from it.
        #expect(sum(fromA, "packets") == hw["rxeA.sent_pkts"] && sum(fromA, "packets") == hw["rxeB.rcvd_pkts"], "\(run): \(hw)")
        #expect(sum(fromB, "packets") == hw["rxeB.sent_pkts"], "\(run): \(hw)")
        let messages = try iterations(run)
        // The requester's messages (and, for the ping-pong, the responder's as many back).
        #expect(sum(fromA, "messages") == messages, "\(run): \(sum(fromA, "messages")) messages, the tool \(messages)")
        if run == "ipv6" || run == "vlan" || run == "ud_pingpong" { #expect(sum(fromB, "messages") == messages) }
        for flow in qps {
            #expect(uint(flow["lost_packets"]) == 0 && uint(flow["missing_psns"]) == 0 && uint(flow["retransmitted_packets"]) == 0,
                    "\(run) \(flow["src"]!)>\(flow["dst"]!): \(flow)")
        }
        let transport = run.hasPrefix("uc_") ? "UC" : run.hasPrefix("ud_") ? "UD" : "RC"
        #expect(qps.allSatisfy { $0["transport"] as? String == transport })
        if run == "cmp_swap" { #expect(sum(fromB, "acks") == messages, "an atomic acknowledgement per compare-and-swap") }
    }
}
