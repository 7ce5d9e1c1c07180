import Foundation
import Report
import RoCE
import Stats
import Testing
import TestSupport

/// With sampled events (`--sample`), what needs every packet of a flow is not measured: null
/// in the JSON, "-" in the text, no series in Prometheus; the same traffic counted with every
/// packet shows numbers in those places.
struct SampledEventsTests {
    /// A flow of SEND_ONLYs to QP 0x11 whose PSN 2 never came (so MISS is 1 when measured);
    /// under backlog, the same to QP 0x22 too.
    func snapshot(sampled: Bool, underBacklog: Bool = false) throws -> Snapshot {
        var configuration = EngineConfiguration()
        configuration.sampling = sampled ? .always(perSecond: 10) : underBacklog ? .underBacklog : .off
        let engine = StatsEngine(configuration: configuration)
        var clock: Int64 = 1_000_000_000
        for qpn: UInt32 in underBacklog ? [0x11, 0x22] : [0x11] {
            for psn: UInt32 in [0, 1, 3, 4] {
                clock += 1000
                engine.ingest(TestPackets.build(0x04, qpn: qpn, psn: psn).packet, frameLength: 60, timestamp: clock, direction: .inbound)
            }
        }
        return Snapshot(engine: engine, source: Snapshot.Source(kind: "interface", interface: "veth0", mode: "xdp"),
                        durationSeconds: 1)
    }

    func qp(_ s: Snapshot) throws -> [String: Any] {
        let json = try JSONSerialization.jsonObject(with: Data(s.jsonText().utf8)) as! [String: Any]
        return (json["qps"] as! [[String: Any]])[0]
    }

    @Test func whatNeedsEveryPacketIsNullInTheJSON() throws {
        let every = try qp(try snapshot(sampled: false))
        let sampled = try qp(try snapshot(sampled: true))
        #expect(every["missing_psns"] as? Int == 1 && every["distinct_psns"] as? Int == 4)
        for row in FlowMetric.all {
            #expect((sampled[row.key] is NSNull) == row.needsEveryPacket,
                    "\(row.key): \(String(describing: sampled[row.key]))")
            #expect(!(every[row.key] is NSNull), "\(row.key)")
        }
        for key in ["opcodes", "message_bytes", "rtt_us"] { #expect(sampled[key] is NSNull, "\(key)") }
        #expect(every["opcodes"] is [String: Any])
        #expect(sampled["packets"] as? Int == 4)
    }

    /// Live with every packet an event, lost events leave the analysis short: the text says
    /// so and what to do; sampled, or with none lost, it does not.
    @Test func theTextSaysWhatLostEventsCost() throws {
        for (sampled, lost, hint) in [(false, UInt64(5), true), (false, 0, false), (true, 5, false)] {
            var s = try snapshot(sampled: sampled)
            s.source.lostEvents = lost
            s.source.qpCounts = "kernel"
            let line = s.renderText().split(separator: "\n").first { $0.hasPrefix("lost events:") }
            #expect((line != nil) == hint, "sampled \(sampled), lost \(lost)")
            if let line { #expect(line.contains("still exact") && line.contains("--sample N") && line.contains("--buffer-size")) }
        }
    }

    @Test func theTextShowsADashAndSaysWhy() throws {
        let text = try snapshot(sampled: true).renderText()
        #expect(text.contains("events sampled:"))
        let row = text.split(separator: "\n").first { $0.contains("0x000011") }!
        let every = try snapshot(sampled: false).renderText().split(separator: "\n").first { $0.contains("0x000011") }!
        // MISS and LOST: 1 with every packet; "-" sampled.
        #expect(row.split(separator: " ").filter { $0 == "-" }.count > every.split(separator: " ").filter { $0 == "-" }.count,
                "\(row)\n\(every)")
        #expect(!text.contains("SEND_ONLY 4"), "opcodes are not shown")
        #expect(row.hasSuffix("send 4"), "the kinds of opcode stand in: \(row)")
    }

