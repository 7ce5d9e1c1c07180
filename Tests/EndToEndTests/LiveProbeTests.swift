import Foundation
import Testing

/// Counts of a snapshot: per flow (src, dst, qpn) the per-QP keys asked for (by default
/// packets, bytes, payload bytes, the replies and marks the kernel's flow map counts too),
/// NAKs by code and opcodes, summed over the snapshot's entries of the flow; per opcode.
struct SnapshotCounts: Equatable, CustomStringConvertible {
    struct Flow: Hashable, CustomStringConvertible {
        var src: String, dst: String, qpn: UInt64
        var description: String { "\(src) -> \(dst) QP \(qpn)" }
    }
    var flows: [Flow: [String: UInt64]] = [:]
    var opcodes: [UInt64: [UInt64]] = [:]
    var directions: Set<String> = []

    /// The per-QP keys a live snapshot takes from the kernel's flow map (qp_counts "kernel").
    static let kernelKeys = ["packets", "bytes", "payload_bytes", "acks", "rnr_naks", "cnps", "ecn_ce", "fecn", "becn"]

    /// `classes`: add the packets by opcode class (schema v10; older recorded snapshots lack them).
    init(_ json: [String: Any], keys: [String] = SnapshotCounts.kernelKeys, opcodes withOpcodes: Bool = true,
         classes withClasses: Bool = true) {
        for qp in json["qps"] as? [[String: Any]] ?? [] {
            let key = Flow(src: qp["src"] as! String, dst: qp["dst"] as! String, qpn: uint(qp["qpn"])!)
            var counts = flows[key, default: [:]]
            for k in keys { counts[k, default: 0] += uint(qp[k])! }
            for (code, n) in qp["naks"] as! [String: Any] { counts["nak " + code, default: 0] += uint(n)! }
            for (name, n) in qp["classes"] as? [String: Any] ?? [:] where withClasses {
                counts["class " + name, default: 0] += uint(n)!
            }
            for (name, n) in qp["opcodes"] as? [String: Any] ?? [:] where withOpcodes { counts[name, default: 0] += uint(n)! }
            flows[key] = counts
            if let d = qp["direction"] as? String { directions.insert(d) }
        }
        for op in json["opcodes"] as? [[String: Any]] ?? [] where withOpcodes {
            opcodes[uint(op["opcode"])!] = [uint(op["packets"])!, uint(op["bytes"])!]
        }
    }

    static func == (a: SnapshotCounts, b: SnapshotCounts) -> Bool { a.flows == b.flows && a.opcodes == b.opcodes }
    var description: String { "\(flows.count) flows, opcodes \(opcodes)" }
}

func parseJSON(_ text: String) throws -> [String: Any] {
    guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
        throw LabError(message: "not a JSON object: \(text.prefix(200))")
    }
    return object
}

/// The probe on a veth pair in namespaces the tests create: every real capture and generated
/// ones replayed with tcpreplay, counted live on ingress (XDP) and egress (tc), and compared
/// with rdmatop's count of the file (itself checked against tshark).
@Suite(.serialized, .enabled(if: NetworkLab.available, "needs root for network namespaces and BPF"))
struct LiveProbeTests {
    static func replayCaptures() throws -> [String] {
        var paths = try Paths.realCaptures().map(\.path)
        let dir = try Paths.temporaryDirectory()
        for (name, extra) in [("generated-demo.pcap", ["--loss", "0.02", "--ecn", "0.02", "--messages", "60"]),
                              ("generated-ipv6-vlan.pcap", ["--ipv6", "--vlan", "42", "--messages", "30"])] {
            let path = dir.appendingPathComponent(name).path
            let r = try run(Paths.rocegen, ["-o", path] + extra)
            if r.status != 0 { throw LabError(message: "rocegen: \(r.stderr)") }
            paths.append(path)
        }
        return paths
    }

    /// The PSN analysis's counts that depend only on the packets' order, not on their times
    /// (which a replay changes): live, on events with none lost, they equal the file's.
    static let orderKeys = ["distinct_psns", "retransmitted_packets", "missing_psns", "unrecovered_psns", "messages",
                            "partial_messages"]

