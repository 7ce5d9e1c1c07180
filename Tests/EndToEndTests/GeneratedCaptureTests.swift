import Capture
import Foundation
import RoCE
import Testing

/// Captures built with the encoder for what the real captures lack: XRC, FLUSH, ATOMIC
/// WRITE, CNP, IETH, ImmDt, IPv6, VLAN and QinQ, bad ICRCs, truncation at each header, and
/// the cooked and raw-IP link types.
@Suite struct GeneratedCaptureTests {
    static let macA = MACAddress(0x02_00_00_00_00_01), macB = MACAddress(0x02_00_00_00_00_02)

    /// A spec with distinctive values in every header the opcode carries.
    static func spec(_ opcode: UInt8, ipv6: Bool, tags: [VLANTag], n: UInt32) -> PacketSpec {
        let eth = EthernetHeader(destination: macB, source: macA, outerTag: tags.first,
                                 innerTag: tags.count > 1 ? tags[1] : nil, etherType: 0)
        var s = PacketSpec(ethernet: eth, source: IPAddress(ipv6 ? "fd00::a" : "192.168.7.1")!,
                           destination: IPAddress(ipv6 ? "fd00::b" : "192.168.7.2")!,
                           bth: BTH(opcode: opcode, solicitedEvent: n % 2 == 0, partitionKey: 0x8001 + UInt16(n % 7),
                                    becn: opcode == 0x81, destQP: 0x100 + n, ackRequest: n % 3 == 0, psn: 0x10_0000 + n))
        s.sourcePort = UInt16(50000 + n)
        s.rdeth = RDETH(eeContext: 0x777)
        s.deth = DETH(qKey: 0x1111_0000 + n, srcQP: 0x200 + n)
        s.xrceth = XRCETH(srqNumber: 0x300 + n)
        s.reth = RETH(virtualAddress: 0x7F00_0000_0000 + UInt64(n) << 12, rKey: 0xABC0 + n, dmaLength: 4096 + n)
        s.atomicETH = AtomicETH(virtualAddress: 0x7E00_0000_0000 + UInt64(n), rKey: 0xDEF0 + n, swapOrAdd: UInt64(n) * 3,
                                compare: UInt64(n) * 5)
        s.aeth = AETH(syndromeByte: UInt8(truncatingIfNeeded: n % 2 == 0 ? 0x1F : 0x60), msn: 0x40 + n)
        s.atomicAckETH = AtomicAckETH(originalRemoteData: 0x1234_0000 + UInt64(n))
        s.immediate = 0xC0DE_0000 + n
        s.invalidateRKey = 0xBEEF_0000 + n
        s.feth = FETH(selectivityLevel: UInt8(n % 4), placementType: UInt8(n % 16))
        if OpcodeTable[opcode].classes.contains(.payload) {
            s.payload = opcode & 0x1F == 0x1D ? Array(repeating: 0xAB, count: 8)
                : (0..<Int(n % 50 + 1)).map { UInt8(truncatingIfNeeded: $0) }
        }
        return s
    }

    struct Generated {
        var path: String
        var specs: [PacketSpec]
    }

    /// Every defined opcode, IPv4 and IPv6, untagged, 802.1Q and QinQ.
    static func everyOpcode() throws -> Generated {
        let dir = try Paths.temporaryDirectory()
        let path = dir.appendingPathComponent("every-opcode.pcap").path
        let writer = try PcapWriter(path: path, linkType: PcapLinkType.ethernet)
        var specs: [PacketSpec] = []
        var n: UInt32 = 0
        let tagSets: [[VLANTag]] = [[], [VLANTag(priority: 3, vid: 100)],
                                    [VLANTag(tpid: 0x88A8, vid: 10), VLANTag(priority: 5, vid: 200)]]
        for ipv6 in [false, true] {
            for tags in tagSets {
                for entry in OpcodeTable.entries where entry.isDefined {
                    let s = spec(entry.opcode, ipv6: ipv6, tags: tags, n: n)
                    try writer.write(timestampNanoseconds: 1_700_000_000_000_000_000 + Int64(n) * 1000,
                                     data: PacketEncoder.encode(s))
                    specs.append(s)
                    n += 1
                }
            }
        }
        try writer.close()
        return Generated(path: path, specs: specs)
    }

