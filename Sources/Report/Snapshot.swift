import RoCE
import Stats

/// The snapshot printed by `--once --json`: a documented, versioned schema
/// (docs/json-schema.md). Keys are only ever added; `version` grows when they are.
public struct Snapshot: Encodable, Sendable {
    /// Schema version.
    public var version = Snapshot.schemaVersion
    public static let schemaVersion = 1

    /// Where the packets came from.
    public struct Source: Encodable, Sendable {
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

        enum CodingKeys: String, CodingKey {
            case kind, file, interface, mode
            case lostEvents = "lost_events"
        }
    }

    public struct TotalsEntry: Encodable, Sendable {
        public var packets: UInt64
        public var bytes: UInt64
        public var rocePackets: UInt64
        public var roceBytes: UInt64
        public var matched: UInt64
        public var malformed: UInt64
        public var icrcChecked: UInt64
        public var icrcErrors: UInt64

        enum CodingKeys: String, CodingKey {
            case packets, bytes, matched, malformed
            case rocePackets = "roce_packets"
            case roceBytes = "roce_bytes"
            case icrcChecked = "icrc_checked"
            case icrcErrors = "icrc_errors"
        }
    }

    public struct QP: Encodable, Sendable {
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

        enum CodingKeys: String, CodingKey {
            case src, dst, qpn, transport, direction, packets, bytes, opcodes
            case payloadBytes = "payload_bytes"
            case icrcErrors = "icrc_errors"
        }
    }

    public struct Opcode: Encodable, Sendable {
        public var opcode: UInt8
        public var name: String
        public var transport: String
        public var packets: UInt64
        public var bytes: UInt64
    }

    public struct Malformed: Encodable, Sendable {
        public var kind: String
        public var detail: String
        public var count: UInt64
        public var firstFrame: UInt64

        enum CodingKeys: String, CodingKey {
            case kind, detail, count
            case firstFrame = "first_frame"
        }
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

    enum CodingKeys: String, CodingKey {
        case version, source, filter, totals, qps, opcodes, malformed
        case durationSeconds = "duration_s"
    }
}

/// A name -> count map that encodes as a JSON object in a fixed order.
public struct OrderedCounts: Encodable, Sendable {
    public var entries: [(String, UInt64)]

    public init(_ entries: [(String, UInt64)]) { self.entries = entries }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for (name, count) in entries {
            try container.encode(count, forKey: Key(stringValue: name))
        }
    }
}