    @Test(arguments: try replayCaptures())
    func liveCountsEqualTheCaptureOnIngressAndEgress(capture: String) throws {
        let file = try parseJSON(try rdmatop("--read", capture, "--once", "--json").stdout)
        let expected = SnapshotCounts(file)
        let expectedAnalysis = SnapshotCounts(file, keys: Self.orderKeys, opcodes: false)
        let lab = try NetworkLab()
        defer { lab.remove() }
        let ingress = try lab.startRdmatop(lab.b, [lab.ifB, "--mode", "xdp", "--once", "--interval", "120", "--json"])
        let egress = try lab.startRdmatop(lab.a, [lab.ifA, "--mode", "tc", "--once", "--interval", "120", "--json"])
        try lab.replay(capture)
        usleep(300_000)
        #expect(ingress.stop() == 0, "\(ingress.stderr)")
        #expect(egress.stop() == 0, "\(egress.stderr)")
        for (name, run, direction) in [("ingress", ingress, "rx"), ("egress", egress, "tx")] {
            let json = try parseJSON(run.stdout)
            let live = SnapshotCounts(json)
            let source = json["source"] as! [String: Any]
            #expect(uint(source["lost_events"]) == 0, "\(name)")
            #expect(source["qp_counts"] as? String == "kernel", "\(name)")
            #expect(uint(source["kernel_evicted_flows"]) == 0, "\(name)")
            // The tool's own cost: the probe's time per packet over the run (one window, as
            // the snapshot is the run's only reading), and rdmatop's CPU.
            let runs = uint(source["probe_runs"]) ?? 0, runNs = uint(source["probe_run_ns"]) ?? 0
            if runs > 0, let perPacket = source["probe_ns_per_packet"] as? Double {
                #expect(abs(perPacket - Double(runNs) / Double(runs)) <= 1, "\(name): \(perPacket) ns/packet, \(runNs) ns / \(runs) runs")
            } else {
                #expect(runs == 0 && source["probe_ns_per_packet"] is NSNull, "\(name): \(source)")
            }
            #expect((uint(source["cpu_ns"]) ?? 0) > 0 && (source["cpu_percent"] as? Double).map { $0 >= 0 && $0 <= 400 } == true,
                    "\(name): \(source)")
            #expect(live == expected, "\(capture) \(name): live \(live) vs file \(expected)")
            let analysis = SnapshotCounts(json, keys: Self.orderKeys, opcodes: false)
            #expect(analysis == expectedAnalysis,
                    "\(capture) \(name): live \(analysis.flows) vs file \(expectedAnalysis.flows)")
            #expect(live.directions == [direction], "\(name)")
            let totals = json["totals"] as! [String: Any]
            #expect(uint(totals["roce_packets"]) == expected.flows.values.map { $0["packets"]! }.reduce(0, +))
        }
        #expect((try parseJSON(ingress.stdout)["source"] as! [String: Any])["mode"] as? String == "xdp")
        #expect((try parseJSON(egress.stdout)["source"] as! [String: Any])["mode"] as? String == "tc")
        // Nothing stays attached.
        let a = try lab.attachments(lab.a, lab.ifA), b = try lab.attachments(lab.b, lab.ifB)
        #expect(b.xdp.isEmpty && a.tcFilters.isEmpty && !a.qdiscs.contains("clsact"))
    }

    /// XDP on an interface whose MTU is larger than a page (jumbo frames; rxe at MTU 4096): a
    /// program that cannot take a packet in several buffers is refused there (veth: ERANGE),
    /// so the probe's is frags-aware (`xdp.frags`), and the 4 KiB RoCE frames of a real
    /// SoftRoCE run at MTU 4096, which veth hands over in more than one buffer, are counted
    /// and decoded as the file is.
    @Test func xdpAttachesAndCountsOnAJumboMTU() throws {
        let capture = Paths.root.appendingPathComponent("Tests/Fixtures/rxe-matrix/write_bw-q2-m4096-none-l0.pcap").path
        let expected = SnapshotCounts(try parseJSON(try rdmatop("--read", capture, "--once", "--json").stdout))
        let lab = try NetworkLab()
        defer { lab.remove() }
        try lab.sh("ip -n \(lab.a) link set \(lab.ifA) mtu 9000 && ip -n \(lab.b) link set \(lab.ifB) mtu 9000")
        let p = try lab.startRdmatop(lab.b, [lab.ifB, "--mode", "xdp", "--once", "--interval", "120", "--json"])
        try lab.replay(capture)
        usleep(300_000)
        #expect(p.stop() == 0, "\(p.stderr)")
        let json = try parseJSON(p.stdout)
        let source = json["source"] as! [String: Any]
        #expect(source["mode"] as? String == "xdp" && uint(source["lost_events"]) == 0, "\(source)")
        #expect(SnapshotCounts(json) == expected, "live \(SnapshotCounts(json)) vs file \(expected)")
        #expect(expected.flows.values.contains { ($0["bytes"] ?? 0) > 4096 * ($0["packets"] ?? 0) / 2 }, "frames of 4 KiB")
    }

    /// `--mode auto` on a stock kernel: XDP on ingress and tc on egress at once, and -w saves
    /// what it saw as pcapng that tshark and rdmatop --read read back.
    @Test func autoModeSeesBothDirectionsAndSavesPcapng() throws {
        let lab = try NetworkLab()
        defer { lab.remove() }
        let dir = try Paths.temporaryDirectory()
        let saved = dir.appendingPathComponent("live.pcapng").path
        let outbound = Paths.captures.appendingPathComponent("rping.pcap").path
        let inbound = dir.appendingPathComponent("v6.pcap").path
        #expect(try run(Paths.rocegen, ["-o", inbound, "--ipv6", "--connection", "send:1000:25"]).status == 0)
        let p = try lab.startRdmatop(lab.a, [lab.ifA, "--once", "--interval", "120", "--json", "-w", saved])
        try lab.replay(outbound)  // leaves ifA: tc egress
        try lab.replay(inbound, from: lab.b, interface: lab.ifB)  // arrives on ifA: XDP
        usleep(300_000)
        #expect(p.stop() == 0, "\(p.stderr)")
        let json = try parseJSON(p.stdout)
        #expect((json["source"] as! [String: Any])["mode"] as? String == "xdp+tc")
        let live = SnapshotCounts(json)
        #expect(live.directions == ["rx", "tx"])
        let flows = json["qps"] as! [[String: Any]]
        #expect(flows.allSatisfy { ($0["src"] as! String).contains(":") == ($0["direction"] as? String == "rx") })
        #expect(uint((json["totals"] as! [String: Any])["roce_packets"]) == 175)

        let rows = try tsharkFields(saved, ["frame.number", "frame.p2p_dir", "infiniband.bth.opcode"])
        #expect(rows.count == 175)
        #expect(try FileManager.default.attributesOfItem(atPath: saved)[.posixPermissions] as? Int == 0o600,
                "payload bytes, written as root: private")
        let reread = SnapshotCounts(try parseJSON(try rdmatop("--read", saved, "--once", "--json").stdout))
        #expect(reread.opcodes == live.opcodes)
        let dump = try jsonLines(try rdmatop("--read", saved, "--dump", "--json").stdout)
        #expect(Set(dump.compactMap { $0["direction"] as? String }) == ["rx", "tx"])
        #expect(dump.allSatisfy { uint($0["frame.cap_len"])! <= 186 })
    }

    /// A rocegen capture `name` in `dir` made with `arguments`, and rdmatop's count of it as a
    /// file: its JSON snapshot, the per-QP counts the kernel keeps, and its RoCE total.
    func generatedCapture(_ name: String, in dir: URL, _ arguments: [String]) throws
        -> (path: String, file: [String: Any], expected: SnapshotCounts, total: UInt64) {
        let path = dir.appendingPathComponent(name).path
        #expect(try run(Paths.rocegen, ["-o", path] + arguments).status == 0)
        let file = try parseJSON(try rdmatop("--read", path, "--once", "--json").stdout)
        return (path, file, SnapshotCounts(file, opcodes: false), uint((file["totals"] as! [String: Any])["roce_packets"])!)
    }

    /// One snapshot of rdmatop on the lab's ifB (XDP, `--once --json` and `extra`) over
    /// what `send` sends; `stalled`: rdmatop stopped (SIGSTOP) while it is sent, so that its
    /// ring buffer backs up. Returns its JSON and what it wrote on standard error.
    func snapshotOfB(_ lab: NetworkLab, _ extra: [String], stalled: Bool = false,
                     _ send: () throws -> Void) throws -> (json: [String: Any], stderr: String) {
        let p = try lab.startRdmatop(lab.b, [lab.ifB, "--mode", "xdp", "--once", "--interval", "120", "--json"] + extra)
        if stalled { kill(p.pid, SIGSTOP) }
        try send()
        if stalled { kill(p.pid, SIGCONT) }
        usleep(stalled ? 500_000 : 300_000)
        #expect(p.stop() == 0, "\(p.stderr)")
        return (try parseJSON(p.stdout), p.stderr)
    }

    /// Per-QP counts stay exact when the ring buffer overflows: a capture replayed at full
    /// speed into a 1 MiB ring buffer loses events, yet every QP's packets, bytes, payload
    /// and replies (from the kernel's flow map) equal rdmatop's count of the file, and their
    /// sum equals the kernel's total.
    @Test func perQPCountsStayExactWhenEventsAreLost() throws {
        let lab = try NetworkLab()
        defer { lab.remove() }
        let dir = try Paths.temporaryDirectory()
        let (capture, _, expected, total) = try generatedCapture("big.pcap", in: dir, [
            "--connection", "write:65536:200", "--connection", "send:4096:500", "--loss", "0.01", "--ecn", "0.01"])
        let saved = dir.appendingPathComponent("lossy.pcapng").path
        let (json, stderr) = try snapshotOfB(lab, ["--buffer-size", "1", "-s", "4096", "-w", saved]) {
            try lab.replay(capture, pps: 1_000_000)
        }
        let source = json["source"] as! [String: Any]
        let lost = uint(source["lost_events"])!
        #expect(lost > 0, "the condition under test: events lost")
        #expect(source["qp_counts"] as? String == "kernel")
        let live = SnapshotCounts(json, opcodes: false)
        #expect(live == expected, "live \(live) vs file \(expected)")
        #expect(uint((json["totals"] as! [String: Any])["roce_packets"]) == total)
        let counted = (json["qps"] as! [[String: Any]]).map { uint($0["packets"])! }.reduce(0, +)
        #expect(counted == total, "per-QP sum \(counted), kernel total \(total)")
        // Which flows lost them: the kernel's per-flow packets less the events each flow got
        // add up to the kernel's own count of events it could not hand over.
        let perFlow = (json["qps"] as! [[String: Any]]).map { uint($0["lost_events"])! }
        #expect(perFlow.reduce(0, +) == lost, "per-QP lost_events \(perFlow.reduce(0, +)), the kernel's \(lost)")
        #expect(perFlow.filter { $0 > 0 }.count > 1, "spread over the flows: \(perFlow)")
        // The saved capture says what it lacks, as dumpcap's do: tshark's count of it plus the
        // interface statistics block's drops is the kernel's total; stderr says so too.
        let kept = try tsharkFields(saved, ["frame.number"]).count
        let statistics = try interfaceStatistics(saved)
        #expect(statistics.count == 1 && statistics.first?.received == total && statistics.first?.dropped == lost,
                "\(statistics), \(total) packets, \(lost) lost")
        #expect(UInt64(kept) + lost == total, "\(kept) packets in the file, \(lost) lost, \(total) counted")
        #expect(stderr.contains("\(lost) packets were counted but not handed over"), "\(stderr)")
        print("ring buffer of 1 MiB at full replay speed: \(lost) of \(total) events lost, per-QP counts exact")
    }

    /// By default (`--sample auto`) a ring buffer that cannot keep up samples rather than
    /// overflowing at random: the replay that loses events above, without `-w`. The kernel
    /// leaves packets out once the ring buffer is seven eighths full and says of which QPs;
    /// per-QP counts stay exact; what it left out and what it lost add up per QP to its
    /// totals; a sampled QP's analysis is null, and a QP it did not sample that lost nothing
    /// has the file's opcodes and PSN analysis.
    @Test func underLoadEventsAreSampledRatherThanLost() throws {
        let lab = try NetworkLab()
        defer { lab.remove() }
        let dir = try Paths.temporaryDirectory()
        let (capture, file, expected, total) = try generatedCapture("busy.pcap", in: dir, [
            "--connection", "write:65536:200", "--connection", "send:4096:500", "--connection", "send:256:40",
            "--loss", "0.01", "--ecn", "0.01"])
        let json = try snapshotOfB(lab, ["--buffer-size", "1", "-s", "4096"]) { try lab.replay(capture, pps: 1_000_000) }.json
        let source = json["source"] as! [String: Any]
        #expect(source["events"] as? String == "auto")
        let unsampled = uint(source["unsampled_packets"])!, lost = uint(source["lost_events"])!
        #expect(unsampled > 0, "the condition under test: the ring buffer backed up")
        #expect(lost < unsampled, "sampling took the place of loss: \(lost) lost, \(unsampled) left out")
        #expect(SnapshotCounts(json, opcodes: false) == expected)
        #expect(uint((json["totals"] as! [String: Any])["roce_packets"]) == total)
        let qps = json["qps"] as! [[String: Any]]
        #expect(qps.map { uint($0["unsampled_packets"])! }.reduce(0, +) == unsampled)
        #expect(qps.map { uint($0["lost_events"])! }.reduce(0, +) == lost)
        func key(_ qp: [String: Any]) -> String { "\(qp["src"]!)>\(qp["dst"]!)/\(uint(qp["qpn"])!)" }
        let fileQPs = Dictionary(uniqueKeysWithValues: (file["qps"] as! [[String: Any]]).map { (key($0), $0) })
        var whole = 0
        for qp in qps {
            let sampled = qp["sampled"] as! Bool
            if uint(qp["unsampled_packets"])! > 0 { #expect(sampled, "\(key(qp))") }
            if sampled {
                for k in ["missing_psns", "lost_packets", "messages", "opcodes"] { #expect(qp[k] is NSNull, "\(key(qp)) \(k)") }
            } else if uint(qp["lost_events"]) == 0, let f = fileQPs[key(qp)] {
                whole += 1
                for k in ["distinct_psns", "missing_psns", "retransmitted_packets", "lost_packets", "messages"] {
                    #expect(uint(qp[k]) == uint(f[k]), "\(key(qp)) \(k): live \(String(describing: qp[k])), file \(String(describing: f[k]))")
                }
                #expect((qp["opcodes"] as? [String: Int]) == (f["opcodes"] as? [String: Int]), "\(key(qp))")
            }
        }
        print("ring buffer of 1 MiB at full replay speed, sampling under backlog: \(unsampled) of \(total) packets left out "
              + "on \(qps.filter { $0["sampled"] as! Bool }.count) of \(qps.count) QPs, \(lost) lost; \(whole) QPs whole, as the file")
    }

    /// Two real rxe runs under 5 % loss (NAKs and resends; their QPNs differ), ibv_rc_pingpong
    /// then ib_write_bw, replayed while rdmatop is stopped, so that the 1 MiB ring buffer
    /// must back up during the second. By default the probe samples once it is seven eighths
    /// full, and the eighth left takes what is always an event, so nothing is lost: every
    /// packet the kernel counted either reached rdmatop or was left out, QP by QP; per-QP
    /// counts are the files'; the QPs whose packets all came (the first run's) have the file's
    /// opcodes, NAKs and PSN analysis, and the QPs sampled none.
    @Test func aStalledReaderSamplesARealRunWithoutLosingEvents() throws {
        let lab = try NetworkLab()
        defer { lab.remove() }
        let captures = ["rc_pingpong_loss5.pcap", "write_bw_loss5.pcap"].map { Paths.captures.appendingPathComponent($0).path }
        let files = try captures.map { try parseJSON(try rdmatop("--read", $0, "--once", "--json").stdout) }
        let file: [String: Any] = ["qps": files.flatMap { $0["qps"] as! [[String: Any]] }]
        let total = files.map { uint(($0["totals"] as! [String: Any])["roce_packets"])! }.reduce(0, +)
        let replay = { for capture in captures { try lab.replay(capture, pps: 100_000) } }
        let json = try snapshotOfB(lab, ["--buffer-size", "1"], stalled: true, replay).json
        let source = json["source"] as! [String: Any]
        let unsampled = uint(source["unsampled_packets"])!
        #expect(unsampled > 0, "the condition under test: the ring buffer backed up")
        #expect(uint(source["lost_events"]) == 0, "\(source)")
        #expect(SnapshotCounts(json, opcodes: false) == SnapshotCounts(file, opcodes: false))
        #expect(uint((json["totals"] as! [String: Any])["roce_packets"]) == total)
        let qps = json["qps"] as! [[String: Any]]
        #expect(qps.map { uint($0["unsampled_packets"])! }.reduce(0, +) == unsampled)
        func key(_ qp: [String: Any]) -> String { "\(qp["src"]!)>\(qp["dst"]!)/\(uint(qp["qpn"])!)" }
        let fileQPs = Dictionary(uniqueKeysWithValues: (file["qps"] as! [[String: Any]]).map { (key($0), $0) })
        var whole = 0
        for qp in qps {
            #expect(uint(qp["lost_events"]) == 0, "\(key(qp))")
            if qp["sampled"] as! Bool {
                for k in ["missing_psns", "lost_packets", "messages", "opcodes"] { #expect(qp[k] is NSNull, "\(key(qp)) \(k)") }
            } else if let f = fileQPs[key(qp)] {
                whole += 1
                for k in Self.orderKeys + ["naks"] {
                    #expect("\(qp[k] ?? "none")" == "\(f[k] ?? "none")", "\(key(qp)) \(k): live \(String(describing: qp[k])), file \(String(describing: f[k]))")
                }
                #expect((qp["opcodes"] as? [String: Int]) == (f["opcodes"] as? [String: Int]), "\(key(qp))")
            }
        }
        #expect(whole == 2, "the first run's two QPs came whole")
        // The same with every packet an event: the full ring buffer drops them instead.
        let off = try snapshotOfB(lab, ["--buffer-size", "1", "--sample", "off"], stalled: true, replay).json
        let lostOff = uint((off["source"] as! [String: Any])["lost_events"])!
        #expect(lostOff > 0, "with --sample off the stalled reader loses events")
        print("rc_pingpong_loss5 and write_bw_loss5 into a stopped reader's 1 MiB ring buffer: \(unsampled) of \(total) "
              + "packets left out on \(qps.filter { $0["sampled"] as! Bool }.count) of \(qps.count) QPs, none lost; "
              + "\(whole) QPs whole, as the file; with --sample off \(lostOff) lost")
    }

    /// With sampled events (`--sample 0`), the kernel hands over only each flow's first
    /// packets and the notable ones (NAKs, RNR NAKs, CNPs, CE marks), yet every QP's counts
    /// equal rdmatop's count of the file; what needs every packet is null, not a number,
    /// but for the round trips, which the kernel times (`sampledRoundTripsAreTheKernels`).
    @Test func sampledEventsKeepPerQPCountsExact() throws {
        let lab = try NetworkLab()
        defer { lab.remove() }
        let (capture, file, expected, total) = try generatedCapture("sampled.pcap", in: try Paths.temporaryDirectory(), [
            "--connection", "write:65536:100", "--connection", "send:4096:300", "--loss", "0.01", "--ecn", "0.02"])
        let qps = file["qps"] as! [[String: Any]]
        let notable = qps.map { qp in
            (qp["naks"] as! [String: Any]).values.map { uint($0)! }.reduce(0, +) + uint(qp["rnr_naks"])! + uint(qp["cnps"])!
        }.reduce(0, +)
        let marked = qps.map { uint($0["ecn_ce"])! }.reduce(0, +)
        #expect(notable > 0 && marked > 0, "the capture has packets sampling must keep")
        let json = try snapshotOfB(lab, ["--sample", "0"]) { try lab.replay(capture, pps: 100_000) }.json
        let source = json["source"] as! [String: Any]
        #expect(source["events"] as? String == "sampled" && source["qp_counts"] as? String == "kernel")
        let live = SnapshotCounts(json, opcodes: false)
        #expect(live == expected, "live \(live) vs file \(expected)")
        let events = total - uint(source["unsampled_packets"])!
        let cpus = UInt64(ProcessInfo.processInfo.activeProcessorCount)
        #expect(events >= max(notable, marked), "\(events) events, \(notable) NAKs and CNPs, \(marked) CE")
        #expect(events <= UInt64(qps.count) * 8 * cpus + notable + marked, "\(events) events of \(total)")
        for qp in json["qps"] as! [[String: Any]] {
            // (The kernel's PSN window counts distinct, retransmitted and missing PSNs and
            // messages: sampledPSNCountsAreTheKernelWindows.)
            for key in ["late_psns", "unrecovered_psns", "lost_packets", "message_bytes", "opcodes"] {
                #expect(qp[key] is NSNull, "\(key): \(String(describing: qp[key]))")
            }
            #expect(qp["sampled"] as? Bool == true)
        }
        // The kernel counts what it left out flow by flow: those add up to its total, and
        // they are no lost events.
        let unsampled = (json["qps"] as! [[String: Any]]).map { uint($0["unsampled_packets"])! }.reduce(0, +)
        #expect(unsampled == uint(source["unsampled_packets"])!, "per-QP \(unsampled), total \(String(describing: source["unsampled_packets"]))")
        let lostPerQP = (json["qps"] as! [[String: Any]]).map { uint($0["lost_events"])! }.reduce(0, +)
        #expect(lostPerQP == uint(source["lost_events"])!, "per-QP lost_events \(lostPerQP)")
        #expect((json["opcodes"] as! [Any]).isEmpty)
        print("sampled: \(events) events for \(total) RoCE packets, per-QP counts exact")
    }

    /// The real captures with RC requests that ask for an answer.
    static let roundTripCaptures = ["write_bw.pcap", "read_bw.pcap", "atomic_bw.pcap", "rc_pingpong.pcap", "send_bw.pcap"]

    /// With sampled events the round trips are the kernel's: from a request that asks for an
    /// answer (AckReq set, a READ, an atomic) to the first ACK, READ response FIRST or ONLY,
    /// or atomic acknowledgement that carries its PSN back (bpf/rdmatop.h). Replayed, a real
    /// rxe capture gives each request flow as many round trips as that definition finds in
    /// tshark's fields of the file; without sampling they stay the events'.
    @Test(arguments: roundTripCaptures)
    func sampledRoundTripsAreTheKernels(capture name: String) throws {
        let capture = Paths.captures.appendingPathComponent(name).path
        let expected = try Self.roundTripsByDefinition(capture)
        #expect(expected.values.reduce(0, +) > 0, "\(name) has requests answered")
        let lab = try NetworkLab()
        defer { lab.remove() }
        let sampled = try lab.startRdmatop(lab.b, [lab.ifB, "--mode", "xdp", "--once", "--interval", "120", "--json", "--sample", "0"])
        let all = try lab.startRdmatop(lab.a, [lab.ifA, "--mode", "tc", "--once", "--interval", "120", "--json"])
        try lab.replay(capture, pps: 20_000)
        usleep(300_000)
        #expect(sampled.stop() == 0, "\(sampled.stderr)")
        #expect(all.stop() == 0, "\(all.stderr)")
        let json = try parseJSON(sampled.stdout)
        let source = json["source"] as! [String: Any]
        #expect(source["events"] as? String == "sampled" && source["rtt"] as? String == "kernel", "\(source)")
        var got: [String: UInt64] = [:]
        for qp in json["qps"] as! [[String: Any]] {
            guard let rtt = qp["rtt_us"] as? [String: Any] else { continue }
            let key = "\(qp["src"]!)>\(qp["dst"]!)/\(uint(qp["qpn"])!)"
            got[key] = uint(rtt["count"])
            #expect((uint(rtt["p50"]) ?? 0) >= 1 && uint(rtt["p99"])! >= uint(rtt["p50"])!, "\(key): \(rtt)")
        }
        #expect(got == expected, "\(name): kernel \(got) vs the definition on tshark's fields \(expected)")
        let events = try parseJSON(all.stdout)["source"] as! [String: Any]
        // By default every packet is an event while the ring buffer has room: at 20k pps no
        // QP is sampled, and the round trips are the events'.
        #expect(events["events"] as? String == "auto" && events["rtt"] as? String == "events", "\(events)")
        #expect(events["unsampled_packets"] as? Int == 0, "\(events)")
        print("\(name): \(got.values.reduce(0, +)) round trips timed in the kernel, as the definition counts")
    }

    /// Real captures whose requests the kernel's PSN window follows (and a READ one, whose
    /// request flow it does not), with and without loss.
    static let psnWindowCaptures = ["write_bw_loss5.pcap", "rc_pingpong_loss5.pcap", "send_bw.pcap",
                                    "ud_pingpong.pcap", "read_bw.pcap"]

    /// With sampled events the distinct, retransmitted and missing PSNs of each request flow
    /// are the kernel's PSN window's (bpf/rdmatop_flow.h). Replayed, a real rxe capture gives
    /// each flow the numbers count.py (tests/ground-truth, over tshark's fields) finds in the
    /// file, though most packets never become events; flows the window does not follow (READ
    /// requests, responses, ACKs) show null.
    @Test(arguments: psnWindowCaptures)
    func sampledPSNCountsAreTheKernelWindows(capture name: String) throws {
        let capture = Paths.captures.appendingPathComponent(name).path
        let truth = try GroundTruthTests.independentCount(capture)
        let lab = try NetworkLab()
        defer { lab.remove() }
        let json = try snapshotOfB(lab, ["--sample", "0"]) { try lab.replay(capture, pps: 20_000) }.json
        let source = json["source"] as! [String: Any]
        #expect(source["events"] as? String == "sampled" && source["psns"] as? String == "kernel", "\(source)")
        #expect(uint(source["psn_refused_packets"]) == 0)
        var measured = 0, readFlows = 0, messages: UInt64 = 0
        for qp in json["qps"] as! [[String: Any]] {
            let key = GroundTruthTests.FlowKey(qp)
            let reads = uint((qp["classes"] as? [String: Any])?["read_request"]) ?? 0
            if reads > 0 { readFlows += 1 }
            let expected = truth[key]
            let followed = reads == 0 && expected?["psns_of"] as? String == "requests"
            for counter in ["distinct_psns", "retransmitted_packets", "missing_psns"] {
                if followed {
                    #expect(uint(qp[counter]) == uint(expected?[counter]),
                            "\(name) \(key) \(counter): kernel \(String(describing: qp[counter])), count.py \(String(describing: expected?[counter]))")
                } else {
                    #expect(qp[counter] is NSNull, "\(name) \(key) \(counter): \(String(describing: qp[counter]))")
                }
            }
            // Messages too, where the flow carries no READ responses or atomic acknowledgements.
            let responses = (uint(expected?["response_messages"]) ?? 0) + (uint((qp["classes"] as? [String: Any])?["read_response"]) ?? 0)
            if followed && responses == 0 {
                #expect(uint(qp["messages"]) == uint(expected?["messages"]),
                        "\(name) \(key) messages: kernel \(String(describing: qp["messages"])), count.py \(String(describing: expected?["messages"]))")
                #expect(uint(qp["partial_messages"]) == uint(expected?["partial_messages"]), "\(name) \(key) partial_messages")
                messages += uint(qp["messages"]) ?? 0
            }
            for counter in ["late_psns", "lost_packets", "message_bytes"] {
                #expect(qp[counter] is NSNull, "\(name) \(key) \(counter) needs every packet")
            }
            if followed { measured += 1 }
        }
        #expect(measured > 0 || readFlows > 0, "\(name): no request flow followed, and none with READs")
        let events = uint((json["totals"] as! [String: Any])["roce_packets"])! - uint(source["unsampled_packets"])!
        print("\(name): \(measured) request flows' PSNs and \(messages) messages counted in the kernel, as count.py counts them, from \(events) events")
    }

    /// Round trips per request flow ("src>dst/qpn") by the kernel's definition, from tshark's
    /// fields of `capture`, apart from rdmatop.
    static func roundTripsByDefinition(_ capture: String) throws -> [String: UInt64] {
        let rows = try tsharkFields(capture, ["ip.src", "ip.dst", "infiniband.bth.destqp", "infiniband.bth.opcode",
                                              "infiniband.bth.psn", "infiniband.bth.a", "infiniband.aeth.syndrome"])
        var pending: [String: String] = [:], counts: [String: UInt64] = [:]
        for r in rows where r.count == 7 {
            guard let qpn = tsharkNumber(r[2]), let opcode = tsharkNumber(r[3]), let psn = tsharkNumber(r[4]),
                  opcode >> 5 == 0 else { continue }  // RC
            let code = opcode & 0x1f, ackRequest = tsharkNumber(r[5]) == 1
            let syndrome = tsharkNumber(r[6])
            if code <= 0x0c || code == 0x13 || code == 0x14 || code == 0x16 || code == 0x17 {
                let key = "\(r[0]) \(r[1]) \(psn)"
                if (ackRequest || code == 0x0c || code == 0x13 || code == 0x14) && pending[key] == nil {
                    pending[key] = "\(r[0])>\(r[1])/\(qpn)"
                }
            } else if [0x0d, 0x10, 0x11, 0x12].contains(code), let s = syndrome, s >> 5 == 0 {
                if let flow = pending.removeValue(forKey: "\(r[1]) \(r[0]) \(psn)") { counts[flow, default: 0] += 1 }
            }
        }
        return counts
    }

    @Test func snapLengthBoundsTheCapturedBytes() throws {
        let lab = try NetworkLab()
        defer { lab.remove() }
        let dir = try Paths.temporaryDirectory()
        let saved = dir.appendingPathComponent("snap.pcapng").path
        let p = try lab.startRdmatop(lab.b, [lab.ifB, "--mode", "xdp", "--once", "--interval", "120", "-s", "100", "-w", saved])
        try lab.replay(Paths.captures.appendingPathComponent("send_bw.pcap").path)
        usleep(300_000)
        #expect(p.stop() == 0)
        let rows = try tsharkFields(saved, ["frame.len", "frame.cap_len"])
        #expect(rows.count == 1000)
        #expect(rows.allSatisfy { Int($0[1])! == min(Int($0[0])!, 100) })
    }
}

