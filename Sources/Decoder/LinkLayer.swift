/// The link-layer framing of one packet: where the IP header starts and what came before it.
struct LinkLayer {
    /// Offset of the next header to decode.
    var offset: Int
    /// Offset of the IP header.
    let ipOffset: Int
    /// The EtherType (or cooked protocol) that announced the network layer; 0 for raw IP.
    let etherType: UInt16
    /// 4, 6, or 0 when the network layer is not IP.
    let networkVersion: UInt8
    var ethernet: EthernetHeader?
    var direction: PacketDirection = .unknown

    /// The most VLAN tags skipped before giving up on a frame.
    static let maxTags = 8

    init(_ b: UnsafeRawBufferPointer, linkType: LinkType) throws(DecodeError) {
        var o = 0
        var type: UInt16
        var tags: [VLANTag] = []
        var source = MACAddress(0), destination = MACAddress(0)
        switch linkType {
        case .ethernet:
            guard b.has(14, at: 0) else { throw .truncated(.ethernet) }
            destination = MACAddress(UInt64(b.load16(0)) << 32 | UInt64(b.load32(2)))
            source = MACAddress(UInt64(b.load16(6)) << 32 | UInt64(b.load32(8)))
            type = b.load16(12)
            o = 14
        case .linuxSLL:
            guard b.has(16, at: 0) else { throw .truncated(.linuxCooked) }
            direction = LinkLayer.direction(packetType: b.load16(0))
            type = b.load16(14)
            o = 16
        case .linuxSLL2:
            guard b.has(20, at: 0) else { throw .truncated(.linuxCooked) }
            direction = LinkLayer.direction(packetType: UInt16(b[10]))
            type = b.load16(0)
            o = 20
        case .rawIP:
            guard let first = b.u8(0) else { throw .truncated(.ipv4) }
            type = first >> 4 == 6 ? 0x86DD : first >> 4 == 4 ? 0x0800 : 0
            if type == 0 { throw .notRoCE(.notIP(etherType: 0)) }
        case .ipv4:
            type = 0x0800
        case .ipv6:
            type = 0x86DD
        }
        while type == 0x8100 || type == 0x88A8 || type == 0x9100 {
            guard tags.count < LinkLayer.maxTags else { throw .notRoCE(.notIP(etherType: type)) }
            guard b.has(4, at: o) else { throw .truncated(.vlan) }
            let tci = b.load16(o)
            tags.append(VLANTag(tpid: type, priority: UInt8(tci >> 13), dropEligible: tci & 0x1000 != 0,
                                vid: tci & 0xFFF))
            type = b.load16(o + 2)
            o += 4
        }
        offset = o
        ipOffset = o
        etherType = type
        networkVersion = type == 0x0800 ? 4 : type == 0x86DD ? 6 : 0
        if linkType == .ethernet {
            ethernet = EthernetHeader(destination: destination, source: source, outerTag: tags.first,
                                      innerTag: tags.count > 1 ? tags[1] : nil, etherType: type)
        }
    }

    /// Maps a Linux cooked header's packet type (PACKET_HOST ... PACKET_OUTGOING).
    static func direction(packetType: UInt16) -> PacketDirection {
        switch packetType {
        case 0, 1, 2, 3: .inbound
        case 4: .outbound
        default: .unknown
        }
    }
}
