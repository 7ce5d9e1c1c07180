import Foundation
import Testing
import TrafficGen

/// Hand-made pcapng files with hostile timestamps: every byte spelled out from the pcapng
/// specification (SHB, IDB with `if_tsoffset`, EPB), around frames from the generator.
enum HostilePcapNG {
    /// Little-endian bytes of `value`.
    static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    /// A block: type, total length, body padded to 4 bytes, total length again.
    static func block(_ type: UInt32, _ body: [UInt8]) -> [UInt8] {
        var body = body
        while body.count % 4 != 0 { body.append(0) }
        let length = UInt32(body.count + 12)
        return le(type) + le(length) + body + le(length)
    }

    static let sectionHeader = block(0x0A0D_0D0A, le(UInt32(0x1A2B_3C4D)) + le(UInt16(1)) + le(UInt16(0)) + le(Int64(-1)))

    /// An Ethernet interface, microsecond timestamps, with `if_tsoffset` (option 14) if given.
    static func interface(tsoffset: Int64?) -> [UInt8] {
        var options: [UInt8] = []
        if let tsoffset { options += le(UInt16(14)) + le(UInt16(8)) + le(tsoffset) }
        options += le(UInt16(0)) + le(UInt16(0))
        return block(1, le(UInt16(1)) + le(UInt16(0)) + le(UInt32(0)) + options)
    }

    static func packet(interface: UInt32, timestamp: UInt64, _ data: [UInt8]) -> [UInt8] {
        block(6, le(interface) + le(UInt32(timestamp >> 32)) + le(UInt32(truncatingIfNeeded: timestamp))
              + le(UInt32(data.count)) + le(UInt32(data.count)) + data)
    }

    /// RC WRITEs with their ACKs and a READ with its responses, from the generator.
    static func frames() -> [[UInt8]] {
        let config = GeneratorConfig(connections: [ConnectionSpec(workload: .write, messageSize: 4096, messages: 4),
                                                   ConnectionSpec(workload: .read, messageSize: 4096, messages: 2)])
        return TrafficGenerator(config: config).generate().frames.map(\.bytes)
    }

