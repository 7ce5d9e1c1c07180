import Foundation
import Testing

/// RNR NAKs and ECN CE marks on real SoftRoCE traffic (Tests/Fixtures/rxe-rnr-ecn, made by
/// tests/lab/guest-rnr-ecn.sh in the SoftRoCE VM): `ib_send_bw` with the server's receive
/// queue 2 deep, so that rxeB refuses SENDs with RNR NAKs, and every 10th RoCE packet leaving
/// vethA marked CE by tc's pedit. rdmatop's reading of tcpdump's capture is checked against
/// what rxe, tc, perftest and tshark counted themselves.
@Suite struct RNRAndECNTests {
    static let folder = Paths.root.appendingPathComponent("Tests/Fixtures/rxe-rnr-ecn")
    static let pcap = folder.appendingPathComponent("send_bw-rnr-ce.pcap").path
    static let requester = "10.0.0.1", responder = "10.0.0.2"

    /// rxe's hw counters after the run ("DEV COUNTER VALUE" lines): the devices were created
    /// for it, so they count this run alone.
    func hwCounters() throws -> [String: UInt64] {
        let text = try String(contentsOf: Self.folder.appendingPathComponent("hw_counters.txt"), encoding: .utf8)
        var counters: [String: UInt64] = [:]
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ")
            if f.count == 3, let v = UInt64(f[2]) { counters["\(f[0]).\(f[1])"] = v }
        }
        return counters
    }

    /// The packets tc's pedit actions rewrote (the CE marks), from `tc -s -j filter show`:
    /// the sum over the filters (IPv4, and IPv6 where roce_ce_marking adds one); nil if none.
    func peditPackets() throws -> UInt64? {
        let data = try Data(contentsOf: Self.folder.appendingPathComponent("tc.json"))
        let filters = try JSONSerialization.jsonObject(with: data) as! [[String: Any]]
        let counts = filters.flatMap { ($0["options"] as? [String: Any])?["actions"] as? [[String: Any]] ?? [] }
            .filter { $0["kind"] as? String == "pedit" }.map { uint(($0["stats"] as? [String: Any])?["packets"]) ?? 0 }
        return counts.isEmpty ? nil : counts.reduce(0, +)
    }

    /// perftest's report: message size, messages and the path MTU it ran at.
    func perftest() throws -> (bytes: UInt64, iterations: UInt64, mtu: UInt64) {
        let log = try String(contentsOf: Self.folder.appendingPathComponent("ib_send_bw.log"), encoding: .utf8)
        let lines = log.split(separator: "\n")
        let mtu = lines.first { $0.contains("Mtu") }.flatMap { $0.split(separator: ":").last }
            .flatMap { UInt64($0.trimmingCharacters(in: .whitespaces).prefix { $0.isNumber }) }
        let header = lines.firstIndex { $0.contains("#bytes") && $0.contains("#iterations") }!
        let row = lines[header + 1].split(separator: " ")
        return (UInt64(row[0])!, UInt64(row[1])!, mtu!)
    }

    func flows() throws -> [[String: Any]] {
        let result = try rdmatop("--read", Self.pcap, "--once", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let doc = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        return doc["qps"] as! [[String: Any]]
    }

    func sum(_ flows: [[String: Any]], _ key: String) -> UInt64 { flows.compactMap { uint($0[key]) }.reduce(0, +) }

    @Test func rnrNaksAndTheRepliesOwedAreRxes() throws {
        let hw = try hwCounters(), qps = try flows()
        let replies = qps.filter { $0["src"] as? String == Self.responder }
        let requests = qps.filter { $0["src"] as? String == Self.requester }
        let rnr = sum(replies, "rnr_naks")
        #expect(rnr > 0, "the fixture's point: rxeB refused SENDs")
        #expect(rnr == hw["rxeB.send_rnr_err"] && rnr == hw["rxeA.rcvd_rnr_err"], "\(rnr) RNR NAKs, rxe: \(hw)")
        let sequence = replies.compactMap { ($0["naks"] as? [String: Any])?["psn_sequence_error"] }.compactMap(uint).reduce(0, +)
        #expect(sequence == hw["rxeB.out_of_seq_request"], "each RNR NAK is followed by one sequence NAK")
        // Nothing was lost: rxeB received every request rxeA sent, and the capture holds every
        // packet each sent; so no reply and no request is lost (before, the ACKs the requests
        // after each refused SEND asked for counted as lost replies: 238 here).
        #expect(hw["rxeA.sent_pkts"] == hw["rxeB.rcvd_pkts"] && hw["rxeB.sent_pkts"] == hw["rxeA.rcvd_pkts"])
        #expect(sum(replies, "packets") == hw["rxeB.sent_pkts"] && sum(requests, "packets") == hw["rxeA.sent_pkts"])
        #expect(sum(replies, "lost_replies") == 0 && sum(replies, "lost_packets") == 0,
                "lost_replies \(sum(replies, "lost_replies"))")
        #expect(sum(requests, "lost_packets") == 0)
        #expect(sum(replies, "acks") + sequence + rnr == hw["rxeB.sent_pkts"])
    }

    @Test func resendsAfterRNRAreRetransmissionsOfPerftestsMessages() throws {
        let (bytes, iterations, mtu) = try perftest()
        let requests = try flows().filter { $0["src"] as? String == Self.requester }
        #expect(requests.count == 1)
        let psns = iterations * ((bytes + mtu - 1) / mtu)
        #expect(sum(requests, "distinct_psns") == psns && sum(requests, "messages") == iterations)
        #expect(sum(requests, "retransmitted_packets") == sum(requests, "packets") - psns)
        #expect(sum(requests, "retransmitted_packets") == sum(requests, "retransmitted_after_nak"),
                "every resend answers an RNR NAK")
        #expect(sum(requests, "missing_psns") == 0)
    }

    @Test func ceMarksAreTheOnesTcMadeAndTsharkSees() throws {
        let marked = try peditPackets()
        let tshark = try tsharkFields(Self.pcap, ["frame.number"], filter: "ip.dsfield.ecn == 3").count
        let qps = try flows()
        let ce = sum(qps, "ecn_ce")
        #expect(ce > 0 && ce == marked && ce == UInt64(tshark), "rdmatop \(ce), pedit \(String(describing: marked)), tshark \(tshark)")
        #expect(sum(qps.filter { $0["src"] as? String == Self.responder }, "ecn_ce") == 0, "only vethA's egress marks")
    }
}
