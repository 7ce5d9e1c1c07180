/// Decodes RoCEv2 packets from borrowed bytes.
///
/// The decoder never copies the packet and never traps: every byte sequence yields either
/// a ``RoCEPacket`` or a ``DecodeError``. The walk over the extended headers is driven by
/// ``OpcodeTable``.
public struct PacketDecoder: Sendable {
    /// The IANA RoCEv2 port.
    public static let roceV2Port: UInt16 = 4791

    /// The UDP destination port that marks RoCEv2 traffic.
    public var udpPort: UInt16
    /// Whether to verify the ICRC of packets captured in full.
    public var checksICRC: Bool

    public init(udpPort: UInt16 = PacketDecoder.roceV2Port, checksICRC: Bool = true) {
        self.udpPort = udpPort
        self.checksICRC = checksICRC
    }

    /// Decodes one packet.
    ///
    /// - Parameters:
    ///   - bytes: the captured bytes, starting with the framing `linkType` names.
    ///   - linkType: the framing of `bytes`.
    ///   - originalLength: the packet's length on the wire, when a snap length cut the
    ///     capture short; defaults to `bytes.count`.
    public func decode(_ bytes: UnsafeRawBufferPointer, linkType: LinkType,
                       originalLength: Int? = nil) throws(DecodeError) -> RoCEPacket {
        let wireLength = max(originalLength ?? bytes.count, bytes.count)
        var link = try LinkLayer(bytes, linkType: linkType)
        let ipStart = link.offset
        let ip: IPHeader
        let fragmented: Bool
        switch link.networkVersion {
        case 4: (ip, fragmented) = try decodeIPv4(bytes, at: ipStart, frameLength: wireLength)
        case 6: (ip, fragmented) = try decodeIPv6(bytes, at: ipStart, frameLength: wireLength)
        default: throw .notRoCE(.notIP(etherType: link.etherType))
        }
        let udp = try decodeUDP(bytes, at: ipStart + ip.headerLength, ip: ip, fragmented: fragmented)
        link.offset = ipStart + ip.headerLength + UDPHeader.size
        return try decodeTransport(bytes, link: link, ip: ip, udp: udp, wireLength: wireLength)
    }

    // MARK: - Network layer

    private func decodeIPv4(_ b: UnsafeRawBufferPointer, at o: Int,
                            frameLength: Int) throws(DecodeError) -> (IPHeader, Bool) {
        guard let first = b.u8(o) else { throw .truncated(.ipv4) }
        guard first >> 4 == 4 else { throw .inconsistentLength(.ipv4, .ipVersion(first >> 4)) }
        let ihl = Int(first & 0xF) * 4
        guard ihl >= 20 else { throw .inconsistentLength(.ipv4, .ipv4HeaderLength(ihl)) }
        guard b.has(ihl, at: o) else { throw .truncated(.ipv4) }
        let total = Int(b.load16(o + 2))
        guard total >= ihl, total <= frameLength - o else { throw .inconsistentLength(.ipv4, .ipTotalLength(total)) }
        let fragment = b.load16(o + 6)
        guard fragment & 0x1FFF == 0 else { throw .notRoCE(.laterFragment) }
        let proto = b[o + 9]
        guard proto == 17 else { throw .notRoCE(.notUDP(protocol: proto)) }
        let header = IPHeader(
            version: 4, source: IPAddress(ipv4: b.load32(o + 12)), destination: IPAddress(ipv4: b.load32(o + 16)),
            dscp: b[o + 1] >> 2, ecn: ECN(rawValue: b[o + 1] & 3)!, ttl: b[o + 8], headerLength: ihl,
            totalLength: total, identification: b.load16(o + 4), dontFragment: fragment & 0x4000 != 0,
            checksum: b.load16(o + 10))
        return (header, fragment & 0x2000 != 0)
    }

    private func decodeIPv6(_ b: UnsafeRawBufferPointer, at o: Int,
                            frameLength: Int) throws(DecodeError) -> (IPHeader, Bool) {
        guard b.has(40, at: o) else { throw .truncated(.ipv6) }
        let word = b.load32(o)
        guard word >> 28 == 6 else { throw .inconsistentLength(.ipv6, .ipVersion(UInt8(word >> 28))) }
        let total = 40 + Int(b.load16(o + 4))
        guard total <= frameLength - o else { throw .inconsistentLength(.ipv6, .ipTotalLength(total)) }
        var next = b[o + 6]
        var headerLength = 40
        var fragmented = false
        // Hop-by-hop, routing, fragment and destination options headers, a bounded number.
        for _ in 0..<8 {
            let x = o + headerLength
            switch next {
            case 0, 43, 60:
                guard let n = b.u8(x), let len8 = b.u8(x + 1) else { throw .truncated(.ipv6Extension) }
                let len = (Int(len8) + 1) * 8
                guard b.has(len, at: x) else { throw .truncated(.ipv6Extension) }
                next = n
                headerLength += len
            case 44:
                guard b.has(8, at: x) else { throw .truncated(.ipv6Extension) }
                let field = b.load16(x + 2)
                guard field & 0xFFF8 == 0 else { throw .notRoCE(.laterFragment) }
                fragmented = field & 1 != 0
                next = b[x]
                headerLength += 8
            default:
                break
            }
        }
        guard next == 17 else { throw .notRoCE(.notUDP(protocol: next)) }
        guard headerLength <= total else { throw .inconsistentLength(.ipv6, .ipTotalLength(total)) }
        let words = (b.load64(o + 8), b.load64(o + 16), b.load64(o + 24), b.load64(o + 32))
        let header = IPHeader(
            version: 6, source: IPAddress(ipv6High: words.0, low: words.1),
            destination: IPAddress(ipv6High: words.2, low: words.3),
            dscp: UInt8(word >> 22 & 0x3F), ecn: ECN(rawValue: UInt8(word >> 20 & 3))!, ttl: b[o + 7],
            headerLength: headerLength, totalLength: total, dontFragment: !fragmented,
            flowLabel: word & 0xF_FFFF)
        return (header, fragmented)
    }

