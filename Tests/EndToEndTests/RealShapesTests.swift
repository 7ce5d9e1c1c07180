import Foundation
import Testing

/// The traffic shapes no other real capture holds (Tests/Fixtures/rxe-shapes, made by
/// tests/lab/guest-shapes.sh in the SoftRoCE VM): RoCE over IPv6 and over VLAN 100,
/// compare-and-swap, UC WRITEs and SENDs, UD SENDs, rsockets' RDMA WRITEs with immediate
/// data, and NVMe over Fabrics. Beside tshark's packet-by-packet reading (TsharkComparisonTests), each is held to
/// what rxe and the tools counted themselves.
@Suite struct RealShapesTests {
    static let folder = Paths.root.appendingPathComponent("Tests/Fixtures/rxe-shapes")
    static let runs = ["ipv6", "vlan", "cmp_swap", "uc_write", "uc_send", "ud_pingpong", "ud_send"]
    static let rstreamRuns = ["rstream_4k", "rstream_small"]


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

    /// rstream's `-S SIZE -C COUNT -I ITERATIONS`, from the client's command in the log, and
    /// whether both ends exited 0.
    func rstreamTransfers(_ run: String) throws -> (size: UInt64, count: UInt64, iterations: UInt64, ok: Bool) {
        let log = try String(contentsOf: Self.folder.appendingPathComponent("\(run).log"), encoding: .utf8)
        let client = log.split(separator: "\n").first { $0.hasPrefix("### client:") }!.split(separator: " ").map(String.init)
        let option = { (flag: String) in UInt64(client[client.firstIndex(of: flag)! + 1])! }
        let ok = log.split(separator: "\n").filter { $0.hasPrefix("###") }.allSatisfy { $0.hasSuffix("(exit 0)") }
        return (option("-S"), option("-C"), option("-I"), ok)
    }

    /// rsockets (rstream) moves every transfer as an RDMA WRITE with immediate data, the
    /// transfer's length in the immediate, and its credits and shutdown as zero-length ones;
    /// rdma_cm makes the connection with MADs on QP 1. Each RC flow's payload and messages are
    /// tshark's RETH DMA lengths and FIRST and ONLY packets; the data lengths rsockets wrote
    /// into the immediates add up to rstream's own transfers.
    @Test(arguments: rstreamRuns)
    func rsocketWritesWithImmediateAreRstreamsTransfers(run: String) throws {
        let path = Self.folder.appendingPathComponent("\(run).pcap").path
        let qps = try snapshotQPs(path)
        let hw = try rxeCounterDeltas(Self.folder.appendingPathComponent("\(run).counters"))
        let from = { (src: String) in qps.filter { $0["src"] as? String == src } }
        let sum = { (flows: [[String: Any]], key: String) in flows.compactMap { uint($0[key]) }.reduce(0, +) }
        #expect(sum(from("10.0.0.1"), "packets") == hw["rxeA.sent_pkts"], "\(run): \(hw)")
        #expect(sum(from("10.0.0.2"), "packets") == hw["rxeB.sent_pkts"], "\(run): \(hw)")

        // tshark's fields, read by this definition: a message's length is its first packet's
        // RETH DMA length (WRITE FIRST, ONLY, ONLY WITH IMMEDIATE); rsockets' data transfers
        // are the immediates whose top three bits (the rsocket operation) are 0.
        let rows = try tsharkFields(path, ["ip.src", "infiniband.bth.opcode", "infiniband.reth.dmalen", "infiniband.immdt"])
        var messages: [String: UInt64] = [:], payload: [String: UInt64] = [:], data: [String: UInt64] = [:]
        for row in rows {
            let opcode = tsharkNumber(row[1])!
            if [0x06, 0x0A, 0x0B].contains(opcode) {
                messages[row[0], default: 0] += 1
                payload[row[0], default: 0] += tsharkNumber(row[2])!
            }
            if let imm = tsharkNumber(row[3], bytes: true), imm >> 29 == 0 { data[row[0], default: 0] += imm }
        }
        let rstream = try rstreamTransfers(run)
        #expect(rstream.ok, "\(run): rstream failed")
        for src in ["10.0.0.1", "10.0.0.2"] {
            let rc = from(src).filter { $0["transport"] as? String == "RC" }
            #expect(rc.count == 1, "\(run) \(src): one RC flow")
            guard let flow = rc.first else { continue }
            #expect(uint(flow["payload_bytes"]) == payload[src], "\(run) \(src): payload \(flow["payload_bytes"]!), tshark \(payload[src] ?? 0)")
            #expect(uint(flow["messages"]) == messages[src], "\(run) \(src): messages \(flow["messages"]!), tshark \(messages[src] ?? 0)")
            #expect(uint(flow["partial_messages"]) == 0)
            // rstream's transfers, each way, and the 16 bytes each end sends first (its sync_test).
            #expect(data[src] == rstream.size * rstream.count * rstream.iterations + 16, "\(run) \(src): \(data[src] ?? 0)")
            let sizes = flow["message_bytes"] as! [String: Any]
            #expect(uint(sizes["min"]) == 0, "\(run) \(src): the credits and the shutdown carry no data")
            #expect(uint(flow["lost_packets"]) == 0 && uint(flow["retransmitted_packets"]) == 0 && uint(flow["missing_psns"]) == 0)
        }
        // The connection's MADs: UD SEND_ONLY to QP 1, 256 bytes each (IBTA 13.4.2).
        let mads = qps.filter { uint($0["qpn"]) == 1 }
        #expect(!mads.isEmpty && mads.allSatisfy { $0["transport"] as? String == "UD" && uint($0["payload_bytes"]) == 256 * uint($0["packets"])! })
    }

