import Capture
import Foundation
import RoCE
import Testing

/// rdmatop's ICRC verdicts against scapy's independent RoCE implementation, for IPv4 and
/// IPv6 (the real captures are IPv4 only; roce.md's vector is an IPv4 CNP).
@Suite struct ICRCCrossCheckTests {
    @Test func verdictsEqualScapysOnIPv4AndIPv6() throws {
        let dir = try Paths.temporaryDirectory()
        let path = dir.appendingPathComponent("icrc.pcap").path
        let writer = try PcapWriter(path: path, linkType: PcapLinkType.ethernet)
        var frames = 0
        for (i, entry) in OpcodeTable.entries.filter(\.isDefined).enumerated() {
            for ipv6 in [false, true] {
                var spec = PacketSpec(
                    ethernet: EthernetHeader(destination: MACAddress(2), source: MACAddress(1),
                                             outerTag: i % 3 == 0 ? VLANTag(vid: 42) : nil, etherType: 0),
                    source: IPAddress(ipv6 ? "2001:db8::1" : "172.16.0.1")!,
                    destination: IPAddress(ipv6 ? "2001:db8::2" : "172.16.0.2")!,
                    bth: BTH(opcode: entry.opcode, fecn: i % 2 == 0, becn: i % 5 == 0, destQP: UInt32(i), psn: UInt32(i * 7)))
                spec.dscp = UInt8(i % 64)
                spec.ecn = ECN(rawValue: UInt8(i % 4))!
                spec.ttl = UInt8(1 + i)
                spec.flowLabel = UInt32(i * 1013)
                if entry.classes.contains(.payload) { spec.payload = (0..<(i % 37)).map { UInt8(truncatingIfNeeded: $0 * 3) } }
                if i % 7 == 0 { spec.icrcOverride = 0x0BAD_0BAD }
                try writer.write(timestampNanoseconds: Int64(frames), data: PacketEncoder.encode(spec))
                frames += 1
            }
        }
        try writer.close()

        let scapy = try run(try tool("python3"), [Paths.root.appendingPathComponent("Tests/scripts/scapy_icrc.py").path, path])
        #expect(scapy.status == 0, "scapy: \(scapy.stderr) (make test installs it with pip)")
        let theirs = scapy.stdout.split(separator: "\n").map { $0.split(separator: " ")[1] == "ok" }
        let ours = try jsonLines(try rdmatop("--read", path, "--dump", "--json").stdout).map { $0["icrc_ok"] as? Bool }
        #expect(theirs.count == frames)
        #expect(ours.count == frames)
        #expect(ours == theirs.map { Optional($0) })
        #expect(theirs.contains(false) && theirs.contains(true))
    }
}
