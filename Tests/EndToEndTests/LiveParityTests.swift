import Capture
import Foundation
import Testing
import TrafficGen

/// Frames the decoder accepts must be counted by the kernel too: the exact totals come from
/// the probe's counters, so a header the BPF program cannot skip is a packet missing from
/// them. And the probe never changes or drops a packet.
@Suite(.serialized, .enabled(if: NetworkLab.available, "needs root for network namespaces and BPF"))
struct LiveParityTests {
    /// Generator frames (Ethernet, IPv4 or IPv6) of a few connections.
    static func frames(ipv6: Bool) -> [[UInt8]] {
        var config = GeneratorConfig(connections: [ConnectionSpec(workload: .write, messageSize: 2048, messages: 10),
                                                   ConnectionSpec(workload: .send, messageSize: 100, messages: 10)])
        config.ipv6 = ipv6
        return TrafficGenerator(config: config).generate().frames.map(\.bytes)
    }

    /// `frame` with VLAN tags of these TPIDs inserted after the MAC addresses.
    static func tagged(_ frame: [UInt8], _ tpids: [UInt16]) -> [UInt8] {
        var tags: [UInt8] = []
        for (i, tpid) in tpids.enumerated() { tags += [UInt8(tpid >> 8), UInt8(tpid & 0xFF), 0, UInt8(10 + i)] }
        return Array(frame[0..<12]) + tags + Array(frame[12...])
    }

    /// An IPv6 frame with hop-by-hop (8 bytes), destination options (16 bytes) and a fragment
    /// header (offset 0, last) between the IPv6 header and UDP.
    static func withExtensions(_ frame: [UInt8]) -> [UInt8] {
        var f = frame
        let ip = 14
        let udpNext = f[ip + 6]
        let hopByHop: [UInt8] = [60, 0, 1, 4, 0, 0, 0, 0]                                   // next: dest opts
        let destination: [UInt8] = [44, 1, 1, 12] + [UInt8](repeating: 0, count: 12)         // next: fragment
        let fragment: [UInt8] = [udpNext, 0, 0, 0, 0, 0, 0x12, 0x34]                          // offset 0, M=0
        let extensions = hopByHop + destination + fragment
        f[ip + 6] = 0  // hop-by-hop first
        let payload = Int(f[ip + 4]) << 8 | Int(f[ip + 5]) + extensions.count
        f[ip + 4] = UInt8(payload >> 8)
        f[ip + 5] = UInt8(payload & 0xFF)
        return Array(f[0..<(ip + 40)]) + extensions + Array(f[(ip + 40)...])
    }

    static func write(_ frames: [[UInt8]], _ name: String) throws -> String {
        let path = try Paths.temporaryDirectory().appendingPathComponent(name).path
        let writer = try PcapWriter(path: path, linkType: 1)
        for (i, f) in frames.enumerated() { try writer.write(timestampNanoseconds: 1_700_000_000_000_000_000 + Int64(i) * 1000, data: f) }
        try writer.close()
        return path
    }

    /// The decoder's count of RoCEv2 packets in a file (malformed ones included).
    static func decoded(_ path: String) throws -> UInt64 {
        let json = try parseJSON(try rdmatop("--read", path, "--once", "--json").stdout)
        return uint((json["totals"] as! [String: Any])["roce_packets"])!
    }

