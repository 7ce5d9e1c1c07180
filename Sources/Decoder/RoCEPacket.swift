/// Result of the ICRC check of one packet.
public enum ICRCStatus: Sendable, Hashable {
    /// The stored ICRC equals the computed one.
    case valid
    /// The stored ICRC differs; `computed` is what it should have been.
    case invalid(stored: UInt32, computed: UInt32)
    /// The packet was not captured in full (snap length), so the ICRC cannot be checked.
    case notCaptured
    /// Checking was switched off.
    case notChecked
}

/// A decoded RoCEv2 packet.
///
/// Holds the header values and the offsets of the payload in the buffer the packet was
/// decoded from; it does not copy or retain that buffer.
public struct RoCEPacket: Sendable {
    /// The Ethernet header, for Ethernet framing.
    public var ethernet: EthernetHeader?
    /// Direction recorded by a Linux cooked header (`tcpdump -i any`), else `.unknown`.
    public var linkDirection: PacketDirection = .unknown
    public var ip: IPHeader
    public var udp: UDPHeader
    public var bth: BTH

    public var rdeth: RDETH?
    public var deth: DETH?
    public var xrceth: XRCETH?
    public var reth: RETH?
    public var atomicETH: AtomicETH?
    public var aeth: AETH?
    public var atomicAckETH: AtomicAckETH?
    /// Immediate data.
    public var immediate: UInt32?
    /// IETH: the R_Key to invalidate.
    public var invalidateRKey: UInt32?
    public var feth: FETH?

    /// Offset of the IP header in the buffer.
    public var ipOffset: Int
    /// Offset of the BTH in the buffer.
    public var bthOffset: Int
    /// Offset of the payload in the buffer.
    public var payloadOffset: Int
    /// Payload length on the wire, pad excluded.
    public var payloadLength: Int
    /// How much of the payload is in the buffer (less than `payloadLength` under a snap length).
    public var capturedPayloadLength: Int
    /// The ICRC as stored in the packet (its little-endian value), when captured.
    public var icrc: UInt32?
    public var icrcStatus: ICRCStatus
    /// Length of the frame on the wire (the capture's original length).
    public var wireLength: Int

    /// The opcode table entry of this packet's opcode.
    @inlinable
    public var opcodeInfo: OpcodeInfo { OpcodeTable[bth.opcode] }

    /// The decoded AETH syndrome, when the packet has an AETH.
    public var syndrome: AETHSyndrome? { aeth?.syndrome }

    /// Whether the IP header carries ECN Congestion Experienced.
    public var isCongestionExperienced: Bool { ip.ecn == .ce }

    /// The RoCE datagram length: UDP length (which counts BTH through ICRC) plus the IP header.
    public var datagramLength: Int { ip.totalLength }
}

extension RoCEPacket {
    /// The captured payload bytes within `bytes`, the buffer the packet was decoded from.
    public func capturedPayload(in bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        let start = min(max(0, payloadOffset), bytes.count)
        let end = min(start + max(0, capturedPayloadLength), bytes.count)
        return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }
}
