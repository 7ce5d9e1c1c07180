import Report
import RoCE

/// One row of the opcode table: an opcode's totals over every flow.
public struct OpcodeRow: Sendable, Equatable {
    public var opcode: UInt8
    public var packets: UInt64
    public var bytes: UInt64
    /// Packets per second over the last interval.
    public var rate: Double
    /// Bytes per second, estimated from the packet rate and the mean packet size.
    public var byteRate: Double { packets == 0 ? 0 : rate * Double(bytes) / Double(packets) }
}

/// The columns of the opcode table, in display order.
public enum OpcodeColumn: Int, CaseIterable, Sendable {
    case opcode, name, packetRate, byteRate, packets, bytes, share

    public var title: String {
        switch self {
        case .opcode: "OPCODE"
        case .name: "NAME"
        case .packetRate: "PKT/S"
        case .byteRate: "BYTES/S"
        case .packets: "PACKETS"
        case .bytes: "BYTES"
        case .share: "SHARE"
        }
    }

    public var alignsRight: Bool { self != .name }

    /// Width; the name takes what is left, at least this.
    public var width: Int {
        switch self {
        case .opcode: 7
        case .name: 20
        case .packetRate: 7
        case .byteRate: 9
        case .packets: 9
        case .bytes: 9
        case .share: 6
        }
    }

    public var priority: Int {
        switch self {
        case .opcode: 0
        case .name: 1
        case .packetRate: 2
        case .packets: 3
        case .byteRate: 4
        case .share: 5
        case .bytes: 6
        }
    }

    public var isSortable: Bool { true }
    public var descendingByDefault: Bool { self != .opcode && self != .name }

    func sortValue(_ r: OpcodeRow) -> Double {
        switch self {
        case .opcode, .name: Double(r.opcode)
        case .packetRate: r.rate
        case .byteRate: r.byteRate
        case .packets, .share: Double(r.packets)
        case .bytes: Double(r.bytes)
        }
    }

    /// The cell's text; `total` is the packets of every row, for the share.
    public func cell(_ r: OpcodeRow, total: UInt64) -> String {
        switch self {
        case .opcode: Units.hex(r.opcode, width: 2)
        case .name: OpcodeTable[r.opcode].name
        case .packetRate: Format.rate(r.rate)
        case .byteRate: Format.bytes(r.byteRate)
        case .packets: Format.count(r.packets)
        case .bytes: Format.bytes(Double(r.bytes))
        case .share: total == 0 ? "-" : Units.fixed(Double(r.packets) * 100 / Double(total), digits: 1) + "%"
        }
    }
}