    /// SENDs with immediate data (tests/lab/send-imm.c; no rdma-core tool sends them): the
    /// receiver's completions are rxe's own account of each message, its length and its
    /// immediate. The requester's flow carries those messages and that payload; each message
    /// ends with the one packet that carries an immediate (SEND LAST or ONLY WITH IMMEDIATE,
    /// as tshark reads the opcodes), and `--dump --json` decodes the immediates the
    /// completions report, in order.
    @Test func sendsWithImmediateAreTheReceiversCompletions() throws {
        let path = Self.folder.appendingPathComponent("send_imm.pcap").path
        let log = try String(contentsOf: Self.folder.appendingPathComponent("send_imm.log"), encoding: .utf8)
        #expect(log.split(separator: "\n").filter { $0.hasPrefix("###") }.allSatisfy { $0.hasSuffix("(exit 0)") })
        // "recv I status S bytes B imm 0xH"
        let completions = log.split(separator: "\n").filter { $0.hasPrefix("recv ") }.map { $0.split(separator: " ") }
        #expect(completions.count == 30 && completions.allSatisfy { $0[3] == "0" && $0.count == 8 }, "\(completions)")
        let lengths = completions.map { UInt64($0[5])! }, immediates = completions.map { UInt64($0[7].dropFirst(2), radix: 16)! }
        let qps = try snapshotQPs(path)
        let hw = try rxeCounterDeltas(Self.folder.appendingPathComponent("send_imm.counters"))
        let sum = { (src: String, key: String) in qps.filter { $0["src"] as? String == src }.compactMap { uint($0[key]) }.reduce(0, +) }
        #expect(sum("10.0.0.1", "packets") == hw["rxeA.sent_pkts"] && sum("10.0.0.2", "packets") == hw["rxeB.sent_pkts"], "\(hw)")
        let flow = try #require(qps.first { $0["src"] as? String == "10.0.0.1" && $0["transport"] as? String == "RC" })
        #expect(uint(flow["messages"]) == UInt64(lengths.count) && uint(flow["partial_messages"]) == 0, "\(flow)")
        #expect(uint(flow["payload_bytes"]) == lengths.reduce(0, +), "\(flow["payload_bytes"]!) vs \(lengths.reduce(0, +))")
        let sizes = flow["message_bytes"] as! [String: Any]
        #expect(uint(sizes["min"]) == lengths.min() && uint(sizes["max"]) == lengths.max(), "\(sizes)")
        #expect(uint(flow["lost_packets"]) == 0 && uint(flow["missing_psns"]) == 0 && uint(flow["retransmitted_packets"]) == 0)
        // tshark's opcodes of the requester's packets, and rdmatop's.
        var byOpcode: [UInt64: UInt64] = [:]
        for row in try tsharkFields(path, ["ip.src", "infiniband.bth.opcode"]) where row[0] == "10.0.0.1" {
            byOpcode[tsharkNumber(row[1])!, default: 0] += 1
        }
        #expect((byOpcode[0x03] ?? 0) + (byOpcode[0x05] ?? 0) == UInt64(lengths.count), "\(byOpcode)")
        let opcodes = flow["opcodes"] as! [String: Any]
        for (name, opcode) in [("RC_SEND_FIRST", 0x00), ("RC_SEND_MIDDLE", 0x01), ("RC_SEND_LAST_WITH_IMMEDIATE", 0x03),
                               ("RC_SEND_ONLY_WITH_IMMEDIATE", 0x05)] as [(String, UInt64)] {
            #expect(uint(opcodes[name]) == byOpcode[opcode], "\(name): \(String(describing: opcodes[name])), tshark \(byOpcode[opcode] ?? 0)")
        }
        let dump = try rdmatop("--read", path, "--dump", "--json", "--qpn", "0x11")
        let decoded = dump.stdout.split(separator: "\n").compactMap { line -> UInt64? in
            let packet = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return packet?["infiniband.immdt"].flatMap { uint($0) }
        }
        #expect(decoded == immediates, "rdmatop \(decoded), the completions \(immediates)")
    }

