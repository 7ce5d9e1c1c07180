import Foundation
import Testing

/// Every real SoftRoCE capture (../shared/captures, and the fixtures of the shapes they lack:
/// RNR NAKs and CE marks, IPv6, VLAN tags, compare-and-swap, UC), decoded by rdmatop and by
/// tshark, compared packet by packet on the fields tshark 4.0 decodes correctly (roce.md,
/// "What tshark 4.0 gets wrong").
@Suite struct TsharkComparisonTests {
    /// tshark field -> rdmatop `--dump --json` key; `bytes` marks tshark FT_BYTES fields.
    static let fields: [(tshark: String, json: String, bytes: Bool)] = [
        ("frame.len", "frame.len", false),
        ("frame.cap_len", "frame.cap_len", false),
        ("udp.srcport", "udp.srcport", false),
        ("infiniband.bth.opcode", "infiniband.bth.opcode", false),
        ("infiniband.bth.se", "infiniband.bth.se", false),
        ("infiniband.bth.m", "infiniband.bth.m", false),
        ("infiniband.bth.padcnt", "infiniband.bth.padcnt", false),
        ("infiniband.bth.tver", "infiniband.bth.tver", false),
        ("infiniband.bth.p_key", "infiniband.bth.p_key", false),
        ("infiniband.bth.destqp", "infiniband.bth.destqp", false),
        ("infiniband.bth.a", "infiniband.bth.a", false),
        ("infiniband.bth.psn", "infiniband.bth.psn", false),
        ("infiniband.reth.va", "infiniband.reth.va", false),
        ("infiniband.reth.r_key", "infiniband.reth.r_key", false),
        ("infiniband.reth.dmalen", "infiniband.reth.dmalen", false),
        ("infiniband.aeth.syndrome", "infiniband.aeth.syndrome", false),
        ("infiniband.aeth.msn", "infiniband.aeth.msn", false),
        ("infiniband.deth.q_key", "infiniband.deth.q_key", false),
        ("infiniband.deth.srcqp", "infiniband.deth.srcqp", false),
        ("infiniband.immdt", "infiniband.immdt", true),
        ("infiniband.ieth", "infiniband.ieth", true),
        ("infiniband.atomiceth.swapdt", "infiniband.atomiceth.swapdt", false),
        ("infiniband.atomiceth.cmpdt", "infiniband.atomiceth.cmpdt", false),
        ("infiniband.atomicacketh.origremdt", "infiniband.atomicacketh.origremdt", false),
        ("vlan.id", "vlan.id", false),
        ("ip.dsfield.ecn", "ip.dsfield.ecn", false),
        ("ip.ttl", "ip.ttl", false),
        ("ipv6.tclass.ecn", "ipv6.tclass.ecn", false),
        ("ipv6.hlim", "ipv6.hlim", false),
        ("ipv6.flow", "ipv6.flow", false),
    ]

    /// The real fixtures beside ../shared's captures: "FOLDER/NAME.pcap" under Tests/Fixtures.
    static let fixtureFolders = ["rxe-rnr-ecn", "rxe-shapes", "rxe-spurious-timer", "rxe-veth-reorder"]

