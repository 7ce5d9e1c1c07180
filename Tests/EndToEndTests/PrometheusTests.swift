import Capture
import Foundation
import RoCE
import Testing

/// The exporter against the real thing: Debian's promtool checks the exposition and every
/// PromQL expression of contrib/, and a Prometheus server, started in a namespace lab this
/// test makes, scrapes `rdmatop --listen` while a capture is replayed; its queries must equal
/// rdmatop's JSON snapshot of the same run.
@Suite(.serialized)
struct PrometheusTests {
    static let contrib = Paths.root.appendingPathComponent("contrib")

    /// Samples of an exposition: (name, labels, value) for every line that is not a comment.
    static func samples(_ text: String) -> [(name: String, labels: [String: String], value: Double)] {
        text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...])
            else { return nil }
            let series = line[..<space]
            guard let brace = series.firstIndex(of: "{") else { return (String(series), [:], value) }
            var labels: [String: String] = [:]
            for pair in series[series.index(after: brace)..<series.index(before: series.endIndex)].split(separator: ",") {
                let kv = pair.split(separator: "=", maxSplits: 1)
                labels[String(kv[0])] = String(kv[1].dropFirst().dropLast())
            }
            return (String(series[..<brace]), labels, value)
        }
    }

    /// `promtool check metrics` on `text`.
    static func promtoolCheckMetrics(_ text: String) throws -> RunResult {
        try run(try tool("promtool"), ["check", "metrics"], stdin: Data(text.utf8))
    }

    @Test func textfileModeOfAFileEqualsItsJSONAndPassesPromtool() throws {
        let capture = try Paths.temporaryDirectory().appendingPathComponent("lossy.pcap").path
        #expect(try run(Paths.rocegen, ["-o", capture, "--loss", "0.03", "--ecn", "0.02", "--messages", "80"]).status == 0)
        let prom = try rdmatop("--read", capture, "--once", "--format", "prometheus")
        #expect(prom.status == 0, "\(prom.stderr)")
        let check = try PrometheusTests.promtoolCheckMetrics(prom.stdout)
        #expect(check.status == 0, "promtool: \(check.stdout) \(check.stderr)")
        // One HELP and one TYPE line per metric.
        let types = prom.stdout.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }
        #expect(Set(types).count == types.count)
        let json = try parseJSON(try rdmatop("--read", capture, "--once", "--json").stdout)
        let qps = json["qps"] as! [[String: Any]]
        let samples = PrometheusTests.samples(prom.stdout)
        for key in ["packets", "bytes", "retransmitted_packets", "missing_psns", "lost_packets", "rnr_naks", "cnps",
                    "ecn_ce", "messages"] {
            let name = "rdmatop_qp_\(key)_total"
            for qp in qps {
                let mine = samples.filter {
                    $0.name == name && $0.labels["src"] == qp["src"] as? String && $0.labels["dst"] == qp["dst"] as? String
                        && $0.labels["qpn"] == String(uint(qp["qpn"])!)
                }
                #expect(mine.count == 1 && UInt64(mine[0].value) == uint(qp[key]), "\(name) \(qp["qpn"]!)")
            }
        }
        let lost = qps.map { uint($0["lost_packets"])! }.reduce(0, +)
        #expect(lost > 0, "the capture has losses to count")
        let naks = qps.flatMap { ($0["naks"] as! [String: Any]).values.map { uint($0)! } }.reduce(0, +)
        #expect(UInt64(samples.filter { $0.name == "rdmatop_qp_naks_total" }.map(\.value).reduce(0, +)) == naks)
        let totals = json["totals"] as! [String: Any]
        #expect(samples.first { $0.name == "rdmatop_roce_packets_total" }.map { UInt64($0.value) } == uint(totals["roce_packets"]))
        for op in json["opcodes"] as! [[String: Any]] {
            let s = samples.first { $0.name == "rdmatop_opcode_packets_total" && $0.labels["opcode"] == op["name"] as? String }
            #expect(s.map { UInt64($0.value) } == uint(op["packets"]))
        }
        // The RTT histogram counts the samples the JSON percentiles come from.
        let rttCount = qps.compactMap { ($0["rtt_us"] as? [String: Any]).flatMap { uint($0["count"]) } }.reduce(0, +)
        #expect(rttCount > 0)
        #expect(UInt64(samples.filter { $0.name == "rdmatop_qp_rtt_seconds_count" }.map(\.value).reduce(0, +)) == rttCount)
    }

    @Test func tenThousandQPsFoldIntoTheTopKAndOther() throws {
        // 10,000 RC QPs of 1 to 3 SEND_ONLY packets each (rocegen's scheduler is too slow for so many).
        let capture = try Paths.temporaryDirectory().appendingPathComponent("10k.pcap").path
        let writer = try PcapWriter(path: capture, linkType: PcapLinkType.ethernet)
        let eth = EthernetHeader(destination: MACAddress(0x02_0000_0002), source: MACAddress(0x02_0000_0001), etherType: 0)
        var time: Int64 = 1_700_000_000_000_000_000
        for round in 0..<3 {
            for qp in 0..<UInt32(10_000) where Int(qp % 3) >= round {
                var spec = PacketSpec(ethernet: eth, source: IPAddress("10.9.0.1")!, destination: IPAddress("10.9.0.2")!,
                                      bth: BTH(opcode: 0x04, destQP: 0x1000 + qp, psn: UInt32(round)))
                spec.payload = [UInt8](repeating: 0x5A, count: 64)
                try writer.write(timestampNanoseconds: time, data: PacketEncoder.encode(spec))
                time += 1_000
            }
        }
        try writer.close()
        let json = try parseJSON(try rdmatop("--read", capture, "--once", "--json").stdout)
        let qps = json["qps"] as! [[String: Any]]
        #expect(qps.count >= 10_000)
        for k in [100, 7] {
            let prom = try rdmatop("--read", capture, "--once", "--format", "prometheus", "--metrics-qps", String(k))
            #expect(prom.status == 0, "\(prom.stderr)")
            let packets = PrometheusTests.samples(prom.stdout).filter { $0.name == "rdmatop_qp_packets_total" }
            #expect(packets.count == k + 1)
            #expect(packets.filter { $0.labels["qpn"] == "other" }.count == 1)
            #expect(UInt64(packets.map(\.value).reduce(0, +)) == qps.map { uint($0["packets"])! }.reduce(0, +))
            #expect(Set(PrometheusTests.samples(prom.stdout).map { $0.labels["qpn"] ?? "" }).count <= k + 2)
            #expect(try PrometheusTests.promtoolCheckMetrics(prom.stdout).status == 0)
        }
    }

    @Test func everyPromQLExpressionInContribParses() throws {
        let alerts = PrometheusTests.contrib.appendingPathComponent("prometheus/rdmatop-alerts.yml").path
        let checked = try run(try tool("promtool"), ["check", "rules", alerts])
        #expect(checked.status == 0, "\(checked.stdout) \(checked.stderr)")
        // The dashboard's expressions, with Grafana's variables filled in, as recording rules.
        let dashboard = try JSONSerialization.jsonObject(
            with: Data(contentsOf: PrometheusTests.contrib.appendingPathComponent("grafana/rdmatop-dashboard.json"))) as! [String: Any]
        let exprs = (dashboard["panels"] as! [[String: Any]]).flatMap { ($0["targets"] as! [[String: Any]]).map { $0["expr"] as! String } }
        #expect(exprs.count >= 9)
        var rules = "groups:\n  - name: dashboard\n    rules:\n"
        for (i, e) in exprs.enumerated() {
            let filled = e.replacingOccurrences(of: "$__rate_interval", with: "1m").replacingOccurrences(of: "$instance", with: ".*")
            let quoted = filled.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            rules += "      - record: dashboard:expr\(i)\n        expr: \"\(quoted)\"\n"
        }
        let file = try Paths.temporaryDirectory().appendingPathComponent("dashboard-rules.yml")
        try rules.write(to: file, atomically: true, encoding: .utf8)
        let r = try run(try tool("promtool"), ["check", "rules", file.path])
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        // Every metric they name is one rdmatop exports.
        let exported = try rdmatop("--read", try Paths.realCaptures()[0].path, "--once", "--format", "prometheus").stdout
        let families = Set(exported.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { String($0.split(separator: " ")[2]) })
        let alertText = try String(contentsOfFile: alerts, encoding: .utf8)
        for text in exprs + [alertText] {
            for match in text.matches(of: /rdmatop_[a-z_]+/) {
                let name = String(match.output)
                let family = name.hasSuffix("_bucket") ? String(name.dropLast(7)) : name
                #expect(families.contains(family), "\(name) is not exported")
            }
        }
    }

    /// `--listen --view`: the interactive view in a terminal, /metrics served beside it with
    /// the traffic the view counts.
    @Test(.enabled(if: NetworkLab.available, "needs root for network namespaces and BPF"))
    func theExporterServesBesideTheView() throws {
        let dir = try Paths.temporaryDirectory()
        let capture = dir.appendingPathComponent("viewed.pcap").path
        #expect(try run(Paths.rocegen, ["-o", capture, "--messages", "40"]).status == 0)
        let lab = try NetworkLab()
        defer { lab.remove() }
        let port = 19_465
        let view = try TmuxView([lab.ifB, "--mode", "xdp", "--listen", "127.0.0.1:\(port)", "--view", "--interval", "0.5"],
                                prefix: ["/usr/sbin/ip", "netns", "exec", lab.b])
        defer { view.stop() }
        try view.wait(forText: "QPN")
        try lab.replay(capture)
        let expected = try run(Paths.rdmatop, ["--read", capture, "--once", "--json"])
        let json = try JSONSerialization.jsonObject(with: Data(expected.stdout.utf8)) as! [String: Any]
        let packets = (json["totals"] as? [String: Any]).flatMap { uint($0["roce_packets"]) } ?? 0
        #expect(packets > 0)
        // The view's refreshes publish: wait until the scrape has every replayed packet.
        var scraped: [(name: String, labels: [String: String], value: Double)] = []
        let end = Date().addingTimeInterval(15)
        repeat {
            let r = try lab.exec(lab.b, ["curl", "-sf", "--max-time", "5", "http://127.0.0.1:\(port)/metrics"])
            scraped = Self.samples(r.stdout)
            if scraped.contains(where: { $0.name == "rdmatop_roce_packets_total" && $0.value == Double(packets) }) { break }
            usleep(200_000)
        } while Date() < end
        #expect(scraped.first { $0.name == "rdmatop_roce_packets_total" }?.value == Double(packets), "\(scraped.prefix(20))")
        let qpPackets = scraped.filter { $0.name == "rdmatop_qp_packets_total" }.reduce(0) { $0 + $1.value }
        #expect(qpPackets == Double(packets))
        // And the view is still the view, counting the same flows.
        let screen = try view.screen()
        #expect(screen.contains { $0.hasPrefix("QPN") }, "\(screen)")
        #expect(!qpRows(screen).isEmpty, "\(screen)")
        try view.keys("q")
        let end2 = try view.wait(forText: "EXIT=")
        #expect(end2.contains("EXIT=0"), "\(end2)")
    }

    @Test(.enabled(if: NetworkLab.available, "needs root for network namespaces and BPF"))
    func prometheusScrapingTheDaemonAgreesWithItsJSON() throws {
        let dir = try Paths.temporaryDirectory()
        let capture = dir.appendingPathComponent("scraped.pcap").path
        #expect(try run(Paths.rocegen, ["-o", capture, "--loss", "0.03", "--messages", "150"]).status == 0)
        let lab = try NetworkLab()
        defer { lab.remove() }
        let port = 19_464
        let daemon = try lab.startRdmatop(lab.b, [lab.ifB, "--mode", "xdp", "--listen", "127.0.0.1:\(port)",
                                                  "--format", "json", "--interval", "0.5"])
        defer { _ = daemon.stop() }
        daemon.waitForStderr(containing: "serving /metrics", timeout: 10)
        #expect(daemon.stderr.contains("serving /metrics"), "\(daemon.stderr)")
        let config = dir.appendingPathComponent("prometheus.yml")
        try """
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: rdmatop
                static_configs:
                  - targets: ["127.0.0.1:\(port)"]
            """.write(to: config, atomically: true, encoding: .utf8)
        let prometheus = try RunningProcess(executable: "/usr/sbin/ip", arguments: [
            "netns", "exec", lab.b, try tool("prometheus"), "--config.file=\(config.path)",
            "--storage.tsdb.path=\(dir.appendingPathComponent("tsdb").path)", "--web.listen-address=127.0.0.1:19090",
        ])
        defer { _ = prometheus.stop(signal: SIGTERM, timeout: 20) }
        let query = { (expr: String) throws -> [[String: Any]] in
            let r = try lab.exec(lab.b, ["curl", "-sfG", "--max-time", "5", "http://127.0.0.1:19090/api/v1/query",
                                          "--data-urlencode", "query=\(expr)"])
            guard r.status == 0, let json = try? parseJSON(r.stdout), let data = json["data"] as? [String: Any] else { return [] }
            return data["result"] as? [[String: Any]] ?? []
        }
        let value = { (result: [String: Any]) -> Double? in ((result["value"] as? [Any])?.last as? String).flatMap(Double.init) }
        // Prometheus is up and has scraped rdmatop once.
        let ready = Date().addingTimeInterval(30)
        while Date() < ready, try query("up{job=\"rdmatop\"} == 1").isEmpty { usleep(250_000) }
        #expect(try !query("up{job=\"rdmatop\"} == 1").isEmpty, "Prometheus never scraped rdmatop: \(prometheus.stderr.suffix(500))")
        try lab.replay(capture, pps: 2_000)
        // The last JSON snapshot once the counts stop moving, and Prometheus' view of it.
        var last: [String: Any] = [:]
        var sum: Double?
        let settle = Date().addingTimeInterval(40)
        while Date() < settle {
            usleep(1_000_000)
            let docs = daemon.stdout.components(separatedBy: "\n}\n").filter { $0.contains("\"version\"") }
            guard let text = docs.last, let json = try? parseJSON(text + "\n}") else { continue }
            last = json
            let total = (json["qps"] as! [[String: Any]]).map { Double(uint($0["packets"])!) }.reduce(0, +)
            sum = try query("sum(rdmatop_qp_packets_total)").first.flatMap(value)
            if total > 0 && sum == total { break }
        }
        let qps = last["qps"] as? [[String: Any]] ?? []
        #expect(!qps.isEmpty)
        #expect(sum == qps.map { Double(uint($0["packets"])!) }.reduce(0, +), "PromQL sum vs JSON")
        // The packets by kind of opcode add up to the packets, in Prometheus' own arithmetic.
        let byClass = try query("sum(rdmatop_qp_class_packets_total)").first.flatMap(value)
        #expect(byClass != nil && byClass == sum, "PromQL: classes \(String(describing: byClass)), packets \(String(describing: sum))")
        let lossy = qps.max { uint($0["lost_packets"])! < uint($1["lost_packets"])! }!
        #expect(uint(lossy["lost_packets"])! > 0)
        let selector = "src=\"\(lossy["src"] as! String)\",dst=\"\(lossy["dst"] as! String)\",qpn=\"\(uint(lossy["qpn"])!)\""
        let lost = try query("rdmatop_qp_lost_packets_total{\(selector)}").first.flatMap(value)
        #expect(lost.map(UInt64.init) == uint(lossy["lost_packets"]), "\(selector)")
        let quantile = try query("histogram_quantile(0.5, rate(rdmatop_qp_rtt_seconds_bucket[1m]))").compactMap(value)
        #expect(quantile.contains { $0.isFinite && $0 > 0 }, "no RTT median: \(quantile)")
        // What Prometheus scraped passes promtool.
        let scraped = try lab.exec(lab.b, ["curl", "-sf", "--max-time", "5", "http://127.0.0.1:\(port)/metrics"])
        #expect(scraped.status == 0)
        #expect(try PrometheusTests.promtoolCheckMetrics(scraped.stdout).status == 0)
        #expect(daemon.stop() == 0, "\(daemon.stderr)")
    }
}
