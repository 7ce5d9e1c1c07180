import Foundation
import Testing

/// Real reordering with nothing lost (Tests/Fixtures/rxe-veth-reorder, made by
/// tests/lab/guest-shapes.sh, shape long_pingpong, in the SoftRoCE VM): now and then the veth
/// delivered a SEND's LAST before its FIRST. rxeB dropped the LAST as out of sequence
/// (out_of_seq_request) and NAKed it with a PSN sequence error; rxeA went back and sent FIRST
/// and LAST again (completer_retry_err), and rxeB took the resent FIRST for a duplicate
/// (duplicate_request). The capture, on vethB, sees the packets in the order rxeB got them.
/// So: the NAKs are rxeB's, the resends rxeA's, the LAST was late and not lost, and nothing
/// is lost however the timing is read. In `ipv6-original-after-resend` the original FIRST
/// came even after its own resend (rxeB counted it the duplicate): vethB stamps what it
/// receives with the sender's clock, so that copy is stamped before the LAST, and only that
/// shows it was the original, reordered, and the PSN never lost.
@Suite struct VethReorderTests {
    static let folder = Paths.root.appendingPathComponent("Tests/Fixtures/rxe-veth-reorder")
    static let runs = ["ipv4", "ipv6", "ipv6-original-after-resend"]

    /// Frame numbers (tshark's) of the requests whose source and PSN an earlier frame carried.
    func resentFrames(_ path: String) throws -> [Int] {
        let rows = try tsharkFields(path, ["frame.number", "ip.src", "ipv6.src", "infiniband.bth.opcode", "infiniband.bth.psn"])
        var seen: Set<String> = [], resent: [Int] = []
        for row in rows where row.count == 5 {
            guard let opcode = tsharkNumber(row[3]), opcode <= 5 else { continue }  // RC SEND/WRITE
            if !seen.insert("\(row[1])\(row[2]) \(row[4])").inserted { resent.append(Int(row[0])!) }
        }
        return resent
    }

    @Test(arguments: runs)
    func aReorderedLastIsNAKedResentAndNotLost(run: String) throws {
        let path = Self.folder.appendingPathComponent("\(run).pcap").path
        let hw = try rxeCounterDeltas(Self.folder.appendingPathComponent("\(run).counters"))
        // Over the whole run: each reorder made one NAK, one go-back and one duplicate.
        let outOfSequence = hw["rxeB.out_of_seq_request"] ?? 0
        #expect(outOfSequence > 0 && hw["rxeA.completer_retry_err"] == outOfSequence
                && hw["rxeB.duplicate_request"] == outOfSequence, "\(run): \(hw)")
        // The window holds some of them (README.md): the NAKs tshark finds in it, each a go-back
        // over a 2048-byte SEND, FIRST and LAST at MTU 1024.
        let naks = UInt64(try tsharkFields(path, ["frame.number"], filter: "infiniband.aeth.syndrome == 96").count)
        #expect(naks > 0 && naks <= outOfSequence, "\(run): tshark \(naks) sequence NAKs, rxeB \(outOfSequence) in the run")
        let resent = try resentFrames(path)
        #expect(UInt64(resent.count) == 2 * naks, "\(run): tshark shows \(resent.count) resent for \(naks) NAKs")

        let qps = try GroundTruthTests.snapshotFlows(path)
        let a: Set = ["10.0.0.1", "fd00::1"]
        let fromA = qps.filter { a.contains($0["src"] as! String) }, fromB = qps.filter { !a.contains($0["src"] as! String) }
        #expect(fromA.count == 1 && fromB.count == 1)
        let sequenceNAKs = fromB.compactMap { uint(($0["naks"] as? [String: Any])?["psn_sequence_error"]) }.reduce(0, +)
        #expect(sequenceNAKs == naks, "\(run): rdmatop \(sequenceNAKs) sequence NAKs, tshark \(naks)")
        for flow in fromA {
            #expect(uint(flow["retransmitted_after_nak"]) == UInt64(resent.count) && uint(flow["retransmitted_after_timeout"]) == 0)
            #expect(uint(flow["late_psns"]) == naks && uint(flow["missing_psns"]) == naks, "\(run): \(flow)")
        }
        for flow in qps {
            #expect(uint(flow["lost_packets"]) == 0 && uint(flow["lost_timeouts"]) == 0,
                    "\(run) \(flow["src"]!)>\(flow["dst"]!): \(flow)")
        }
    }
}
