import RoCE

/// Packets for tests, built by the encoder and decoded as a capture would deliver them: the
/// one builder the unit tests of the engine and of the view share.
public enum TestPackets {
    /// The requester and responder hosts of the tests' flows.
    public static let hostA = IPAddress("10.0.0.1")!
    public static let hostB = IPAddress("10.0.0.2")!

    /// A RoCEv2 packet over Ethernet and IPv4 from `source` to `destination`'s QP `qpn`, and
    /// its bytes. `sourcePort` defaults to the encoder's.
    public static func build(_ opcode: UInt8, from source: IPAddress = hostA, to destination: IPAddress = hostB,
                             qpn: UInt32 = 0x12, psn: UInt32, payload: [UInt8] = [], ackRequest: Bool = false,
                             syndrome: AETHSyndrome? = nil, reth: RETH? = nil, ecn: ECN = .notECT, becn: Bool = false,
                             sourcePort: UInt16? = nil) -> (packet: RoCEPacket, bytes: [UInt8]) {
        var spec = PacketSpec(ethernet: EthernetHeader(destination: MACAddress(2), source: MACAddress(1), etherType: 0),
                              source: source, destination: destination,
                              bth: BTH(opcode: opcode, becn: becn, destQP: qpn, ackRequest: ackRequest, psn: psn & 0xFF_FFFF))
        if let sourcePort { spec.sourcePort = sourcePort }
        spec.ecn = ecn
        spec.payload = payload
        if let syndrome { spec.aeth = AETH(syndrome, msn: 1) }
        spec.reth = reth
        let bytes = PacketEncoder.encode(spec)
        return (try! bytes.withUnsafeBytes { try PacketDecoder().decode($0, linkType: .ethernet) }, bytes)
    }
}