    /// A block device's counters over a run (Documentation/block/stat.rst: I/Os and sectors
    /// read and written), from NAME.blockstat's "before DEV FIELDS" and "after DEV FIELDS".
    func blockStatDelta(_ run: String, device: String) throws -> (reads: UInt64, readSectors: UInt64, writes: UInt64, writtenSectors: UInt64) {
        let text = try String(contentsOf: Self.folder.appendingPathComponent("\(run).blockstat"), encoding: .utf8)
        let fields = { (when: String) -> [UInt64] in
            let line = text.split(separator: "\n").first { $0.hasPrefix("\(when) \(device) ") }!
            return line.split(separator: " ").dropFirst(2).map { UInt64($0)! }
        }
        let before = fields("before"), after = fields("after")
        let delta = { (i: Int) in after[i] - before[i] }
        return (delta(0), delta(2), delta(4), delta(6))
    }

    /// NVMe over Fabrics (nvme-rdma to nvmet-rdma, a null_blk namespace): a read is the
    /// target's RDMA WRITE into the host's buffer, a write the target's RDMA READ from it, and
    /// the target answers with SEND WITH INVALIDATE. The data rdmatop decodes each way is what
    /// the kernel's block counters (/sys/block, host and target side) say moved, to the byte.
    @Test func nvmeOverFabricsMovesWhatTheBlockLayerCounted() throws {
        let path = Self.folder.appendingPathComponent("nvmeof.pcap").path
        let host = try blockStatDelta("nvmeof", device: "nvme0n1"), target = try blockStatDelta("nvmeof", device: "nullb0")
        #expect(host.readSectors == target.readSectors && host.writtenSectors == target.writtenSectors, "\(host) \(target)")
        // dd's own report: 1 MiB read, 512 KiB written, in 64 KiB.
        let log = try String(contentsOf: Self.folder.appendingPathComponent("nvmeof.log"), encoding: .utf8)
        #expect(log.contains("1048576 bytes") && log.contains("524288 bytes") && host.readSectors * 512 == 1_048_576 && host.writtenSectors * 512 == 524_288)

        let packets = try jsonLines(try rdmatop("--read", path, "--dump", "--json").stdout)
        let from = { (src: String, opcodes: ClosedRange<UInt64>) in
            packets.filter { $0["ip.src"] as? String == src && opcodes.contains(uint($0["infiniband.bth.opcode"])!) }
        }
        let payload = { (p: [[String: Any]]) in p.compactMap { uint($0["payload_len"]) }.reduce(0, +) }
        let writes = from("10.0.0.2", 0x06...0x0B), readResponses = from("10.0.0.1", 0x0D...0x10)
        #expect(payload(writes) == host.readSectors * 512, "RDMA WRITE data \(payload(writes))")
        #expect(payload(readResponses) == host.writtenSectors * 512, "RDMA READ response data \(payload(readResponses))")
        // One RDMA WRITE per read and one RDMA READ per write, as the block layer counted them.
        #expect(UInt64(writes.filter { [0x06, 0x0A, 0x0B].contains(uint($0["infiniband.bth.opcode"])!) }.count) == host.reads)
        #expect(UInt64(from("10.0.0.2", 0x0C...0x0C).count) == host.writes)
        let invalidations = from("10.0.0.2", 0x16...0x17)
        #expect(!invalidations.isEmpty && invalidations.allSatisfy { $0["infiniband.ieth"] != nil })

        // The snapshot: each flow's payload is its packets', and nothing is lost or resent.
        let qps = try snapshotQPs(path)
        for flow in qps {
            let mine = packets.filter { $0["ip.src"] as? String == flow["src"] as? String && uint($0["infiniband.bth.destqp"]) == uint(flow["qpn"]) }
            #expect(uint(flow["payload_bytes"]) == payload(mine))
            #expect(uint(flow["lost_packets"]) == 0 && uint(flow["retransmitted_packets"]) == 0 && uint(flow["partial_messages"]) == 0)
        }
        // What each rxe device sent over the run holds at least what the capture holds from it
        // (the run's counters also count 6 packets each way sent just before or after it).
        let hw = try rxeCounterDeltas(Self.folder.appendingPathComponent("nvmeof.counters"))
        let sent = { (src: String) in UInt64(packets.filter { $0["ip.src"] as? String == src }.count) }
        #expect(sent("10.0.0.1") <= hw["rxeA.sent_pkts"]! && sent("10.0.0.2") <= hw["rxeB.sent_pkts"]!)
    }