    /// Writes a file of `interfaces` and `packets` (interface, raw timestamp, frame).
    static func write(_ name: String, interfaces: [Int64?], packets: [(UInt32, UInt64, [UInt8])]) throws -> String {
        var bytes = sectionHeader
        for i in interfaces { bytes += interface(tsoffset: i) }
        for (i, t, d) in packets { bytes += packet(interface: i, timestamp: t, d) }
        let path = try Paths.temporaryDirectory().appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// Inputs chosen to break arithmetic and bounds: each must give a result or a one-line
/// error, never a trap (exit 132/133) or a hang.
@Suite struct HostileInputTests {
    static func json(_ r: RunResult) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
    }

    /// `if_tsoffset` = INT64_MIN: every timestamp saturates to the start of time, where the
    /// duration used to be computed as 0 - INT64_MIN.
    @Test func anInterfaceOffsetAtTheStartOfTime() throws {
        let frame = HostilePcapNG.frames()[0]
        let path = try HostilePcapNG.write("tsmin.pcapng", interfaces: [Int64.min], packets: [(0, 0, frame)])
        for args in [["--once", "--json"], ["--count", "2", "--json"], ["--dump", "--json"], ["--once"]] {
            let r = try rdmatop(["--read", path] + args)
            #expect(r.status == 0, "\(args): \(r.stderr)")
        }
        let snapshot = try Self.json(try rdmatop("--read", path, "--once", "--json"))
        #expect(uint((snapshot["totals"] as! [String: Any])["packets"]) == 1)
        #expect(snapshot["duration_s"] as? Double == 0)
    }

    /// Requests on one interface, their ACKs and READ responses on another whose offset is
    /// extreme: round trips, PSN holes filled and clock domains across the two.
    @Test func answersOnAnInterfaceWithAnExtremeOffset() throws {
        let frames = HostilePcapNG.frames()
        for offset in [Int64.min, Int64.max, -1_700_000_000] {
            // Odd frames (answers, mostly) on interface 1; one request frame dropped and
            // sent again last, so a missing PSN is filled across the two interfaces.
            var packets: [(UInt32, UInt64, [UInt8])] = []
            for (i, f) in frames.enumerated() where i != 2 {
                packets.append((UInt32(i % 2), 1_700_000_000_000_000 + UInt64(i), f))
            }
            packets.append((1, 1_700_000_000_000_100, frames[2]))
            let path = try HostilePcapNG.write("split.pcapng", interfaces: [nil, offset], packets: packets)
            let r = try rdmatop("--read", path, "--once", "--json")
            #expect(r.status == 0, "offset \(offset): \(r.stderr)")
            let totals = try Self.json(r)["totals"] as! [String: Any]
            #expect(uint(totals["packets"]) == UInt64(frames.count))
            #expect(try rdmatop("--read", path, "--interval", "0.001").status == 0)
        }
    }

    /// A packet stamped 2^64 - 1 microseconds: periodic snapshots used to compute the next
    /// one's time past the end of Int64.
    @Test func aTimestampAtTheEndOfTime() throws {
        let frames = HostilePcapNG.frames()
        let path = try HostilePcapNG.write("tsmax.pcapng", interfaces: [nil],
                                           packets: [(0, 1_700_000_000_000_000, frames[0]), (0, UInt64.max, frames[1]),
                                                     (0, UInt64.max, frames[2])])
        for args in [["--count", "1"], ["--count", "3", "--json"], ["--interval", "86400"], ["--once", "--json"]] {
            let r = try rdmatop(["--read", path] + args)
            #expect(r.status == 0, "\(args): \(r.stderr)")
            #expect(r.stderr.isEmpty)
        }
        // Three packets, at most one snapshot per packet: no endless run at the end of time.
        let r = try rdmatop("--read", path, "--interval", "0.001", "--json")
        #expect(r.status == 0)
        #expect(r.stdout.components(separatedBy: "\"schema_version\"").count - 1 <= 3)
    }

    /// Every numeric option outside its range is a usage error naming the range, before any
    /// file is opened or probe attached.
    @Test func numericOptionsOutOfRange() throws {
        let file = try HostilePcapNG.write("one.pcapng", interfaces: [nil],
                                           packets: [(0, 1_700_000_000_000_000, HostilePcapNG.frames()[0])])
        let cases: [([String], String)] = [
            (["--read", file, "--interval", "1e10"], "from 0.001 to 86400"),
            (["--read", file, "--interval", "0.000000001"], "from 0.001 to 86400"),
            (["--read", file, "--interval", "nan"], "from 0.001 to 86400"),
            (["--read", file, "--speed", "1e300"], "from 0.001 to 1000000"),
            (["--read", file, "--speed", "1e10"], "from 0.001 to 1000000"),
            (["--read", file, "--speed", "0"], "from 0.001 to 1000000"),
            (["--read", file, "--count=-1"], "from 0 to 1000000000"),
            (["--read", file, "--count", "9000000000"], "from 0 to 1000000000"),
            (["--read", file, "--preview", "100000"], "from 0 to 4096"),
            (["--read", file, "--port", "70000"], "from 1 to 65535"),
            (["--read", file, "--port", "0"], "from 1 to 65535"),
            (["--read", file, "--max-flows", "0"], "from 1 to 10000000"),
            (["--read", file, "-s", "5000"], "from 0 to 4096"),
            (["lo", "--interval", "1e10"], "from 0.05 to 86400"),
            (["lo", "--interval", "0.01"], "from 0.05 to 86400"),
        ]
        for (args, range) in cases {
            let r = try rdmatop(args)
            #expect(r.status == 64, "\(args): \(r.stderr)")
            #expect(r.stderr.contains(range), "\(args): \(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
    }
}

/// rocegen's numeric options are bounded too: a run is bounded in packets and memory.
@Suite struct RoceGenBoundsTests {
    @Test func outOfRangeOptionsAreUsageErrors() throws {
        let out = try Paths.temporaryDirectory().appendingPathComponent("g.pcap").path
        for (args, words) in [(["--messages=-5"], "from 0 to 50000"), (["--messages", "100000000"], "from 0 to 50000"),
                              (["--loss", "5"], "from 0.0 to 1.0"), (["--mtu", "0"], "from 64 to 9000"),
                              (["--vlan", "5000"], "from 0 to 4095"),
                              (["--connection", "write:99999999999:1"], "SIZE from 0 to 4294967295"),
                              (["--connection", "write:4294967295:100"], "packets, more than")] {
            let r = try run(Paths.rocegen, ["-o", out] + args)
            #expect(r.status == 64, "\(args): \(r.stderr)")
            #expect(r.stderr.contains(words), "\(args): \(r.stderr)")
        }
    }
}