    @Test(arguments: ["xdp", "tc"])
    func theKernelCountsWhatTheDecoderAccepts(mode: String) throws {
        let v4 = Self.frames(ipv6: false), v6 = Self.frames(ipv6: true)
        var frames: [[UInt8]] = []
        frames += v4.map { Self.tagged($0, [0x88A8, 0x8100, 0x9100]) }               // 3 tags, 0x9100 among them
        frames += v4.map { Self.tagged($0, Array(repeating: 0x8100, count: 8)) }     // the most the decoder skips
        frames += v4.prefix(10).map { Self.tagged($0, Array(repeating: 0x8100, count: 9)) }  // one more: not RoCE
        frames += v6.map(Self.withExtensions)                                        // IPv6 extension headers
        let file = try Self.write(frames, "parity.pcap")
        let expected = try Self.decoded(file)
        #expect(expected == UInt64(v4.count * 2 + v6.count), "the decoder's own count")

        let lab = try NetworkLab()
        defer { lab.remove() }
        // xdp: received by ifB; tc: sent by ifA.
        let (ns, ifname) = mode == "xdp" ? (lab.b, lab.ifB) : (lab.a, lab.ifA)
        let p = try lab.startRdmatop(ns, [ifname, "--mode", mode, "--once", "--interval", "120", "--json"])
        try lab.replay(file)
        usleep(300_000)
        #expect(p.stop() == 0, "\(p.stderr)")
        let json = try parseJSON(p.stdout)
        let totals = json["totals"] as! [String: Any]
        #expect(uint(totals["roce_packets"]) == expected, "the kernel's exact count, \(mode)")
        #expect(uint(totals["packets"])! >= UInt64(frames.count), "every frame, and the veth's own (IPv6 ND)")
    }

    /// N packets sent over the veth at full replay speed with rdmatop attached arrive, all N,
    /// byte for byte, at the far end (tcpdump there: after XDP on ingress, after tc on egress).
    @Test(arguments: ["xdp", "tc", "auto"])
    func theProbeNeverChangesOrDropsAPacket(mode: String) throws {
        let lab = try NetworkLab()
        defer { lab.remove() }
        let dir = try Paths.temporaryDirectory()
        let sent = dir.appendingPathComponent("sent.pcap").path
        #expect(try run(Paths.rocegen, ["-o", sent, "--connection", "write:65536:40", "--connection", "send:256:300",
                                        "--connection", "read:8192:50"]).status == 0)
        let n = try readFrames(sent).count
        // Received at ifB through XDP (xdp, auto), or sent by ifA through tc (tc, auto).
        let (ns, ifname) = mode == "tc" ? (lab.a, lab.ifA) : (lab.b, lab.ifB)
        let p = try lab.startRdmatop(ns, [ifname, "--mode", mode, "--once", "--interval", "120", "--json"])
        let received = dir.appendingPathComponent("received.pcap").path
        let dump = try RunningProcess(executable: "/usr/sbin/ip",
                                      arguments: ["netns", "exec", lab.b, try tool("tcpdump"), "-i", lab.ifB, "-Q", "in",
                                                  "-n", "-U", "-B", "65536", "-s", "0", "-c", String(n), "-w", received,
                                                  "udp", "port", "4791"])
        dump.waitForStderr(containing: "listening on", timeout: 10)
        let replay = try lab.exec(lab.a, [try tool("tcpreplay"), "-q", "-i", lab.ifA, "--topspeed", sent])
        #expect(replay.status == 0, "\(replay.stderr)")
        _ = dump.wait(timeout: 10)  // tcpdump ends at the N-th packet (Process blocks its SIGINT)
        #expect(p.stop() == 0, "\(p.stderr)")
        let json = try parseJSON(p.stdout)
        #expect(uint((json["totals"] as! [String: Any])["roce_packets"]) == UInt64(n), "the probe saw them all")
        let arrived = try readFrames(received)
        #expect(arrived.count == n, "\(mode): \(arrived.count) of \(n) arrived")
        #expect(arrived == (try readFrames(sent)), "\(mode): byte for byte")
        print("\(mode): \(arrived.count) of \(n) packets arrived unchanged at full replay speed")
    }

    /// Every frame of a capture, as bytes.
    func readFrames(_ path: String) throws -> [[UInt8]] {
        let reader = try CaptureReader(path: path)
        var frames: [[UInt8]] = []
        while let p = try reader.next() { frames.append(Array(p.data)) }
        return frames
    }
}