/// The interface statistics blocks of a little-endian pcapng file (block type 5): `isb_ifrecv`
/// (option 4) and `isb_ifdrop` (option 5) of each, read here apart from rdmatop's reader.
func interfaceStatistics(_ path: String) throws -> [(received: UInt64?, dropped: UInt64?)] {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    func u32(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24 }
    func u64(_ at: Int) -> UInt64 { (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << (8 * $1) } }
    var blocks: [(received: UInt64?, dropped: UInt64?)] = []
    var at = 0
    while at + 12 <= bytes.count {
        let type = u32(at), length = u32(at + 4)
        guard length >= 12, at + length <= bytes.count else { break }
        if type == 5 {
            var block: (received: UInt64?, dropped: UInt64?) = (nil, nil)
            var option = at + 20
            while option + 4 <= at + length - 4 {
                let code = Int(bytes[option]) | Int(bytes[option + 1]) << 8
                let size = Int(bytes[option + 2]) | Int(bytes[option + 3]) << 8
                if code == 0 { break }
                if code == 4 && size == 8 { block.received = u64(option + 4) }
                if code == 5 && size == 8 { block.dropped = u64(option + 4) }
                option += 4 + (size + 3) / 4 * 4
            }
            blocks.append(block)
        }
        at += length
    }
    return blocks
}
