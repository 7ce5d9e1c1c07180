import Attribution
import Foundation
import RoCE
import Stats

/// A snapshot of the engine, as `--once` prints it (text) or as one JSON document with a
/// documented, versioned schema (docs/json-schema.md). Keys are only ever added; `version`
/// grows when they are.
public struct Snapshot: Sendable {
    /// Schema version.
    public static let schemaVersion = 12
    public var version = Snapshot.schemaVersion

    /// Where the packets came from.
    public struct Source: Sendable {
        /// "file" or "interface".
        public var kind: String
        /// The capture file, for `--read`.
        public var file: String?
        /// The interface, for live capture.
        public var interface: String?
        /// "file", "xdp", "xdp-generic", "tc", "rdma" or a combination ("xdp+tc").
        public var mode: String
        /// Events the kernel could not hand over (ring buffer full); 0 for files.
        public var lostEvents: UInt64
        /// Where the per-QP packet, byte and reply counts come from: "kernel" (the probe's
        /// flow map: exact whatever events are lost) or "events" (the packets decoded: files,
        /// a filter, or a probe without a flow map). The PSN analysis always runs on events.
        public var qpCounts = "events"
        /// "all": every RoCE packet became an event (files; live by default); "sampled": the
        /// probe's `--sample`, where the per-QP counts are the kernel's and what needs every
        /// packet (the PSN analysis, messages, round trips, opcodes) is not measured (null).
        public var events = "all"
        /// Where the per-QP round trips (`rtt_us`, the RTT histogram) come from: "kernel" when
        /// the events are sampled (the probe times each request to the answer that carries
        /// its PSN back, bpf/rdmatop.h), else "events".
        public var roundTrips: String { events == "sampled" && qpCounts == "kernel" ? "kernel" : "events" }
        /// Where the per-QP `distinct_psns`, `retransmitted_packets` and `missing_psns` come
        /// from: "kernel" when the events are sampled (the probe's PSN window of each flow's
        /// requests, bpf/rdmatop_flow.h), else "events".
        public var psns: String { roundTrips }
        /// Request packets the probe left out of its PSN windows because the PSN map was full
        /// (live); their flows' PSN counts are null with sampled events.
        public var psnRefusedPackets: UInt64 = 0
        /// RoCE packets the probe counted but sampling left out of the events (live).
        public var unsampledPackets: UInt64 = 0
        /// Flows the kernel's flow map dropped to make room (live, with "kernel" counts).
        public var kernelEvictedFlows: UInt64?
        /// Nanoseconds the kernel spent in the probe's programs (BPF run-time stats); 0 for files.
        public var probeRunNanoseconds: UInt64 = 0
        /// Runs of the probe's programs (BPF run-time stats); 0 for files.
        public var probeRuns: UInt64 = 0
        /// The RDMA device named on the command line (`rdmatop rxe0`), whose netdev is `interface`.
        public var rdmaDevice: String?
        /// What rdmatop and its probe cost (live); nil for files, whose snapshots stay the
        /// same from run to run.
        public var cost: ToolCost?

        public init(kind: String, file: String? = nil, interface: String? = nil, mode: String, lostEvents: UInt64 = 0) {
            self.kind = kind
            self.file = file
            self.interface = interface
            self.mode = mode
            self.lostEvents = lostEvents
        }
    }

    public struct Opcode: Sendable {
        public var opcode: UInt8
        public var name: String
        public var transport: String
        public var packets: UInt64
        public var bytes: UInt64
        /// Packets per second over the last interval.
        public var packetsPerSecond: Double
    }

    public var source: Source
    /// Seconds between the first and the last packet (files) or of the run (live), on the
    /// common timeline of the capture's clocks.
    public var durationSeconds: Double
    /// The clocks that stamped the packets (more than one when a capture mixes clocks).
    public var clocks: [ClockDomains.Domain] = []
    /// The filter, as text; nil when none.
    public var filter: String?
    public var totals: Totals
    /// Packets and bytes per second over the last interval.
    public var packetsPerSecond: Double
    public var bytesPerSecond: Double
    /// Flows in the table, and flows evicted to keep it bounded.
    public var evictedFlows: UInt64
    /// The flows with counted packets, most packets first.
    public var flows: FlowList
    public var opcodes: [Opcode]
    public var malformed: [MalformedEntry]
    /// Whose each flow's destination QP is (RDMA netlink); nil when attribution is absent
    /// (a capture file, no RDMA device, no RDMA netlink).
    public var owners: [FlowKey: QPOwner]?
    /// The hw counters of the RDMA ports on the watched interface, since rdmatop started.
    public var deviceCounters: [DeviceCounterValues] = []
}

/// One RDMA port's hw counters over the snapshot's run.
public struct DeviceCounterValues: Sendable {
    public var device: String
    public var port: UInt32
    public var netdev: String
    /// Name and increase since rdmatop started, by name.
    public var counters: [(name: String, value: UInt64)]

    public init(_ counters: DeviceCounters) {
        device = counters.device
        port = counters.port
        netdev = counters.netdev
        self.counters = counters.sinceStart()
    }

    /// A counter's increase; nil when the device has no such counter.
    public subscript(name: String) -> UInt64? { counters.first { $0.name == name }?.value }

    /// The counters most worth a glance, as `name value` pairs in one line.
    public var summary: String {
        let main = ["sent_pkts", "rcvd_pkts", "out_of_seq_request", "duplicate_request", "rcvd_seq_err",
                    "rcvd_rnr_err", "send_rnr_err", "retry_exceeded_err"]
        let shown = main.compactMap { n in self[n].map { "\(n) \($0)" } }
        return "\(device) port \(port): " + (shown.isEmpty ? counters.prefix(6).map { "\($0.name) \($0.value)" } : shown)
            .joined(separator: ", ")
    }
}

extension ClockDomains.Domain {
    /// "boot" for a clock that counts from boot (its timestamps read as before 2000),
    /// "wall" for a wall clock.
    public var kind: String { first < 946_684_800_000_000_000 ? "boot" : "wall" }
}
