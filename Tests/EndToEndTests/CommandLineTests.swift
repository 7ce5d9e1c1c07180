import Capture
import Foundation
import RoCE
import Testing

/// The command line: errors, exit codes, filters, standard input.
@Suite struct CommandLineTests {
    static var rping: String { Paths.captures.appendingPathComponent("rping.pcap").path }

    @Test func aMissingFileIsAOneLineError() throws {
        let r = try rdmatop("--read", "/nonexistent/x.pcap", "--once")
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == "rdmatop: cannot open /nonexistent/x.pcap: No such file or directory\n")
    }

    @Test func aFileThatIsNoCaptureIsRejected() throws {
        let dir = try Paths.temporaryDirectory()
        let path = dir.appendingPathComponent("notes.txt").path
        try "hello, world\n".write(toFile: path, atomically: true, encoding: .utf8)
        let r = try rdmatop("--read", path, "--once")
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("rdmatop: \(path): not a pcap or pcapng file"))
        #expect(r.stderr.filter { $0 == "\n" }.count == 1)
    }

    /// A capture cut in the middle of a record: the packets before the fault are reported,
    /// then a one-line error names the byte offset.
    @Test func aTruncatedFileReportsThePacketsBeforeTheFault() throws {
        let whole = try Data(contentsOf: URL(fileURLWithPath: Self.rping))
        let dir = try Paths.temporaryDirectory()
        let path = dir.appendingPathComponent("cut.pcap").path
        // rping.pcap: 24-byte header, then records; cut 10 bytes into the 51st record's data.
        var offset = 24
        for _ in 0..<50 {
            let incl = whole[offset + 8..<offset + 12].withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) }
            offset += 16 + Int(incl)
        }
        try whole.prefix(offset + 16 + 10).write(to: URL(fileURLWithPath: path))
        let r = try rdmatop("--read", path, "--once", "--json")
        #expect(r.status == 1)
        let snapshot = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(uint((snapshot["totals"] as! [String: Any])["packets"]) == 50)
        #expect(r.stderr.contains("at byte \(offset)"), "\(r.stderr)")
        #expect(r.stderr.filter { $0 == "\n" }.count == 1)

        let dump = try rdmatop("--read", path, "--dump", "--json")
        #expect(dump.status == 1)
        #expect(try jsonLines(dump.stdout).count == 50)
    }

    @Test func usageErrorsExitWith64() throws {
        for args in [["--once"], ["--read", Self.rping, "--qpn", "banana"], ["--read", Self.rping, "--qpn", "0x1000000"],
                     ["--read", Self.rping, "--opcode", "RC_TELEPORT"], ["--read", Self.rping, "--addr", "10.0.0"],
                     ["eth0", "--read", Self.rping], ["--read", Self.rping, "--bogus"],
                     ["lo", "--view"], ["lo", "--listen", ":9464", "--view", "--once"],
                     ["lo", "--listen", ":9464", "--view"]] {  // the last: no terminal
            let r = try rdmatop(args)
            #expect(r.status == 64, "\(args): \(r.stderr)")
            #expect(r.stderr.hasPrefix("Error: "), "\(args)")
        }
    }

    @Test func helpAndVersion() throws {
        let help = try rdmatop("--help")
        #expect(help.status == 0)
        #expect(help.stdout.contains("--read"))
        #expect(help.stdout.contains("--opcode"))
        #expect(try rdmatop("--version").stdout.hasPrefix("rdmatop "))
    }

    /// What each filter must select, from a packet of the unfiltered dump.
    static func expectation(_ option: String, _ value: String) -> ([String: Any]) -> Bool {
        let opcode = { (p: [String: Any]) in uint(p["infiniband.bth.opcode"]) ?? 0xFFFF }
        switch (option, value) {
        case ("--qpn", _): return { uint($0["infiniband.bth.destqp"]) == 0x11 }
        case ("--opcode", "RC_RDMA_WRITE_ONLY"): return { opcode($0) == 0x0A }
        case ("--opcode", "0x0c"): return { opcode($0) == 0x0C }
        case ("--opcode", "SEND_ONLY"): return { [0x04, 0x64].contains(opcode($0)) }
        case ("--opcode", "read"): return { [0x0C, 0x10].contains(opcode($0)) }
        case ("--opcode", "ud"): return { opcode($0) == 0x64 }
        case ("--opcode", "ack"): return { opcode($0) == 0x11 }
        case ("--addr", _): return { $0["ip.src"] as? String == value || $0["ip.dst"] as? String == value }
        default: return { _ in false }
        }
    }

    /// Dumped packets per filter, checked against the unfiltered dump.
    @Test(arguments: [("--qpn", "0x11"), ("--qpn", "17"), ("--opcode", "RC_RDMA_WRITE_ONLY"), ("--opcode", "0x0c"),
                      ("--opcode", "SEND_ONLY"), ("--opcode", "read"), ("--opcode", "ud"), ("--opcode", "ack"),
                      ("--addr", "10.0.0.2")])
    func filtersSelectTheMatchingPackets(option: String, value: String) throws {
        let predicate = Self.expectation(option, value)
        let all = try jsonLines(try rdmatop("--read", Self.rping, "--dump", "--json").stdout)
        let filtered = try jsonLines(try rdmatop("--read", Self.rping, "--dump", "--json", option, value).stdout)
        let expected = all.filter(predicate).map { uint($0["frame.number"])! }
        #expect(!expected.isEmpty)
        #expect(filtered.map { uint($0["frame.number"])! } == expected, "\(option) \(value)")

        // The snapshot counts the same packets in its tables, and everything in its totals.
        let snapshot = try JSONSerialization.jsonObject(
            with: Data(try rdmatop("--read", Self.rping, "--once", "--json", option, value).stdout.utf8)) as! [String: Any]
        let totals = snapshot["totals"] as! [String: Any]
        #expect(uint(totals["matched"]) == UInt64(expected.count))
        #expect(uint(totals["roce_packets"]) == UInt64(all.count))
        let qpPackets = (snapshot["qps"] as! [[String: Any]]).map { uint($0["packets"])! }.reduce(0, +)
        #expect(qpPackets == UInt64(expected.count))
        #expect(snapshot["filter"] is String)
    }

    @Test func nakAndRnrFiltersUseTheSyndrome() throws {
        let loss = Paths.captures.appendingPathComponent("rc_pingpong_loss5.pcap").path
        let naks = try jsonLines(try rdmatop("--read", loss, "--dump", "--json", "--opcode", "nak").stdout)
        let rows = try tsharkFields(loss, ["infiniband.aeth.syndrome"], filter: "infiniband.aeth.syndrome >= 0x60")
        #expect(naks.count == rows.count)
        #expect(naks.count == 14, "roce.md: 14 NAKs in rc_pingpong_loss5")
        #expect(naks.allSatisfy { $0["nak_code"] as? String == "psn_sequence_error" })
        #expect(try jsonLines(try rdmatop("--read", loss, "--dump", "--json", "--opcode", "rnr").stdout).isEmpty)
    }

    @Test func aConfiguredPortIsUsed() throws {
        let dir = try Paths.temporaryDirectory()
        let path = dir.appendingPathComponent("port.pcap").path
        let writer = try PcapWriter(path: path, linkType: PcapLinkType.ethernet)
        var spec = PacketSpec(ethernet: EthernetHeader(destination: MACAddress(2), source: MACAddress(1), etherType: 0),
                              source: IPAddress("10.1.1.1")!, destination: IPAddress("10.1.1.2")!,
                              bth: BTH(opcode: 0x04, destQP: 5, psn: 1))
        spec.destinationPort = 4792
        try writer.write(timestampNanoseconds: 0, data: PacketEncoder.encode(spec))
        try writer.close()
        func roce(_ extra: [String]) throws -> UInt64? {
            let s = try JSONSerialization.jsonObject(
                with: Data(try rdmatop(["--read", path, "--once", "--json"] + extra).stdout.utf8)) as! [String: Any]
            return uint((s["totals"] as! [String: Any])["roce_packets"])
        }
        #expect(try roce([]) == 0)
        #expect(try roce(["--port", "4792"]) == 1)
    }

    @Test func standardInputIsRead() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.rping))
        let r = try run(Paths.rdmatop, ["--read", "-", "--once", "--json"], stdin: data)
        #expect(r.status == 0)
        let snapshot = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(uint((snapshot["totals"] as! [String: Any])["roce_packets"]) == 125)
    }

    @Test func textSnapshotShowsEveryQPAndOpcode() throws {
        let r = try rdmatop("--read", Self.rping, "--once")
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines[1].hasPrefix("packets 125"))
        #expect(lines.filter { $0.hasPrefix("0x000011") }.count == 2)
        #expect(lines.filter { $0.hasPrefix("0x000001") }.count == 2)
        let words = lines.map { $0.split(separator: " ").map(String.init) }
        #expect(words.contains(["0x0c", "RC_RDMA_READ_REQUEST", "10", "740"]))
        #expect(words.contains(["0x11", "RC_ACKNOWLEDGE", "50", "3100"]))
    }

    @Test func textDumpShowsThePingPayload() throws {
        let r = try rdmatop("--read", Self.rping, "--dump", "--opcode", "RC_RDMA_WRITE_ONLY", "--preview", "64")
        #expect(r.status == 0)
        // rping's payload, as in the talk's sample output.
        #expect(r.stdout.contains("rdma-ping-0: ABC"))
        #expect(r.stdout.contains("RETH va 0x"))
        #expect(r.stdout.split(separator: "\n").filter { $0.hasPrefix("#") }.count == 10)
    }
}

