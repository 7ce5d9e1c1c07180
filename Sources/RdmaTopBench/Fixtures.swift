import CProbe
import Capture
import Foundation
import Probe
import RoCE

/// The captures `make bench` (bench/run) feeds to the kernel benchmarks and to rdmatop,
/// built by the project's encoder so that the C side of the bench has no packet builder.
enum Fixtures {
    static func frame(qpn: UInt32, psn: UInt32, opcode: UInt8, payload: Int, aeth: AETH? = nil,
                      source: String = "10.0.0.1", destination: String = "10.0.0.2") -> [UInt8] {
        var spec = PacketSpec(ethernet: EthernetHeader(destination: MACAddress(2), source: MACAddress(1), etherType: 0),
                              source: IPAddress(source)!, destination: IPAddress(destination)!,
                              bth: BTH(opcode: opcode, destQP: qpn, psn: psn))
        spec.aeth = aeth
        spec.payload = (0..<payload).map { UInt8(truncatingIfNeeded: $0) }
        return PacketEncoder.encode(spec)
    }

    /// `four.pcap`: an RC SEND_ONLY of 1 KiB on QP 0x11 (1098-byte frame; a known flow once
    /// seen), the same on QP 0x12 (a new flow), an ACK and a NAK (PSN sequence error).
    static func four() -> [[UInt8]] {
        [
            frame(qpn: 0x11, psn: 1000, opcode: 0x04, payload: 1024),
            frame(qpn: 0x12, psn: 1000, opcode: 0x04, payload: 1024),
            frame(qpn: 0x21, psn: 1000, opcode: 0x11, payload: 0, aeth: AETH(.ack(credits: 31), msn: 1),
                  source: "10.0.0.2", destination: "10.0.0.1"),
            frame(qpn: 0x21, psn: 1000, opcode: 0x11, payload: 0, aeth: AETH(.nak(.psnSequenceError), msn: 1),
                  source: "10.0.0.2", destination: "10.0.0.1"),
        ]
    }

    /// `packetsPerQP` RC SEND_ONLY packets of 64 bytes on each of `qps` QPs (QPN 0x100 up),
    /// QP by QP interleaved, a microsecond apart.
    static func manyQPs(_ qps: Int, packetsPerQP: Int) -> [[UInt8]] {
        var frames: [[UInt8]] = []
        frames.reserveCapacity(qps * packetsPerQP)
        for round in 0..<packetsPerQP {
            for q in 0..<qps {
                frames.append(frame(qpn: UInt32(0x100 + q), psn: UInt32(round), opcode: 0x04, payload: 64))
            }
        }
        return frames
    }

    static func write(_ frames: [[UInt8]], to path: String) throws {
        let writer = try PcapWriter(path: path, linkType: 1)
        for (i, f) in frames.enumerated() {
            try writer.write(timestampNanoseconds: 1_700_000_000_000_000_000 + Int64(i) * 1000, data: f)
        }
        try writer.close()
    }

    /// `rdmatop-bench fixtures DIR QPS`: writes DIR/four.pcap and DIR/qps.pcap (QPS QPs, 3
    /// packets each).
    static func main(_ arguments: [String]) throws {
        guard arguments.count == 2, let qps = Int(arguments[1]), qps > 0, qps <= 1 << 20 else {
            print("usage: rdmatop-bench fixtures DIR QPS")
            throw ExitCode()
        }
        try write(four(), to: arguments[0] + "/four.pcap")
        try write(manyQPs(qps, packetsPerQP: 3), to: arguments[0] + "/qps.pcap")
        // The configuration rdmatop loads on an Ethernet interface (its opcode table filled in),
        // for probe-bench to load the programs with.
        var config = Probe.configuration(ProbeOptions(interface: "bench"), framing: RDMATOP_FRAMING_ETH)
        try withUnsafeBytes(of: &config) { try Data($0).write(to: URL(fileURLWithPath: arguments[0] + "/config.bin")) }
    }

    struct ExitCode: Error {}
}
