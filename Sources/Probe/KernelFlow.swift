import CProbe
import RoCE

/// One flow as the kernel's flow map counts it: every packet the programs saw, whether or
/// not its event reached user space.
public struct KernelFlow: Sendable, Equatable {
    public var source: IPAddress
    public var destination: IPAddress
    /// Destination QPN (BTH).
    public var qpn: UInt32
    public var direction: PacketDirection
    public var packets: UInt64 = 0
    public var bytes: UInt64 = 0
    public var payloadBytes: UInt64 = 0
    /// Packets per opcode class (`enum rdmatop_opclass`: send, write, read request, read
    /// response, atomic, acknowledge, CNP, other).
    public var classes: [UInt64] = []
    public var acks: UInt64 = 0
    /// NAKs by code name (`NAKCode.name`; codes beyond the IBTA's as "reserved").
    public var naks: [String: UInt64] = [:]
    public var rnrNaks: UInt64 = 0
    public var cnps: UInt64 = 0
    public var ecnCE: UInt64 = 0
    public var fecn: UInt64 = 0
    public var becn: UInt64 = 0
    /// The opcode of the first packet (its transport is the flow's).
    public var firstOpcode: UInt8 = 0
    /// Wall-clock nanoseconds of the first and last packet.
    public var firstSeen: Int64 = 0
    public var lastSeen: Int64 = 0

    /// Names of the opcode classes, in `classes` order.
    public static let classNames = ["send", "write", "read_request", "read_response", "atomic",
                                    "acknowledge", "cnp", "other"]

    init(key k: rdmatop_flow_key, flow f: rdmatop_flow, clockOffset: Int64) {
        source = KernelFlow.address(k.src, ipv6: k.ipv6 != 0)
        destination = KernelFlow.address(k.dst, ipv6: k.ipv6 != 0)
        qpn = k.qpn
        direction = UInt32(k.direction) == RDMATOP_DIR_TX.rawValue ? .outbound : .inbound
        packets = f.packets
        bytes = f.bytes
        payloadBytes = f.payload_bytes
        classes = withUnsafeBytes(of: f.classes) { Array($0.bindMemory(to: UInt64.self)) }
        acks = f.acks
        withUnsafeBytes(of: f.naks) { raw in
            for (code, n) in raw.bindMemory(to: UInt64.self).enumerated() where n > 0 {
                naks[NAKCode(rawValue: UInt8(code)).name] = n
            }
        }
        if f.naks_reserved > 0 { naks["reserved"] = f.naks_reserved }
        rnrNaks = f.rnr_naks
        cnps = f.cnps
        ecnCE = f.ecn_ce
        fecn = f.fecn
        becn = f.becn
        firstOpcode = UInt8(truncatingIfNeeded: f.first_opcode)
        firstSeen = Int64(truncatingIfNeeded: f.first_ns) &+ clockOffset
        lastSeen = Int64(truncatingIfNeeded: f.last_ns) &+ clockOffset
    }

    /// An address of the key (an IPv4 address in its last four bytes).
    static func address(_ bytes: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                                  UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8), ipv6: Bool) -> IPAddress {
        withUnsafeBytes(of: bytes) { raw in
            var high: UInt64 = 0, low: UInt64 = 0
            for i in 0..<8 { high = high << 8 | UInt64(raw[i]) }
            for i in 8..<16 { low = low << 8 | UInt64(raw[i]) }
            return ipv6 ? IPAddress(ipv6High: high, low: low) : IPAddress(ipv4: UInt32(truncatingIfNeeded: low))
        }
    }
}

/// The kernel's flow map, read at once.
public struct KernelFlows: Sendable {
    public var flows: [KernelFlow]
    /// Entries the map's LRU dropped to make room (created minus present, counted in the kernel).
    public var evicted: UInt64
}