    static func captureNames() throws -> [String] {
        var names = try Paths.realCaptures().map(\.lastPathComponent)
        for folder in fixtureFolders {
            let dir = Paths.root.appendingPathComponent("Tests/Fixtures/\(folder)")
            let pcaps = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".pcap") }.sorted()
            #expect(!pcaps.isEmpty, "no capture in Tests/Fixtures/\(folder)")
            names += pcaps.map { "\(folder)/\($0)" }
        }
        return names
    }

    /// The file of a capture name: ../shared/captures/NAME, or Tests/Fixtures/FOLDER/NAME.
    static func path(_ capture: String) -> String {
        capture.contains("/") ? Paths.root.appendingPathComponent("Tests/Fixtures/\(capture)").path
            : Paths.captures.appendingPathComponent(capture).path
    }

    /// A dump field's number; a list (VLAN IDs, outermost first) gives its first, as tshark's
    /// `occurrence=f` does.
    static func number(_ value: Any?) -> UInt64? { uint((value as? [Any])?.first ?? value) }

    /// The address columns of a tshark row that starts with ip.src, ipv6.src, ip.dst, ipv6.dst.
    static func addresses(_ row: [String], at i: Int) -> (src: String, dst: String) {
        (row[i].isEmpty ? row[i + 1] : row[i], row[i + 2].isEmpty ? row[i + 3] : row[i + 2])
    }

    @Test(arguments: try captureNames())
    func packetByPacketEqualsTshark(capture: String) throws {
        let path = Self.path(capture)
        let result = try rdmatop("--read", path, "--dump", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let ours = Dictionary(uniqueKeysWithValues: try jsonLines(result.stdout).map { (uint($0["frame.number"])!, $0) })
        let rows = try tsharkFields(path, ["frame.number", "ip.src", "ipv6.src", "ip.dst", "ipv6.dst"] + Self.fields.map(\.tshark))
        let first = 5  // the column of Self.fields[0]
        #expect(rows.count == ours.count, "\(capture): tshark sees \(rows.count) RoCE packets, rdmatop \(ours.count)")
        var compared = 0
        for row in rows {
            guard let number = UInt64(row[0]), let packet = ours[number] else {
                Issue.record("\(capture): frame \(row[0]) missing from rdmatop's dump")
                continue
            }
            let (src, dst) = Self.addresses(row, at: 1)
            #expect((packet["ip.src"] ?? packet["ipv6.src"]) as? String == src, "\(capture) #\(number) source")
            #expect((packet["ip.dst"] ?? packet["ipv6.dst"]) as? String == dst, "\(capture) #\(number) destination")
            let opcode = tsharkNumber(row[first + 3]) ?? 0xFFFF
            // tshark decodes the IBTA opcodes 0x00-0x17 of RC/UC/RD/UD; CNP, XRC, FLUSH and
            // ATOMIC WRITE are rdmatop's alone.
            guard opcode & 0x1F <= 0x17, opcode < 0x80 else { continue }
            for (i, field) in Self.fields.enumerated() {
                let theirs = tsharkNumber(row[first + i], bytes: field.bytes)
                #expect(Self.number(packet[field.json]) == theirs,
                        "\(capture) #\(number) \(field.tshark): rdmatop \(String(describing: packet[field.json])), tshark \(row[first + i])")
            }
            compared += 1
        }
        #expect(compared > 0)
    }

    /// Every packet captured in full has an ICRC that checks (roce.md: rxe computes them
    /// correctly); packets cut by the snap length are not checked.
    @Test(arguments: try captureNames())
    func everyFullyCapturedICRCChecks(capture: String) throws {
        let path = Self.path(capture)
        let packets = try jsonLines(try rdmatop("--read", path, "--dump", "--json").stdout)
        var full = 0
        for p in packets {
            let complete = uint(p["frame.len"]) == uint(p["frame.cap_len"])
            if complete {
                full += 1
                #expect(p["icrc_ok"] as? Bool == true, "\(capture) #\(uint(p["frame.number"]) ?? 0)")
            } else {
                #expect(p["icrc_ok"] is NSNull, "\(capture) #\(uint(p["frame.number"]) ?? 0) is truncated")
            }
        }
        let snapshot = try snapshotJSON(path)
        let totals = snapshot["totals"] as! [String: Any]
        #expect(uint(totals["icrc_checked"]) == UInt64(full))
        #expect(uint(totals["icrc_errors"]) == 0)
        #expect(uint(totals["malformed"]) == 0)
    }

    /// `--once --json` per-QP and per-opcode counts equal counts made from tshark's fields.
    @Test(arguments: try captureNames())
    func snapshotCountsEqualTshark(capture: String) throws {
        let path = Self.path(capture)
        let rows = try tsharkFields(path, ["ip.src", "ipv6.src", "ip.dst", "ipv6.dst", "infiniband.bth.destqp",
                                           "infiniband.bth.opcode", "frame.len"])
        struct Key: Hashable { var src: String, dst: String, qpn: UInt64 }
        var qpPackets: [Key: UInt64] = [:], qpBytes: [Key: UInt64] = [:]
        var qpOpcodes: [Key: [UInt64: UInt64]] = [:]
        var opPackets: [UInt64: UInt64] = [:], opBytes: [UInt64: UInt64] = [:]
        for row in rows {
            let (src, dst) = Self.addresses(row, at: 0)
            let key = Key(src: src, dst: dst, qpn: tsharkNumber(row[4])!)
            let op = tsharkNumber(row[5])!, len = tsharkNumber(row[6])!
            qpPackets[key, default: 0] += 1
            qpBytes[key, default: 0] += len
            qpOpcodes[key, default: [:]][op, default: 0] += 1
            opPackets[op, default: 0] += 1
            opBytes[op, default: 0] += len
        }
        let snapshot = try snapshotJSON(path)
        #expect(snapshot["version"] as? Int == 12)
        let qps = snapshot["qps"] as! [[String: Any]]
        #expect(qps.count == qpPackets.count, "\(capture): QP count")
        for qp in qps {
            let key = Key(src: qp["src"] as! String, dst: qp["dst"] as! String, qpn: uint(qp["qpn"])!)
            #expect(uint(qp["packets"]) == qpPackets[key], "\(capture) \(key) packets")
            #expect(uint(qp["bytes"]) == qpBytes[key], "\(capture) \(key) bytes")
            let opcodes = qp["opcodes"] as! [String: Any]
            let byNumber = Dictionary(uniqueKeysWithValues: opcodes.map { (Self.opcodeNumber($0.key), uint($0.value)!) })
            #expect(byNumber == qpOpcodes[key], "\(capture) \(key) opcodes")
            // The kernel's opcode classes (counted by bpf/rdmatop_flow.h), from tshark's
            // opcodes by the IBTA's operation codes.
            var classes: [String: UInt64] = [:]
            for (op, n) in qpOpcodes[key] ?? [:] { classes[Self.opcodeClass(op), default: 0] += n }
            let theirs = (qp["classes"] as? [String: Any] ?? [:]).mapValues { uint($0) ?? 0 }
            #expect(theirs == classes, "\(capture) \(key) classes")
        }
        let opcodes = snapshot["opcodes"] as! [[String: Any]]
        #expect(opcodes.count == opPackets.count)
        for op in opcodes {
            let n = uint(op["opcode"])!
            #expect(uint(op["packets"]) == opPackets[n], "\(capture) opcode \(n)")
            #expect(uint(op["bytes"]) == opBytes[n], "\(capture) opcode \(n) bytes")
        }
        let totals = snapshot["totals"] as! [String: Any]
        #expect(uint(totals["roce_packets"]) == UInt64(rows.count))
    }

    func snapshotJSON(_ path: String) throws -> [String: Any] {
        let result = try rdmatop("--read", path, "--once", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
    }

    /// The class of an opcode (IBTA 9.2.1, the operation in its low five bits; 0x81: CNP).
    static func opcodeClass(_ opcode: UInt64) -> String {
        if opcode == 0x81 { return "cnp" }
        switch opcode & 0x1F {
        case 0x00...0x05, 0x16, 0x17: return "send"
        case 0x06...0x0B: return "write"
        case 0x0C: return "read_request"
        case 0x0D...0x10: return "read_response"
        case 0x11: return "acknowledge"
        case 0x12...0x14: return "atomic"
        default: return "other"
        }
    }

    /// The opcode number of a name in rdmatop's table, through the CLI's own opcode list.
    static func opcodeNumber(_ name: String) -> UInt64 {
        opcodeNumbers[name] ?? 0xFFFF
    }

    static let opcodeNumbers: [String: UInt64] = {
        // `rdmatop --list-opcodes --json` would do; the names follow Linux's IB_OPCODE_*, so
        // build the map from the transport prefixes and the operation names of roce.md.
        let operations: [(UInt64, String)] = [
            (0x00, "SEND_FIRST"), (0x01, "SEND_MIDDLE"), (0x02, "SEND_LAST"), (0x03, "SEND_LAST_WITH_IMMEDIATE"),
            (0x04, "SEND_ONLY"), (0x05, "SEND_ONLY_WITH_IMMEDIATE"), (0x06, "RDMA_WRITE_FIRST"),
            (0x07, "RDMA_WRITE_MIDDLE"), (0x08, "RDMA_WRITE_LAST"), (0x09, "RDMA_WRITE_LAST_WITH_IMMEDIATE"),
            (0x0A, "RDMA_WRITE_ONLY"), (0x0B, "RDMA_WRITE_ONLY_WITH_IMMEDIATE"), (0x0C, "RDMA_READ_REQUEST"),
            (0x0D, "RDMA_READ_RESPONSE_FIRST"), (0x0E, "RDMA_READ_RESPONSE_MIDDLE"),
            (0x0F, "RDMA_READ_RESPONSE_LAST"), (0x10, "RDMA_READ_RESPONSE_ONLY"), (0x11, "ACKNOWLEDGE"),
            (0x12, "ATOMIC_ACKNOWLEDGE"), (0x13, "COMPARE_SWAP"), (0x14, "FETCH_ADD"),
            (0x16, "SEND_LAST_WITH_INVALIDATE"), (0x17, "SEND_ONLY_WITH_INVALIDATE"),
        ]
        var map: [String: UInt64] = ["CNP": 0x81]
        for (prefix, transport) in [(0x00, "RC"), (0x20, "UC"), (0x40, "RD"), (0x60, "UD"), (0xA0, "XRC")] {
            for (code, name) in operations { map["\(transport)_\(name)"] = UInt64(prefix) | code }
        }
        return map
    }()
}
