/// A RoCEv2 packet to build: every header field the decoder reports.
///
/// The extended headers are written in the order the opcode table gives for `bth.opcode`;
/// a header the opcode needs but the spec leaves nil is written as zeros, and headers the
/// opcode does not carry are ignored.
public struct PacketSpec: Sendable {
    /// The Ethernet header; nil builds a raw IP packet (what RDMA mode hands to XDP).
    public var ethernet: EthernetHeader?
    public var source: IPAddress
    public var destination: IPAddress
    public var dscp: UInt8 = 0
    public var ecn: ECN = .notECT
    public var ttl: UInt8 = 64
    public var identification: UInt16 = 0
    public var flowLabel: UInt32 = 0
    public var sourcePort: UInt16 = 49152
    public var destinationPort: UInt16 = PacketDecoder.roceV2Port
    /// The BTH; its pad count is replaced by the one the payload needs unless `padCount` is set.
    public var bth: BTH
    /// Overrides the pad count derived from the payload length.
    public var padCount: UInt8?
    public var rdeth: RDETH?
    public var deth: DETH?
    public var xrceth: XRCETH?
    public var reth: RETH?
    public var atomicETH: AtomicETH?
    public var aeth: AETH?
    public var atomicAckETH: AtomicAckETH?
    public var immediate: UInt32?
    public var invalidateRKey: UInt32?
    public var feth: FETH?
    public var payload: [UInt8] = []
    /// The ICRC to store instead of the computed one (to build corrupt packets).
    public var icrcOverride: UInt32?

    public init(ethernet: EthernetHeader? = nil, source: IPAddress, destination: IPAddress, bth: BTH) {
        self.ethernet = ethernet
        self.source = source
        self.destination = destination
        self.bth = bth
    }
}

/// Builds RoCEv2 packets (with a correct ICRC and IPv4 header checksum) from a ``PacketSpec``.
public enum PacketEncoder {
    /// The bytes of the packet, starting with the Ethernet header (or the IP header when
    /// `spec.ethernet` is nil).
    public static func encode(_ spec: PacketSpec) -> [UInt8] {
        let info = OpcodeTable[spec.bth.opcode]
        let pad = spec.padCount.map(Int.init) ?? (4 - spec.payload.count % 4) % 4
        var bth = spec.bth
        bth.padCount = UInt8(pad & 3)
        let udpLength = UDPHeader.size + BTH.size + info.headersLength + spec.payload.count + pad + ICRC.size
        let isIPv4 = spec.source.isIPv4
        let ipHeaderLength = isIPv4 ? 20 : 40

        var out: [UInt8] = []
        out.reserveCapacity(22 + ipHeaderLength + udpLength)
        if let eth = spec.ethernet {
            out += eth.destination.bytes
            out += eth.source.bytes
            for tag in [eth.outerTag, eth.innerTag].compactMap({ $0 }) {
                out.appendBE16(tag.tpid)
                out.appendBE16(tag.tci)
            }
            out.appendBE16(isIPv4 ? 0x0800 : 0x86DD)
        }
        let ipStart = out.count
        if isIPv4 {
            out.append(0x45)
            out.append(spec.dscp << 2 | spec.ecn.rawValue)
            out.appendBE16(UInt16(truncatingIfNeeded: 20 + udpLength))
            out.appendBE16(spec.identification)
            out.appendBE16(0x4000)  // don't fragment
            out.append(spec.ttl)
            out.append(17)
            out.appendBE16(0)
            out += spec.source.bytes
            out += spec.destination.bytes
            out.setBE16(ipv4Checksum(out[ipStart...]), at: ipStart + 10)
        } else {
            let tc = UInt32(spec.dscp << 2 | spec.ecn.rawValue)
            out.appendBE32(6 << 28 | tc << 20 | spec.flowLabel & 0xF_FFFF)
            out.appendBE16(UInt16(truncatingIfNeeded: udpLength))
            out.append(17)
            out.append(spec.ttl)
            out += spec.source.bytes
            out += spec.destination.bytes
        }
        out.appendBE16(spec.sourcePort)
        out.appendBE16(spec.destinationPort)
        out.appendBE16(UInt16(truncatingIfNeeded: udpLength))
        out.appendBE16(0)
        bth.write(to: &out)
        for header in info.headers {
            write(header, of: spec, to: &out)
        }
        out += spec.payload
        out += repeatElement(0, count: pad)
        out += [0, 0, 0, 0]
        let icrc = spec.icrcOverride ?? out.withUnsafeBytes { raw in
            ICRC.compute(datagram: UnsafeRawBufferPointer(rebasing: raw[ipStart...]),
                         ipHeaderLength: ipHeaderLength, ipVersion: isIPv4 ? 4 : 6) ?? 0
        }
        let end = out.count
        for i in 0..<4 { out[end - 4 + i] = UInt8(truncatingIfNeeded: icrc >> (8 * i)) }
        return out
    }

    private static func write(_ header: ExtendedHeader, of spec: PacketSpec, to out: inout [UInt8]) {
        switch header {
        case .rdeth:
            out.append(0)
            out.appendBE24(spec.rdeth?.eeContext ?? 0)
        case .deth:
            out.appendBE32(spec.deth?.qKey ?? 0)
            out.append(0)
            out.appendBE24(spec.deth?.srcQP ?? 0)
        case .xrceth:
            out.append(0)
            out.appendBE24(spec.xrceth?.srqNumber ?? 0)
        case .reth:
            out.appendBE64(spec.reth?.virtualAddress ?? 0)
            out.appendBE32(spec.reth?.rKey ?? 0)
            out.appendBE32(spec.reth?.dmaLength ?? 0)
        case .atomicETH:
            out.appendBE64(spec.atomicETH?.virtualAddress ?? 0)
            out.appendBE32(spec.atomicETH?.rKey ?? 0)
            out.appendBE64(spec.atomicETH?.swapOrAdd ?? 0)
            out.appendBE64(spec.atomicETH?.compare ?? 0)
        case .aeth:
            out.append(spec.aeth?.syndromeByte ?? 0)
            out.appendBE24(spec.aeth?.msn ?? 0)
        case .atomicAckETH:
            out.appendBE64(spec.atomicAckETH?.originalRemoteData ?? 0)
        case .immDt:
            out.appendBE32(spec.immediate ?? 0)
        case .ieth:
            out.appendBE32(spec.invalidateRKey ?? 0)
        case .feth:
            out.appendBE32(spec.feth?.word ?? 0)
        case .cnpReserved:
            out += repeatElement(0, count: header.size)
        }
    }

    /// The one's-complement IPv4 header checksum of `header` (with its checksum field zero).
    static func ipv4Checksum(_ header: ArraySlice<UInt8>) -> UInt16 {
        var sum: UInt32 = 0
        var i = header.startIndex
        while i + 1 < header.endIndex {
            sum += UInt32(header[i]) << 8 | UInt32(header[i + 1])
            i += 2
        }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }
}