    @Test func everyHeaderOfEveryOpcodeIsDumpedWithItsValues() throws {
        let generated = try Self.everyOpcode()
        let result = try rdmatop("--read", generated.path, "--dump", "--json")
        #expect(result.status == 0)
        let packets = try jsonLines(result.stdout)
        #expect(packets.count == generated.specs.count)
        for (p, s) in zip(packets, generated.specs) {
            let info = OpcodeTable[s.bth.opcode]
            let label = Comment(rawValue: "\(info.name) frame \(uint(p["frame.number"]) ?? 0)")
            #expect(p["opcode_name"] as? String == info.name, label)
            #expect(p["icrc_ok"] as? Bool == true, label)
            #expect(uint(p["infiniband.bth.destqp"]) == UInt64(s.bth.destQP), label)
            #expect(uint(p["infiniband.bth.psn"]) == UInt64(s.bth.psn), label)
            #expect(uint(p["infiniband.bth.p_key"]) == UInt64(s.bth.partitionKey), label)
            #expect(p["becn"] as? Bool == s.bth.becn, label)
            #expect(p["infiniband.bth.se"] as? Bool == s.bth.solicitedEvent, label)
            #expect(uint(p["payload_len"]) == UInt64(s.payload.count), label)
            let ipKey = s.source.isIPv4 ? "ip" : "ipv6"
            #expect(p["\(ipKey).src"] as? String == s.source.description, label)
            #expect(p["\(ipKey).dst"] as? String == s.destination.description, label)
            let vids = (p["vlan.id"] as? [Any])?.compactMap(uint) ?? []
            #expect(vids == [s.ethernet?.outerTag, s.ethernet?.innerTag].compactMap { $0.map { UInt64($0.vid) } }, label)
            let has = Set(info.headers)
            func check(_ key: String, _ header: ExtendedHeader, _ value: UInt64?) {
                if has.contains(header) {
                    #expect(uint(p[key]) == value, "\(label.rawValue) \(key)")
                }
            }
            check("infiniband.rdeth.eecnxt", .rdeth, s.rdeth.map { UInt64($0.eeContext) })
            check("infiniband.deth.q_key", .deth, s.deth.map { UInt64($0.qKey) })
            check("infiniband.deth.srcqp", .deth, s.deth.map { UInt64($0.srcQP) })
            check("xrceth.srqn", .xrceth, s.xrceth.map { UInt64($0.srqNumber) })
            check("infiniband.reth.va", .reth, s.reth?.virtualAddress)
            check("infiniband.reth.dmalen", .reth, s.reth.map { UInt64($0.dmaLength) })
            check("infiniband.reth.va", .atomicETH, s.atomicETH?.virtualAddress)
            check("infiniband.atomiceth.swapdt", .atomicETH, s.atomicETH?.swapOrAdd)
            check("infiniband.atomiceth.cmpdt", .atomicETH, s.atomicETH?.compare)
            check("infiniband.aeth.syndrome", .aeth, s.aeth.map { UInt64($0.syndromeByte) })
            check("infiniband.aeth.msn", .aeth, s.aeth.map { UInt64($0.msn) })
            check("infiniband.atomicacketh.origremdt", .atomicAckETH, s.atomicAckETH?.originalRemoteData)
            check("infiniband.immdt", .immDt, s.immediate.map(UInt64.init))
            check("infiniband.ieth", .ieth, s.invalidateRKey.map(UInt64.init))
            check("feth.selectivity_level", .feth, s.feth.map { UInt64($0.selectivityLevel) })
            check("feth.placement_type", .feth, s.feth.map { UInt64($0.placementType) })
            if has.contains(.aeth) {
                #expect(p["aeth.type"] as? String == (s.aeth!.syndromeByte == 0x60 ? "nak" : "ack"), label)
            }
        }
    }

