/// One number of the whole run: its JSON key (in `totals`, or in `source` for the probe's
/// own), its Prometheus metric and its definition. The JSON snapshot's `totals` and the
/// Prometheus exposition render from `GlobalMetric.all`.
public struct GlobalMetric: Sendable {
    /// Where the key lives in the JSON snapshot.
    public enum Section: String, Sendable {
        case totals, source
    }

    /// The key in the JSON snapshot (schema v3).
    public let key: String
    public let section: Section
    /// The unit: "packets", "bytes", "flows", "events", "seconds", "runs".
    public let unit: String
    /// The Prometheus metric, if exported.
    public let prometheus: PrometheusMetric?
    /// The definition, one line; also the Prometheus HELP text.
    public let help: String
    /// The value in a snapshot (seconds are exported as `value / scale`).
    public let value: @Sendable (Snapshot) -> UInt64
    /// What one unit of `value` is in the exported unit (1e-9 for nanoseconds as seconds).
    public let scale: Double

    init(_ key: String, _ section: Section = .totals, unit: String, prometheus: String?, scale: Double = 1,
         help: String, value: @escaping @Sendable (Snapshot) -> UInt64) {
        self.key = key
        self.section = section
        self.unit = unit
        self.prometheus = prometheus.map { PrometheusMetric.counter($0) }
        self.scale = scale
        self.help = help
        self.value = value
    }

    /// The numbers, in JSON order.
    public static let all: [GlobalMetric] = [
        GlobalMetric("packets", unit: "packets", prometheus: "rdmatop_packets",
                     help: "frames seen (live: the probe's exact kernel count; files: every frame read)") { $0.totals.packets },
        GlobalMetric("bytes", unit: "bytes", prometheus: "rdmatop_bytes", help: "bytes of those frames (original length)") {
            $0.totals.bytes
        },
        GlobalMetric("roce_packets", unit: "packets", prometheus: "rdmatop_roce_packets",
                     help: "frames to the RoCEv2 UDP port") { $0.totals.rocePackets },
        GlobalMetric("roce_bytes", unit: "bytes", prometheus: "rdmatop_roce_bytes", help: "bytes of those frames") {
            $0.totals.roceBytes
        },
        GlobalMetric("matched", unit: "packets", prometheus: nil, help: "RoCE packets that passed the filter") {
            $0.totals.matched
        },
        GlobalMetric("malformed", unit: "packets", prometheus: "rdmatop_malformed_packets",
                     help: "RoCE packets the decoder rejected (truncated or invalid headers)") { $0.totals.malformed },
        GlobalMetric("icrc_checked", unit: "packets", prometheus: nil, help: "packets whose ICRC was verified (captured in full)") {
            $0.totals.icrcChecked
        },
        GlobalMetric("icrc_errors", unit: "packets", prometheus: "rdmatop_icrc_errors",
                     help: "packets whose ICRC did not match") { $0.totals.icrcErrors },
        GlobalMetric("evicted_flows", unit: "flows", prometheus: "rdmatop_evicted_flows",
                     help: "flows dropped from the flow table to keep it within --max-flows") { $0.evictedFlows },
        GlobalMetric("lost_events", .source, unit: "events", prometheus: "rdmatop_lost_events",
                     help: "packets the kernel counted but could not hand over (ring buffer full): the tables miss them") {
            $0.source.lostEvents
        },
        GlobalMetric("unsampled_packets", .source, unit: "packets", prometheus: "rdmatop_unsampled_packets",
                     help: "RoCE packets the kernel counted but sampling (--sample) left out of the events (0 otherwise)") {
            $0.source.unsampledPackets
        },
        GlobalMetric("psn_refused_packets", .source, unit: "packets", prometheus: "rdmatop_psn_refused_packets",
                     help: "request packets the kernel's full PSN map had no window for (live; their flows' PSN counts are not measured when sampled)") {
            $0.source.psnRefusedPackets
        },
        GlobalMetric("probe_run_ns", .source, unit: "seconds", prometheus: "rdmatop_probe_run_seconds", scale: 1e-9,
                     help: "time the kernel spent running the probe's BPF programs (needs BPF run-time stats; 0 for files)") {
            $0.source.probeRunNanoseconds
        },
        GlobalMetric("probe_runs", .source, unit: "runs", prometheus: "rdmatop_probe_runs",
                     help: "times the kernel ran the probe's BPF programs (0 for files)") { $0.source.probeRuns },
        GlobalMetric("cpu_ns", .source, unit: "seconds", prometheus: "rdmatop_process_cpu_seconds", scale: 1e-9,
                     help: "CPU time of the rdmatop process since it started, user and system, every thread (live; 0 for files)") {
            $0.source.cost?.cpuNanoseconds ?? 0
        },
        GlobalMetric("kernel_evicted_flows", .source, unit: "flows", prometheus: "rdmatop_kernel_evicted_flows",
                     help: "flows the kernel's flow map dropped to make room (live, with per-QP counts from the kernel; 0 otherwise)") {
            $0.source.kernelEvictedFlows ?? 0
        },
    ]

    /// The rows in a JSON section, in order.
    public static func section(_ section: Section) -> [GlobalMetric] { all.filter { $0.section == section } }
}
