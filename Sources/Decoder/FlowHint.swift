extension PacketDecoder {
    /// The flow of a packet that failed to decode, when its addresses and its BTH's
    /// destination QPN can still be read: so malformed packets count against their QP.
    public func flowHint(_ bytes: UnsafeRawBufferPointer, linkType: LinkType)
        -> (source: IPAddress, destination: IPAddress, qpn: UInt32)? {
        guard let link = try? LinkLayer(bytes, linkType: linkType) else { return nil }
        let o = link.ipOffset
        let source: IPAddress, destination: IPAddress
        let udp: Int
        switch link.networkVersion {
        case 4:
            guard let first = bytes.u8(o), bytes.has(20, at: o), bytes[o + 9] == 17 else { return nil }
            source = IPAddress(ipv4: bytes.load32(o + 12))
            destination = IPAddress(ipv4: bytes.load32(o + 16))
            udp = o + Int(first & 0xF) * 4
        case 6:
            guard bytes.has(40, at: o), bytes[o + 6] == 17 else { return nil }
            source = IPAddress(ipv6High: bytes.load64(o + 8), low: bytes.load64(o + 16))
            destination = IPAddress(ipv6High: bytes.load64(o + 24), low: bytes.load64(o + 32))
            udp = o + 40
        default:
            return nil
        }
        guard bytes.be16(udp + 2) == udpPort, let qpn = bytes.be24(udp + UDPHeader.size + 5) else { return nil }
        return (source, destination, qpn)
    }
}
