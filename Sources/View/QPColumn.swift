import Attribution
import Report
import RoCE
import Stats

/// The columns of the QP table, in display order: the flow's identity and rates, then every
/// counter of the metric table (`FlowMetric.all`) that has a view column, then RTT and opcodes.
public enum QPColumn: Hashable, Sendable {
    case qpn, source, destination, transport
    /// Whose the destination QP is (`comm/pid`), where RDMA netlink tells.
    case process
    case packetRate, byteRate, messageRate
    /// A counter of the metric table, by JSON key.
    case counter(String)
    case rtt, opcodes

    /// Every column, in display order.
    public static let allCases: [QPColumn] = [.qpn, .source, .destination, .process, .transport, .packetRate, .byteRate, .messageRate]
        + FlowMetric.all.filter { $0.column != nil }.map { .counter($0.key) } + [.rtt, .opcodes]

    /// Counter columns by their old names.
    public static let packets = QPColumn.counter("packets")
    public static let lost = QPColumn.counter("lost_packets")
    public static let retransmissions = QPColumn.counter("retransmitted_packets")
    public static let missing = QPColumn.counter("missing_psns")
    public static let naks = QPColumn.counter("naks")

    /// The metric table's row of a counter column.
    var metric: FlowMetric? {
        if case .counter(let key) = self { FlowMetric.named(key) } else { nil }
    }

    /// The header.
    public var title: String {
        switch self {
        case .qpn: "QPN"
        case .source: "SOURCE"
        case .destination: "DESTINATION"
        case .transport: "TR"
        case .process: "PROCESS"
        case .packetRate: "PKT/S"
        case .byteRate: "BYTES/S"
        case .messageRate: "MSG/S"
        case .counter: metric?.column?.title ?? "?"
        case .rtt: "RTT50"
        case .opcodes: "TOP OPCODES"
        }
    }

    /// Whether cells are right-aligned (numbers).
    public var alignsRight: Bool {
        switch self {
        case .qpn, .source, .destination, .transport, .process, .opcodes: false
        default: true
        }
    }

    /// The width of the column; addresses take the widest address shown (`addressWidth`);
    /// the opcodes column takes what is left, at least this.
    public func width(addressWidth: Int) -> Int {
        switch self {
        case .qpn: 8
        case .source, .destination: max(title.count + 1, addressWidth)
        case .transport: 3
        case .process: 16
        case .packetRate: 7
        case .byteRate: 9
        case .messageRate: 6
        case .counter: metric?.column?.width ?? 5
        case .rtt: 7
        case .opcodes: 12
        }
    }

    /// Which columns stay when the terminal is narrow: lower first.
    public var priority: Int {
        switch self {
        case .qpn: 0
        case .packetRate: 1
        case .source: 2
        case .destination: 3
        case .byteRate: 4
        case .opcodes: 8
        case .messageRate: 9
        case .counter: metric?.column?.priority ?? 99
        case .process: 9
        case .rtt: 14
        case .transport: 15
        }
    }

    /// Whether the table can be sorted by this column.
    public var isSortable: Bool { self != .opcodes && self != .process }

    /// The columns the table can be sorted by, in display order.
    public static let sortable: [QPColumn] = allCases.filter(\.isSortable)

    /// Whether sorting by this column starts with the largest value (numbers) rather than the
    /// smallest (QPNs, addresses, transports).
    public var descendingByDefault: Bool { alignsRight }

    /// Whether a non-zero value signals trouble.
    public var isAlarm: Bool { metric?.alarm ?? false }

    /// The numeric value a row sorts by (QPN and transport too; addresses compare apart).
    func sortValue(_ f: FlowStats) -> Double {
        switch self {
        case .qpn: Double(f.key.qpn)
        case .transport: Double(f.transport.rawValue)
        case .packetRate: f.packetRate.last
        case .byteRate: f.byteRate.last
        case .messageRate: f.sampled ? -1 : f.messageRate.last
        case .counter: metric.map { $0.measured(f) ? Double($0.value(f)) : -1 } ?? 0
        case .rtt: f.roundTripsMeasured ? f.rtt.percentile(50).map(Double.init) ?? -1 : -1
        case .source, .destination, .process, .opcodes: 0
        }
    }

    /// Whether the row's value in this column is non-zero trouble.
    func alarms(_ f: FlowStats) -> Bool {
        isAlarm && sortValue(f) > 0
    }

    /// Whether the row's value in this column was counted from events of which the ring
    /// buffer lost some of the flow's (`FlowStats.lostEvents`): the PSN analysis, messages,
    /// round trips and opcodes then miss packets, and a lost event looks like a missing PSN.
    /// The view dims such cells. The kernel's own counts (packets, replies, congestion) and,
    /// with sampled events, what the kernel measures are whole.
    func shortOfEvents(_ f: FlowStats) -> Bool {
        guard !f.sampled, f.lostEvents > 0 else { return false }
        switch self {
        case .messageRate, .rtt, .opcodes: return true
        case .counter: return metric?.needsEveryPacket == true
        default: return false
        }
    }

    /// The cell's text (not yet fitted to the column).
    public func cell(_ f: FlowStats, addresses: (source: String, destination: String)? = nil,
                     owner: QPOwner? = nil) -> String {
        switch self {
        case .qpn: Format.qpn(f.key.qpn)
        case .source: addresses?.source ?? f.key.source.description
        case .destination: addresses?.destination ?? f.key.destination.description
        case .transport: f.transport.name
        case .process: owner?.label ?? "?"
        case .packetRate: Format.rate(f.packetRate.last)
        case .byteRate: Format.bytes(f.byteRate.last)
        case .messageRate: f.sampled ? "-" : Format.rate(f.messageRate.last)
        case .counter: metric.map { $0.measured(f) ? Format.count($0.value(f)) : "-" } ?? "0"
        case .rtt: f.roundTripsMeasured ? f.rtt.percentile(50).map(Format.microseconds) ?? "-" : "-"
        case .opcodes: f.sampled ? QPColumn.topClasses(f, limit: 3) : QPColumn.topOpcodes(f, limit: 3)
        }
    }

    /// The flow's busiest opcodes with their share of its packets: "WRITE_MIDDLE 95%, ...".
    static func topOpcodes(_ f: FlowStats, limit: Int) -> String {
        shares(f.opcodes.sorted.map { (Format.shortOpcodeName($0.opcode), $0.count) }, limit: limit)
    }

    /// With sampled events, the kinds of opcode instead (the kernel counts them exactly):
    /// "write 95%, acknowledge 5%".
    static func topClasses(_ f: FlowStats, limit: Int) -> String {
        shares(f.counts.busiestClasses.map { ($0.name, $0.packets) }, limit: limit)
    }

    /// Names with their share of the counts, busiest first, at most `limit` and "+n" more.
    static func shares(_ counts: [(name: String, count: UInt64)], limit: Int) -> String {
        let total = max(1, counts.reduce(0) { $0 + $1.count })
        var parts = counts.prefix(limit).map { "\($0.name) \($0.count * 100 / total)%" }
        if counts.count > limit { parts.append("+\(counts.count - limit)") }
        return parts.joined(separator: ", ")
    }
}
