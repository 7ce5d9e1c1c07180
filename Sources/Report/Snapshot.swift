import RoCE
import Stats

/// The snapshot printed by `--once --json`: a documented, versioned schema
/// (docs/json-schema.md). Keys are only ever added; `version` grows when they are.
public struct Snapshot: Sendable {
    /// Schema version.
    public var version = Snapshot.schemaVersion
    public static let schemaVersion = 1

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

        public init(kind: String, file: String? = nil, interface: String? = nil, mode: String, lostEvents: UInt64 = 0) {
            self.kind = kind
            self.file = file
            self.interface = interface
            self.mode = mode
            self.lostEvents = lostEvents
        }
    }

    public struct TotalsEntry: Sendable {
        public var packets: UInt64
        public var bytes: UInt64
        public var rocePackets: UInt64
        public var roceBytes: UInt64
        public var matched: UInt64
        public var malformed: UInt64
        public var icrcChecked: UInt64
        public var icrcErrors: UInt64
    }

    public struct QP: Sendable {
        public var src: String
        public var dst: String
        public var qpn: UInt32
        public var transport: String
        /// "rx", "tx", or absent when unknown.
        public var direction: String?
        public var packets: UInt64
        public var bytes: UInt64
        public var payloadBytes: UInt64
        public var icrcErrors: UInt64
        public var opcodes: OrderedCounts
    }

    public struct Opcode: Sendable {
        public var opcode: UInt8
        public var name: String
        public var transport: String
        public var packets: UInt64
        public var bytes: UInt64
    }

    public struct Malformed: Sendable {
        public var kind: String
        public var detail: String
        public var count: UInt64
        public var firstFrame: UInt64
    }

    public var source: Source
    /// Seconds between the first and the last packet (files) or of the interval (live).
    public var durationSeconds: Double
    /// The filter, as text; absent when none.
    public var filter: String?
    public var totals: TotalsEntry
    public var qps: [QP]
    public var opcodes: [Opcode]
    public var malformed: [Malformed]
}

/// A name -> count map, in a fixed order.
public struct OrderedCounts: Sendable {
    public var entries: [(String, UInt64)]

    public init(_ entries: [(String, UInt64)]) { self.entries = entries }

    var json: JSONValue { .object(entries.map { ($0.0, .uint($0.1)) }) }
}