    /// Live with every packet an event, a flow whose events were all lost is known only by
    /// the kernel's counts: its packets are exact and all of them are lost events, but its PSN
    /// analysis, messages and round trips are null in the JSON and "-" in the text, not 0.
    @Test func aFlowOnlyTheKernelKnowsHasNoAnalysis() throws {
        var s = try snapshot(sampled: false)
        var ghost = FlowStats(key: FlowKey(source: IPAddress("10.0.0.3")!, destination: IPAddress("10.0.0.2")!, qpn: 0x22),
                              transport: .rc, direction: .inbound, udpSourcePort: 0, timestamp: 1_000_000_000)
        ghost.analysed = false
        ghost.counts = s.flows[0].counts  // 4 packets, as the kernel counted them
        s.setExactFlows([s.flows[0], ghost], evicted: 0)
        let json = try JSONSerialization.jsonObject(with: Data(s.jsonText().utf8)) as! [String: Any]
        let qps = json["qps"] as! [[String: Any]]
        let seen = try #require(qps.first { $0["qpn"] as? Int == 0x11 })
        let lost = try #require(qps.first { $0["qpn"] as? Int == 0x22 })
        #expect(lost["packets"] as? Int == 4 && lost["lost_events"] as? Int == 4, "\(lost)")
        for row in FlowMetric.all where row.needsEveryPacket {
            #expect(lost[row.key] is NSNull, "\(row.key): \(String(describing: lost[row.key]))")
            #expect(!(seen[row.key] is NSNull), "\(row.key)")
        }
        let text = s.renderText().split(separator: "\n")
        let ghostRow = text.first { $0.contains("0x000022") }!, seenRow = text.first { $0.contains("0x000011") }!
        #expect(ghostRow.split(separator: " ").filter { $0 == "-" }.count > seenRow.split(separator: " ").filter { $0 == "-" }.count,
                "\(ghostRow)\n\(seenRow)")
    }

    /// Sampled, the round trips are the kernel's (bpf/rdmatop.h), taken with the exact counts:
    /// `rtt_us`, `rtt_cross_clock` (0: one clock), the text's RTT column and the Prometheus
    /// histogram show them, each log2 bucket at its geometric middle, with the exact sum;
    /// `source.rtt` says where they come from.
    @Test func theKernelsRoundTripsShowWhenSampled() throws {
        var s = try snapshot(sampled: true)
        var exact = s.flows[0]
        // Two round trips in [8, 16) us, one in [32, 64) us: 60 us in all.
        exact.rtt = RoundTripTimes(kernelBuckets: [0, 0, 0, 2, 0, 1], sumNanoseconds: 60_000)
        s.setExactFlows([exact], evicted: 0)
        let json = try JSONSerialization.jsonObject(with: Data(s.jsonText().utf8)) as! [String: Any]
        #expect((json["source"] as! [String: Any])["rtt"] as? String == "kernel")
        let q = (json["qps"] as! [[String: Any]])[0]
        let rtt = try #require(q["rtt_us"] as? [String: Any])
        #expect(rtt["count"] as? Int == 3 && rtt["p50"] as? Int == 11 && rtt["p99"] as? Int == 45, "\(rtt)")
        #expect(q["rtt_cross_clock"] as? Int == 0 && q["missing_psns"] is NSNull)
        let row = s.renderText().split(separator: "\n").first { $0.contains("0x000011") }!
        #expect(row.contains("11 us"), "\(row)")
        let exporter = PrometheusExporter(topK: 10, version: "test")
        exporter.update(s)
        let text = exporter.render()
        let count = text.split(separator: "\n").first { $0.hasPrefix("rdmatop_qp_rtt_seconds_count{") }
        let sum = text.split(separator: "\n").first { $0.hasPrefix("rdmatop_qp_rtt_seconds_sum{") }
        #expect(count?.hasSuffix(" 3") == true && sum?.hasSuffix(" 6e-05") == true, "\(String(describing: count)) \(String(describing: sum))")
        let unsampled = try snapshot(sampled: false)
        let plain = try JSONSerialization.jsonObject(with: Data(unsampled.jsonText().utf8)) as! [String: Any]
        #expect((plain["source"] as! [String: Any])["rtt"] as? String == "events")
    }

    /// Sampled, the distinct, retransmitted and missing PSNs are the kernel's PSN window's,
    /// taken with the exact counts, on a flow the window follows (no READ requests): the JSON
    /// and the text show them and `source.psns` says so; the rest of the analysis stays null.
    @Test func theKernelsPSNWindowShowsWhenSampled() throws {
        func sampled(reads: UInt64) throws -> (json: [String: Any], qp: [String: Any], text: String, prometheus: String) {
            var s = try snapshot(sampled: true)
            var exact = s.flows[0]
            exact.kernelPSNs.distinct = 4
            exact.kernelPSNs.retransmitted = 2
            exact.kernelPSNs.missing = 1
            exact.kernelPSNs.messages = 3
            exact.kernelPSNs.reads = reads
            exact.kernelPSNs.present = true
            s.setExactFlows([exact], evicted: 0)
            let json = try JSONSerialization.jsonObject(with: Data(s.jsonText().utf8)) as! [String: Any]
            let exporter = PrometheusExporter(topK: 10, version: "test")
            exporter.update(s)
            return (json, (json["qps"] as! [[String: Any]])[0], s.renderText(), exporter.render())
        }
        let followed = try sampled(reads: 0)
        #expect((followed.json["source"] as! [String: Any])["psns"] as? String == "kernel")
        #expect(followed.qp["distinct_psns"] as? Int == 4 && followed.qp["retransmitted_packets"] as? Int == 2
                && followed.qp["missing_psns"] as? Int == 1, "\(followed.qp)")
        #expect(followed.qp["messages"] as? Int == 3 && followed.qp["partial_messages"] as? Int == 0, "\(followed.qp)")
        for key in ["late_psns", "unrecovered_psns", "lost_packets", "retransmitted_after_nak", "message_bytes"] {
            #expect(followed.qp[key] is NSNull, "\(key)")
        }
        let withReads = try sampled(reads: 1)
        for key in ["distinct_psns", "retransmitted_packets", "missing_psns", "messages"] {
            #expect(withReads.qp[key] is NSNull, "a flow with READ requests: \(key)")
        }
        // The text's RETX and MISS columns: numbers where the window follows the flow, "-" where not.
        func cells(_ text: String) -> [Substring] {
            text.split(separator: "\n").first { $0.contains("0x000011") }!.split(separator: " ")
        }
        let dashes = { (c: [Substring]) in c.filter { $0 == "-" }.count }
        #expect(dashes(cells(withReads.text)) - dashes(cells(followed.text)) == 2,
                "\(cells(followed.text))\n\(cells(withReads.text))")
        #expect(cells(followed.text).contains("2") && cells(followed.text).contains("1"))
        // Prometheus: the window's counters on the flow it follows, no sample where it does not.
        func sample(_ text: String, _ name: String) -> Substring? {
            text.split(separator: "\n").first { $0.hasPrefix(name + "{") }
        }
        #expect(sample(followed.prometheus, "rdmatop_qp_missing_psns_total")?.hasSuffix(" 1") == true)
        #expect(sample(followed.prometheus, "rdmatop_qp_retransmitted_packets_total")?.hasSuffix(" 2") == true)
        #expect(sample(followed.prometheus, "rdmatop_qp_lost_packets_total") == nil, "not counted by the window")
        #expect(sample(withReads.prometheus, "rdmatop_qp_missing_psns_total") == nil)
        let files = try JSONSerialization.jsonObject(with: Data(try snapshot(sampled: false).jsonText().utf8)) as! [String: Any]
        #expect((files["source"] as! [String: Any])["psns"] as? String == "events")
    }

    /// Sampled under backlog (`--sample auto`), only the QPs the kernel says it sampled lack
    /// what needs every packet: QP 0x22, of whose 7 packets 3 were left out, is null, "-" and
    /// without those series, with `sampled` true and its unsampled packets no lost events;
    /// QP 0x11, all of whose packets came, keeps its analysis, and the text says what happened.
    @Test func underBacklogOnlyTheQPsSampledLackTheAnalysis() throws {
        var s = try snapshot(sampled: false, underBacklog: true)
        var kernel = Array(s.flows)
        let i = try #require(kernel.firstIndex { $0.key.qpn == 0x22 })
        kernel[i].counts.raw.packets = 7
        kernel[i].unsampledPackets = 3
        kernel[i].sampled = true
        s.source.unsampledPackets = 3
        s.setExactFlows(kernel, evicted: 0)
        let json = try JSONSerialization.jsonObject(with: Data(s.jsonText().utf8)) as! [String: Any]
        #expect((json["source"] as! [String: Any])["events"] as? String == "auto")
        let qps = json["qps"] as! [[String: Any]]
        let whole = try #require(qps.first { $0["qpn"] as? Int == 0x11 })
        let part = try #require(qps.first { $0["qpn"] as? Int == 0x22 })
        #expect(whole["sampled"] as? Bool == false && part["sampled"] as? Bool == true)
        #expect(part["packets"] as? Int == 7 && part["unsampled_packets"] as? Int == 3 && part["lost_events"] as? Int == 0, "\(part)")
        #expect(whole["missing_psns"] as? Int == 1 && whole["unsampled_packets"] as? Int == 0)
        for row in FlowMetric.all where row.needsEveryPacket {
            #expect(part[row.key] is NSNull, "\(row.key): \(String(describing: part[row.key]))")
            #expect(!(whole[row.key] is NSNull) || row.group == .rtt, "\(row.key)")
        }
        #expect(part["opcodes"] is NSNull && whole["opcodes"] is [String: Any])
        let text = s.renderText()
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("events sampled under load:") })
        #expect(line.contains("3 packets of 1 QPs"), "\(line)")
        func dashes(_ qpn: String) -> Int {
            text.split(separator: "\n").first { $0.contains(qpn) }!.split(separator: " ").filter { $0 == "-" }.count
        }
        #expect(dashes("0x000022") > dashes("0x000011"))
        let exporter = PrometheusExporter(topK: 10, version: "test")
        exporter.update(s)
        let missing = exporter.render().split(separator: "\n").filter { $0.hasPrefix("rdmatop_qp_missing_psns_total{") }
        #expect(missing.count == 1 && missing[0].contains("qpn=\"17\""), "\(missing)")
        let unsampled = exporter.render().split(separator: "\n").filter { $0.hasPrefix("rdmatop_qp_unsampled_packets_total{") }
        #expect(unsampled.contains { $0.contains("qpn=\"34\"") && $0.hasSuffix(" 3") }, "\(unsampled)")
    }

    @Test func prometheusExportsOnlyWhatIsMeasured() throws {
        func exposition(_ sampled: Bool) throws -> String {
            let exporter = PrometheusExporter(topK: 10, version: "test")
            exporter.update(try snapshot(sampled: sampled))
            return exporter.render()
        }
        let every = try exposition(false), sampled = try exposition(true)
        for name in ["rdmatop_qp_missing_psns_total{", "rdmatop_qp_lost_packets_total{", "rdmatop_qp_rtt_seconds_count{"] {
            #expect(every.contains(name) && !sampled.contains(name), "\(name)")
        }
        #expect(sampled.contains("rdmatop_qp_packets_total{") && sampled.contains("events=\"sampled\""))
    }
}
