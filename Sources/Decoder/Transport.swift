/// The transport service of a BTH opcode: its top three bits (IBTA vol. 1, 9.2).
public enum Transport: UInt8, Sendable, CaseIterable, Comparable {
    /// Reliable Connection (prefix 0x00).
    case rc = 0
    /// Unreliable Connection (prefix 0x20).
    case uc = 1
    /// Reliable Datagram (prefix 0x40).
    case rd = 2
    /// Unreliable Datagram (prefix 0x60).
    case ud = 3
    /// Congestion Notification Packets (prefix 0x80).
    case cnp = 4
    /// Extended Reliable Connection (prefix 0xA0).
    case xrc = 5
    /// Reserved prefix 0xC0.
    case reserved = 6
    /// Manufacturer-specific prefix 0xE0.
    case vendor = 7

    /// The transport of an opcode.
    @inlinable
    public init(opcode: UInt8) {
        self = Transport(rawValue: opcode >> 5)!
    }

    /// The prefix bits this transport contributes to an opcode.
    public var prefix: UInt8 { rawValue << 5 }

    /// The short upper-case name used in opcode names and views ("RC", "UD", ...).
    public var name: String {
        switch self {
        case .rc: "RC"
        case .uc: "UC"
        case .rd: "RD"
        case .ud: "UD"
        case .cnp: "CNP"
        case .xrc: "XRC"
        case .reserved: "RESERVED"
        case .vendor: "VENDOR"
        }
    }

    public static func < (a: Transport, b: Transport) -> Bool { a.rawValue < b.rawValue }
}
