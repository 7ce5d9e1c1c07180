/// How a number is exported to Prometheus: its metric name (snake_case, `_total` on counters,
/// base units, the unit named in the row that holds this) and its type.
public struct PrometheusMetric: Sendable, Hashable {
    /// The exposition's metric types rdmatop uses.
    public enum Kind: String, Sendable {
        case counter, gauge, histogram
    }

    /// The full metric name, e.g. `rdmatop_qp_packets_total`.
    public let name: String
    public let kind: Kind
    /// The label that splits a labelled counter (`code` for NAKs), nil for a plain one.
    public let label: String?

    public init(_ name: String, _ kind: Kind, label: String? = nil) {
        self.name = name
        self.kind = kind
        self.label = label
    }

    /// A counter: `rdmatop_<name>_total`.
    public static func counter(_ name: String, label: String? = nil) -> PrometheusMetric {
        PrometheusMetric(name + "_total", .counter, label: label)
    }
}

/// How a number is shown as a column of the view's QP table.
public struct ViewColumn: Sendable, Hashable {
    /// The header.
    public let title: String
    /// Characters wide.
    public let width: Int
    /// Which columns stay when the terminal is narrow: lower first.
    public let priority: Int

    public init(_ title: String, width: Int, priority: Int) {
        self.title = title
        self.width = width
        self.priority = priority
    }
}

/// The detail view's sections, in the order they are shown.
public enum MetricGroup: String, Sendable, CaseIterable {
    case traffic, psns = "PSNs", responses, congestion, messages, errors, rtt = "RTT", identity
}