/// The analysis options.
@Suite struct AnalysisOptionTests {
    static func flows(_ args: [String]) throws -> [[String: Any]] {
        let r = try rdmatop(args + ["--once", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        return (try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any])["qps"] as! [[String: Any]]
    }

    @Test func thePathMTUDecidesWhatAReadReserves() throws {
        let read = Paths.captures.appendingPathComponent("read_bw.pcap").path
        // 64 KiB READs at rxe's 1024-byte MTU take 64 PSNs each: learned, or given, no anomaly.
        for extra in [[], ["--pmtu", "1024"]] {
            let requests = try Self.flows(["--read", read] + extra).first { $0["dst"] as? String == "10.0.0.2" }!
            #expect(uint(requests["missing_psns"]) == 0 && uint(requests["retransmitted_packets"]) == 0, "\(extra)")
        }
        // A wrong MTU makes every other READ look resent: the option is used.
        let wrong = try Self.flows(["--read", read, "--pmtu", "512"]).first { $0["dst"] as? String == "10.0.0.2" }!
        #expect(uint(wrong["retransmitted_packets"]) == 50)
        #expect(try rdmatop("--read", read, "--pmtu", "1000").status == 64)
    }

    @Test func theFlowTableIsBounded() throws {
        let r = try rdmatop("--read", CommandLineTests.rping, "--once", "--json", "--max-flows", "2")
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(uint((json["totals"] as! [String: Any])["evicted_flows"])! > 0)
        #expect((json["qps"] as! [[String: Any]]).count <= 2)
        #expect(try rdmatop("--read", CommandLineTests.rping, "--max-flows", "0").status == 64)
    }
}

/// `--count` / `--interval` over a file: snapshots every interval of capture time.
@Suite struct PeriodicFileSnapshotTests {
    /// Splits concatenated JSON documents.
    static func documents(_ text: String) throws -> [[String: Any]] {
        var docs: [[String: Any]] = []
        var depth = 0, start: String.Index?
        var inString = false, escaped = false
        for i in text.indices {
            let c = text[i]
            if inString {
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
                continue
            }
            switch c {
            case "\"": inString = true
            case "{": if depth == 0 { start = i }; depth += 1
            case "}":
                depth -= 1
                if depth == 0, let s = start {
                    docs.append(try JSONSerialization.jsonObject(with: Data(text[s...i].utf8)) as! [String: Any])
                }
            default: break
            }
        }
        return docs
    }

    @Test func snapshotsFollowCaptureTime() throws {
        let dir = try Paths.temporaryDirectory()
        let capture = dir.appendingPathComponent("demo.pcap").path
        #expect(try run(Paths.rocegen, ["-o", capture]).status == 0)
        let all = try Self.documents(try rdmatop("--read", capture, "--interval", "0.001", "--json").stdout)
        #expect(all.count >= 5)
        let packets = all.map { uint(($0["totals"] as! [String: Any])["packets"])! }
        #expect(packets == packets.sorted(), "cumulative counts grow")
        let whole = try Self.documents(try rdmatop("--read", capture, "--once", "--json").stdout)[0]
        #expect(packets.last == uint((whole["totals"] as! [String: Any])["packets"]), "the last one covers the file")
        let durations = all.dropLast().map { $0["duration_s"] as! Double }
        for (i, d) in durations.enumerated() { #expect(abs(d - 0.001 * Double(i + 1)) < 1e-9) }

        let two = try Self.documents(try rdmatop("--read", capture, "--interval", "0.001", "--count", "2", "--json").stdout)
        #expect(two.count == 2)
        #expect(uint((two[1]["totals"] as! [String: Any])["packets"]) == packets[1])
    }
}