    /// NVMe over Fabrics with netem dropping 2 % of what the host sends (its capsules, its
    /// READ responses, its ACKs). netem's own count is the truth: each lost READ response is
    /// a reply the target's READ was owed, and each lost capsule one rxe's timer resent
    /// (rxeA's completer_retry_err). The replies rdmatop finds lost are netem's drops less
    /// those resends, exactly. Lost capsules show only as silences: rdmatop finds 4 of the 5
    /// that way (one was its queue's first packet in the capture, one came after its queue
    /// was idle 4 s; one queue idle while the host used the other counts one it should not),
    /// so its total is within 2 of netem's.
    @Test func nvmeOverFabricsLossIsNetemsDrops() throws {
        let tc = try String(contentsOf: Self.folder.appendingPathComponent("nvmeof_loss.tc"), encoding: .utf8)
        let netem = tc.components(separatedBy: "qdisc netem").last!
        let dropped = UInt64(netem.components(separatedBy: "dropped ")[1].prefix { $0.isNumber })!
        let hw = try rxeCounterDeltas(Self.folder.appendingPathComponent("nvmeof_loss.counters"))
        let resent = hw["rxeA.completer_retry_err"]!
        let host = try snapshotQPs(Self.folder.appendingPathComponent("nvmeof_loss.pcap").path).filter { $0["src"] as? String == "10.0.0.1" }
        let sum = { (key: String) in host.compactMap { uint($0[key]) }.reduce(0, +) }
        #expect(dropped > 0 && resent > 0)
        #expect(sum("lost_replies") == dropped - resent, "\(sum("lost_replies")) replies lost; netem dropped \(dropped), rxeA resent \(resent)")
        #expect(sum("lost_packets") + 2 >= dropped && sum("lost_packets") <= dropped + 2, "\(sum("lost_packets")) lost, netem \(dropped)")
        #expect(sum("missing_psns") == 0, "no capsule was lost with another behind it")
        // The block I/O completed: dd's 1 MiB each way, as the host's block counters say.
        let io = try blockStatDelta("nvmeof_loss", device: "nvme0n1")
        #expect(io.readSectors * 512 == 1_048_576 && io.writtenSectors * 512 == 1_048_576)
    }

    func snapshotQPs(_ path: String) throws -> [[String: Any]] {
        let result = try rdmatop("--read", path, "--once", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        return (try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any])["qps"] as! [[String: Any]]
    }
}
