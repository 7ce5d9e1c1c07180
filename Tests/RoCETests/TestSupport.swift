import RoCE

/// Bytes from a hex string with optional whitespace ("e41d 2dab ...").
func hexBytes(_ text: String) -> [UInt8] {
    let digits = text.filter { !$0.isWhitespace }
    var out: [UInt8] = []
    var i = digits.startIndex
    while i < digits.endIndex {
        let j = digits.index(i, offsetBy: 2)
        out.append(UInt8(digits[i..<j], radix: 16)!)
        i = j
    }
    return out
}

/// Decodes a byte array with a default decoder.
func decode(_ bytes: [UInt8], linkType: LinkType = .ethernet, originalLength: Int? = nil,
            decoder: PacketDecoder = PacketDecoder()) -> Result<RoCEPacket, DecodeError> {
    bytes.withUnsafeBytes { raw in
        Result { () throws(DecodeError) -> RoCEPacket in
            try decoder.decode(raw, linkType: linkType, originalLength: originalLength)
        }
    }
}

extension Result {
    var value: Success? { if case .success(let v) = self { v } else { nil } }
    var error: Failure? { if case .failure(let e) = self { e } else { nil } }
}

/// A deterministic pseudo-random generator (SplitMix64) so failures reproduce.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

let macA = MACAddress(0x02_00_00_00_00_0A)
let macB = MACAddress(0x02_00_00_00_00_0B)
let ip4A = IPAddress("10.0.0.1")!
let ip4B = IPAddress("10.0.0.2")!
let ip6A = IPAddress("fd00::1")!
let ip6B = IPAddress("fd00::2")!

/// A spec for `opcode` with every extended header filled with distinctive values.
func fullSpec(opcode: UInt8, ipv6: Bool = false, ethernet: EthernetHeader? = EthernetHeader(
    destination: macB, source: macA, etherType: 0x0800), payload: [UInt8] = Array(0..<13)) -> PacketSpec {
    var spec = PacketSpec(ethernet: ethernet, source: ipv6 ? ip6A : ip4A, destination: ipv6 ? ip6B : ip4B,
                          bth: BTH(opcode: opcode, solicitedEvent: true, partitionKey: 0xFFFF, fecn: true,
                                   destQP: 0x12_3456, ackRequest: true, psn: 0xAB_CDEF))
    spec.dscp = 26
    spec.ecn = .ect0
    spec.sourcePort = 50123
    spec.flowLabel = 0x1_2345
    spec.rdeth = RDETH(eeContext: 0x00_0102)
    spec.deth = DETH(qKey: 0x8001_0000, srcQP: 0x00_0ABC)
    spec.xrceth = XRCETH(srqNumber: 0x00_0777)
    spec.reth = RETH(virtualAddress: 0x0000_5605_0BA6_6D80, rKey: 0x1234_5678, dmaLength: 65536)
    spec.atomicETH = AtomicETH(virtualAddress: 0x7F00_0000_1000, rKey: 0xCAFE, swapOrAdd: 1, compare: 0xFFFF_FFFF_0000_0001)
    spec.aeth = AETH(syndromeByte: 0x1F, msn: 0x00_0042)
    spec.atomicAckETH = AtomicAckETH(originalRemoteData: 0x0102_0304_0506_0708)
    spec.immediate = 0xDEAD_BEEF
    spec.invalidateRKey = 0x0BAD_F00D
    spec.feth = FETH(selectivityLevel: 1, placementType: 2)
    spec.payload = OpcodeTable[opcode].classes.contains(.payload) ? payload : []
    return spec
}
