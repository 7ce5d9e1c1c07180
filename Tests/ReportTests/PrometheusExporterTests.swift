import Report
import RoCE
import Stats
import Testing
import TestSupport

/// The exporter's series as flows enter and leave the top K: no counter goes backwards, the
/// sum over the series is every flow's count, the cardinality stays K + 1.
struct PrometheusExporterTests {
    let engine = StatsEngine()
    var clock: Int64 = 1_000_000_000
    var psns: [UInt32: UInt32] = [:]

    /// `count` in-order SEND_ONLY packets to QP `qp`.
    mutating func send(_ count: Int, to qp: UInt32) throws {
        for _ in 0..<count {
            let psn = psns[qp, default: 0]
            psns[qp] = psn + 1
            clock += 1000
            engine.ingest(TestPackets.build(0x04, qpn: qp, psn: psn).packet, frameLength: 60, timestamp: clock, direction: .inbound)
        }
    }

    /// rdmatop_qp_packets_total by qpn label.
    func packets(_ exporter: PrometheusExporter) -> [String: UInt64] {
        exporter.update(Snapshot(engine: engine, source: Snapshot.Source(kind: "file", file: "t", mode: "file")))
        var out: [String: UInt64] = [:]
        for line in exporter.render().split(separator: "\n") where line.hasPrefix("rdmatop_qp_packets_total{") {
            let qpn = line.split(separator: "qpn=\"")[1].prefix { $0 != "\"" }
            out[String(qpn)] = UInt64(line.split(separator: " ").last!)!
        }
        return out
    }

    /// An update skips a flow nothing was counted on since the last one; but an ACK counts on
    /// its request flow too (the round trip it ends), without a packet of that flow: the
    /// request flow's RTT series must still grow.
    @Test mutating func aCounterThatAnotherFlowsPacketChangesIsStillExported() throws {
        let exporter = PrometheusExporter(topK: 10, version: "t")
        let spec = { (src: String, dst: String, bth: BTH) in
            PacketSpec(ethernet: EthernetHeader(destination: MACAddress(2), source: MACAddress(1), etherType: 0),
                       source: IPAddress(src)!, destination: IPAddress(dst)!, bth: bth)
        }
        var request = spec("10.0.0.1", "10.0.0.2", BTH(opcode: 0x04, destQP: 0x12, psn: 7))
        request.bth.ackRequest = true
        var ack = spec("10.0.0.2", "10.0.0.1", BTH(opcode: 0x11, destQP: 0x11, psn: 7))
        ack.aeth = AETH(.ack(credits: 31), msn: 1)
        let decode = { (s: PacketSpec) in try PacketEncoder.encode(s).withUnsafeBytes { try PacketDecoder().decode($0, linkType: .ethernet) } }
        let source = Snapshot.Source(kind: "file", file: "t", mode: "file")
        let rttCount = { () -> String? in
            exporter.render().split(separator: "\n").first { $0.hasPrefix("rdmatop_qp_rtt_seconds_count{") && $0.contains("qpn=\"18\"") }
                .map { String($0.split(separator: " ").last!) }
        }
        engine.ingest(try decode(request), frameLength: 60, timestamp: clock, direction: .inbound)
        exporter.update(Snapshot(engine: engine, source: source))
        #expect(rttCount() == "0")
        let before = engine.flows.first { $0.key.qpn == 0x12 }!
        engine.ingest(try decode(ack), frameLength: 60, timestamp: clock + 40_000, direction: .outbound)
        let after = engine.flows.first { $0.key.qpn == 0x12 }!
        #expect(after.packets == before.packets && after.revision != before.revision)
        exporter.update(Snapshot(engine: engine, source: source))
        #expect(rttCount() == "1")
        // Nothing new: the next update skips both flows and the exposition stays the same.
        let text = exporter.render()
        exporter.update(Snapshot(engine: engine, source: source))
        #expect(exporter.render() == text)
    }

    @Test mutating func aFlowThatLeavesTheTopKAndComesBackNeverGoesBackwards() throws {
        let exporter = PrometheusExporter(topK: 2, version: "t")
        try send(10, to: 1)
        try send(5, to: 2)
        try send(1, to: 3)
        var p = packets(exporter)
        #expect(p == ["1": 10, "2": 5, "other": 1])
        // QP 3 overtakes QP 1: its series counts what came since it got one (its first packet
        // is in "other"); QP 1's series is no longer exposed and stays at 10.
        try send(20, to: 3)
        try send(7, to: 2)
        p = packets(exporter)
        #expect(p == ["2": 12, "3": 20, "other": 1])
        // QP 1 comes back past QP 3: its series continues from 10, never below.
        try send(15, to: 1)
        try send(30, to: 2)
        p = packets(exporter)
        #expect(p == ["1": 25, "2": 42, "other": 1])
        // Every packet was added to exactly one series: the exposed ones and QP 3's, hidden at 20.
        let exposed: UInt64 = p.values.reduce(0, +)
        let counted: UInt64 = engine.flows.map(\.packets).reduce(0, +)
        #expect(exposed + 20 == counted)
    }

    @Test mutating func cardinalityIsTopKPlusOther() throws {
        let exporter = PrometheusExporter(topK: 10, version: "t")
        for qp in 0..<UInt32(300) { try send(Int(qp % 4) + 1, to: 0x100 + qp) }
        let p = packets(exporter)
        #expect(p.count == 11)
        let exposed: UInt64 = p.values.reduce(0, +)
        let counted: UInt64 = engine.flows.map(\.packets).reduce(0, +)
        #expect(exposed == counted)
    }

    @Test func everyExportedRowHasAPrometheusNameInTheConventions() {
        let names = FlowMetric.all.compactMap(\.prometheus?.name) + GlobalMetric.all.compactMap(\.prometheus?.name)
        #expect(Set(names).count == names.count)
        for name in names {
            #expect(name.hasPrefix("rdmatop_") && name.hasSuffix("_total"), "\(name)")
            #expect(name.allSatisfy { $0.isLowercase || $0 == "_" }, "\(name)")
        }
        for key in ["packets", "bytes", "retransmitted_packets", "missing_psns", "lost_packets", "naks", "rnr_naks",
                    "cnps", "ecn_ce", "messages"] {
            #expect(FlowMetric.named(key)?.prometheus?.name == "rdmatop_qp_\(key)_total")
        }
    }
}