    // MARK: - UDP

    private func decodeUDP(_ b: UnsafeRawBufferPointer, at o: Int, ip: IPHeader,
                           fragmented: Bool) throws(DecodeError) -> UDPHeader {
        let layer: Layer = .udp
        guard let destination = b.be16(o + 2) else { throw .truncated(layer) }
        guard destination == udpPort else { throw .notRoCE(.otherPort(destination)) }
        guard !fragmented else { throw .fragmented }
        guard b.has(UDPHeader.size, at: o) else { throw .truncated(layer) }
        let length = Int(b.load16(o + 4))
        guard length >= UDPHeader.size, length <= ip.totalLength - ip.headerLength else {
            throw .inconsistentLength(layer, .udpLength(length))
        }
        return UDPHeader(sourcePort: b.load16(o), destinationPort: destination, length: length,
                         checksum: b.load16(o + 6))
    }

    // MARK: - Transport: BTH, extended headers, payload, ICRC

    private func decodeTransport(_ b: UnsafeRawBufferPointer, link: LinkLayer, ip: IPHeader, udp: UDPHeader,
                                 wireLength: Int) throws(DecodeError) -> RoCEPacket {
        let bthOffset = link.offset
        let available = udp.length - UDPHeader.size
        guard available >= BTH.size + ICRC.size else {
            throw .inconsistentLength(.bth, .headersExceedDatagram(needed: BTH.size + ICRC.size, available: available))
        }
        guard b.has(BTH.size, at: bthOffset) else { throw .truncated(.bth) }
        let bth = BTH(unchecked: b, at: bthOffset)
        let info = OpcodeTable[bth.opcode]
        let needed = BTH.size + info.headersLength + ICRC.size
        guard available >= needed else {
            throw .inconsistentLength(info.headers.first.map(Layer.header) ?? .bth,
                                      .headersExceedDatagram(needed: needed, available: available))
        }
        var packet = RoCEPacket(
            ethernet: link.ethernet, linkDirection: link.direction, ip: ip, udp: udp, bth: bth,
            ipOffset: link.ipOffset, bthOffset: bthOffset, payloadOffset: 0, payloadLength: 0,
            capturedPayloadLength: 0, icrc: nil, icrcStatus: .notChecked, wireLength: wireLength)
        var o = bthOffset + BTH.size
        for header in info.headers {
            guard b.has(header.size, at: o) else { throw .truncated(.header(header)) }
            switch header {
            case .rdeth: packet.rdeth = RDETH(eeContext: b.load24(o + 1))
            case .deth: packet.deth = DETH(qKey: b.load32(o), srcQP: b.load24(o + 5))
            case .xrceth: packet.xrceth = XRCETH(srqNumber: b.load24(o + 1))
            case .reth:
                packet.reth = RETH(virtualAddress: b.load64(o), rKey: b.load32(o + 8), dmaLength: b.load32(o + 12))
            case .atomicETH:
                packet.atomicETH = AtomicETH(virtualAddress: b.load64(o), rKey: b.load32(o + 8),
                                             swapOrAdd: b.load64(o + 12), compare: b.load64(o + 20))
            case .aeth: packet.aeth = AETH(syndromeByte: b[o], msn: b.load24(o + 1))
            case .atomicAckETH: packet.atomicAckETH = AtomicAckETH(originalRemoteData: b.load64(o))
            case .immDt: packet.immediate = b.load32(o)
            case .ieth: packet.invalidateRKey = b.load32(o)
            case .feth: packet.feth = FETH(word: b.load32(o))
            case .cnpReserved: break
            }
            o += header.size
        }
        let padded = available - needed
        let pad = Int(bth.padCount)
        guard pad <= padded else { throw .inconsistentLength(.payload, .padExceedsPayload(pad: pad, payload: padded)) }
        let datagramEnd = bthOffset - UDPHeader.size + udp.length
        packet.payloadOffset = o
        packet.payloadLength = padded - pad
        packet.capturedPayloadLength = max(0, min(packet.payloadLength, b.count - o))
        let icrcOffset = datagramEnd - ICRC.size
        guard let stored = b.le32(icrcOffset) else {
            packet.icrcStatus = .notCaptured
            return packet
        }
        packet.icrc = stored
        if checksICRC {
            let datagram = UnsafeRawBufferPointer(rebasing: b[link.ipOffset..<datagramEnd])
            if let computed = ICRC.compute(datagram: datagram, ipHeaderLength: ip.headerLength, ipVersion: ip.version) {
                packet.icrcStatus = computed == stored ? .valid : .invalid(stored: stored, computed: computed)
            }
        }
        return packet
    }
}