    /// tshark agrees on the generated IPv6, VLAN, IETH and ImmDt packets it can decode.
    @Test func tsharkAgreesOnGeneratedPacketsItDecodes() throws {
        let generated = try Self.everyOpcode()
        let ours = try jsonLines(try rdmatop("--read", generated.path, "--dump", "--json").stdout)
        let fields = ["frame.number", "infiniband.bth.opcode", "infiniband.bth.destqp", "infiniband.bth.psn",
                      "infiniband.immdt", "infiniband.ieth", "infiniband.deth.srcqp", "vlan.id", "ipv6.src"]
        let rows = try tsharkFields(generated.path, fields)
        var compared = 0
        for row in rows {
            let p = ours[Int(row[0])! - 1]
            let opcode = tsharkNumber(row[1])!
            // tshark's decodable set; it also misplaces the RD headers (it reads the DETH where
            // the RDETH is), so RD is rdmatop's alone too.
            guard opcode < 0x40 || (opcode >= 0x60 && opcode < 0x80), opcode & 0x1F <= 0x17 else { continue }
            let spec = generated.specs[Int(row[0])! - 1]
            #expect(uint(p["infiniband.bth.destqp"]) == tsharkNumber(row[2]))
            #expect(uint(p["infiniband.bth.psn"]) == tsharkNumber(row[3]))
            if !row[4].isEmpty { #expect(uint(p["infiniband.immdt"]) == tsharkNumber(row[4], bytes: true)); compared += 1 }
            if !row[5].isEmpty { #expect(uint(p["infiniband.ieth"]) == tsharkNumber(row[5], bytes: true)); compared += 1 }
            if !row[6].isEmpty { #expect(uint(p["infiniband.deth.srcqp"]) == tsharkNumber(row[6])) }
            // tshark shows an 802.1ad outer tag as ieee8021ad, so its vlan.id is the first 802.1Q tag.
            let dot1q = [spec.ethernet?.outerTag, spec.ethernet?.innerTag].compactMap { $0 }.first { $0.tpid == 0x8100 }
            #expect(tsharkNumber(row[7]) == dot1q.map { UInt64($0.vid) })
            if let vids = p["vlan.id"] as? [Any], let vid = dot1q?.vid { #expect(vids.compactMap(uint).contains(UInt64(vid))) }
            if !row[8].isEmpty { #expect(p["ipv6.src"] as? String == row[8]); compared += 1 }
        }
        #expect(compared > 50)
    }

    @Test func opcodesTsharkMisreadsAreCountedByName() throws {
        let generated = try Self.everyOpcode()
        let snapshot = try JSONSerialization.jsonObject(
            with: Data(try rdmatop("--read", generated.path, "--once", "--json").stdout.utf8)) as! [String: Any]
        let opcodes = Dictionary(uniqueKeysWithValues: (snapshot["opcodes"] as! [[String: Any]]).map {
            ($0["name"] as! String, uint($0["packets"])!)
        })
        for name in ["CNP", "RC_FLUSH", "RC_ATOMIC_WRITE", "XRC_SEND_FIRST", "XRC_RDMA_READ_REQUEST",
                     "RC_SEND_ONLY_WITH_INVALIDATE", "UD_SEND_ONLY_WITH_IMMEDIATE", "RD_RESYNC"] {
            #expect(opcodes[name] == 6, "\(name): 2 IP versions x 3 framings")
        }
        let totals = snapshot["totals"] as! [String: Any]
        #expect(uint(totals["icrc_errors"]) == 0)
        #expect(uint(totals["icrc_checked"]) == UInt64(generated.specs.count))
    }

    @Test func aBadICRCIsCountedAndShown() throws {
        let dir = try Paths.temporaryDirectory()
        let path = dir.appendingPathComponent("bad-icrc.pcap").path
        let writer = try PcapWriter(path: path, linkType: PcapLinkType.ethernet)
        var good = Self.spec(0x04, ipv6: false, tags: [], n: 1)
        try writer.write(timestampNanoseconds: 1, data: PacketEncoder.encode(good))
        good.icrcOverride = 0xDEAD_BEEF
        try writer.write(timestampNanoseconds: 2, data: PacketEncoder.encode(good))
        var v6 = Self.spec(0x0A, ipv6: true, tags: [], n: 2)
        var bytes = PacketEncoder.encode(v6)
        bytes[bytes.count - 6] ^= 0x40  // corrupt the payload: the ICRC no longer matches
        try writer.write(timestampNanoseconds: 3, data: bytes)
        v6.bth.psn += 1
        try writer.write(timestampNanoseconds: 4, data: PacketEncoder.encode(v6))
        try writer.close()

        let packets = try jsonLines(try rdmatop("--read", path, "--dump", "--json").stdout)
        #expect(packets.map { $0["icrc_ok"] as? Bool } == [true, false, false, true])
        #expect(uint(packets[1]["infiniband.invariant.crc"]) == 0xDEAD_BEEF)
        #expect(uint(packets[1]["icrc_expected"]) == uint(packets[0]["infiniband.invariant.crc"]))
        let text = try rdmatop("--read", path, "--dump").stdout
        #expect(text.contains("0xdeadbeef BAD (expected"))
        let snapshot = try JSONSerialization.jsonObject(
            with: Data(try rdmatop("--read", path, "--once", "--json").stdout.utf8)) as! [String: Any]
        let totals = snapshot["totals"] as! [String: Any]
        #expect(uint(totals["icrc_errors"]) == 2)
        #expect(uint(totals["icrc_checked"]) == 4)
        let qpErrors = (snapshot["qps"] as! [[String: Any]]).map { uint($0["icrc_errors"])! }.reduce(0, +)
        #expect(qpErrors == 2)
    }

    /// A frame cut inside each header is reported malformed, naming the header; cut in the
    /// payload it decodes, with the ICRC unchecked.
    @Test func truncationAtEachHeaderIsReported() throws {
        let dir = try Paths.temporaryDirectory()
        let path = dir.appendingPathComponent("truncated.pcap").path
        let writer = try PcapWriter(path: path, linkType: PcapLinkType.ethernet)
        var expected: [String?] = []
        for opcode: UInt8 in [0x0B, 0x12, 0x44, 0xA1, 0x81, 0xBC] {  // RC WRITE ONLY IMM, ATOMIC ACK, RD SEND ONLY, XRC, CNP, XRC FLUSH
            let s = Self.spec(opcode, ipv6: opcode == 0x12, tags: opcode == 0x44 ? [VLANTag(vid: 9)] : [], n: UInt32(opcode))
            let bytes = PacketEncoder.encode(s)
            let tagged = s.ethernet?.outerTag != nil
            var layers: [(Int, String)] = [(14, "Ethernet header")]
            if tagged { layers.append((18, "VLAN tag")) }
            var end = layers.last!.0 + (s.source.isIPv4 ? 20 : 40)
            layers.append((end, s.source.isIPv4 ? "IPv4 header" : "IPv6 header"))
            end += 8; layers.append((end, "UDP header"))
            end += 12; layers.append((end, "BTH"))
            for h in OpcodeTable[opcode].headers {
                end += h.size
                layers.append((end, h.name))
            }
            for (boundary, name) in layers {
                try writer.write(timestampNanoseconds: 1, originalLength: bytes.count, data: Array(bytes.prefix(boundary - 1)))
                expected.append("truncated in the \(name)")
            }
            if end < bytes.count - 1 {
                try writer.write(timestampNanoseconds: 1, originalLength: bytes.count, data: Array(bytes.prefix(end + 1)))
                expected.append(nil)
            }
        }
        try writer.close()
        let packets = try jsonLines(try rdmatop("--read", path, "--dump", "--json").stdout)
        #expect(packets.count == expected.count)
        for (p, e) in zip(packets, expected) {
            #expect(p["error"] as? String == e, "frame \(uint(p["frame.number"]) ?? 0)")
            if e == nil { #expect(p["icrc_ok"] is NSNull) } else { #expect(p["error_kind"] as? String == "truncated") }
        }
        let snapshot = try JSONSerialization.jsonObject(
            with: Data(try rdmatop("--read", path, "--once", "--json").stdout.utf8)) as! [String: Any]
        let totals = snapshot["totals"] as! [String: Any]
        #expect(uint(totals["malformed"]) == UInt64(expected.filter { $0 != nil }.count))
        let malformed = snapshot["malformed"] as! [[String: Any]]
        #expect(malformed.contains { $0["detail"] as? String == "truncated in the AtomicAckETH" })
        #expect(malformed.contains { $0["detail"] as? String == "truncated in the XRCETH" })
        #expect(malformed.contains { $0["detail"] as? String == "truncated in the FETH" })
    }

    /// `tcpdump -i any` (Linux cooked v1 and v2) and raw-IP captures decode like Ethernet ones,
    /// with the direction of the cooked header.
    @Test(arguments: [PcapLinkType.linuxSLL, PcapLinkType.linuxSLL2, PcapLinkType.raw])
    func cookedAndRawCapturesDecode(linkType: UInt32) throws {
        let dir = try Paths.temporaryDirectory()
        let path = dir.appendingPathComponent("link-\(linkType).pcap").path
        let writer = try PcapWriter(path: path, linkType: linkType)
        for (i, outgoing) in [false, true, false].enumerated() {
            var s = Self.spec(0x04, ipv6: i == 2, tags: [], n: UInt32(i))
            s.ethernet = nil
            let ip = PacketEncoder.encode(s)
            let proto: [UInt8] = i == 2 ? [0x86, 0xDD] : [0x08, 0x00]
            let type: UInt8 = outgoing ? 4 : 0
            let frame: [UInt8]
            switch linkType {
            case PcapLinkType.linuxSLL: frame = [0, type, 0, 1, 0, 6] + Self.macA.bytes + [0, 0] + proto + ip
            case PcapLinkType.linuxSLL2: frame = proto + [0, 0, 0, 0, 0, 2, 0, 1, type, 6] + Self.macA.bytes + [0, 0] + ip
            default: frame = ip
            }
            try writer.write(timestampNanoseconds: Int64(i), data: frame)
        }
        try writer.close()
        let packets = try jsonLines(try rdmatop("--read", path, "--dump", "--json").stdout)
        #expect(packets.count == 3)
        #expect(packets.allSatisfy { $0["icrc_ok"] as? Bool == true })
        if linkType != PcapLinkType.raw {
            #expect(packets.map { $0["direction"] as? String } == ["rx", "tx", "rx"])
        }
        let rows = try tsharkFields(path, ["infiniband.bth.destqp"])
        #expect(rows.count == 3, "tshark decodes the same frames")
    }

    @Test func pcapngWithSeveralInterfacesIsRead() throws {
        let dir = try Paths.temporaryDirectory()
        let path = dir.appendingPathComponent("multi.pcapng").path
        let writer = try PcapNGWriter(path: path)
        let eth = try writer.addInterface(linkType: PcapLinkType.ethernet, name: "eth0")
        let raw = try writer.addInterface(linkType: PcapLinkType.raw, name: "rxe0")
        var s = Self.spec(0x0A, ipv6: false, tags: [], n: 3)
        try writer.write(interfaceID: eth, timestampNanoseconds: 10, data: PacketEncoder.encode(s), direction: .inbound)
        s.ethernet = nil
        try writer.write(interfaceID: raw, timestampNanoseconds: 20, data: PacketEncoder.encode(s), direction: .outbound)
        try writer.close()
        let packets = try jsonLines(try rdmatop("--read", path, "--dump", "--json").stdout)
        #expect(packets.map { uint($0["frame.interface_id"]) } == [0, 1])
        #expect(packets.map { $0["direction"] as? String } == ["rx", "tx"])
        #expect(packets.allSatisfy { $0["icrc_ok"] as? Bool == true })
    }
}
