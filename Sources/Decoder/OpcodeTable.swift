/// Everything rdmatop knows about one BTH opcode.
public struct OpcodeInfo: Sendable {
    /// The opcode byte.
    public let opcode: UInt8
    /// The upper-case name, transport first, as in Linux's `IB_OPCODE_*` without the prefix
    /// ("RC_RDMA_WRITE_FIRST", "UD_SEND_ONLY", "CNP", "VENDOR_0xE5").
    public let name: String
    /// The transport service (the opcode's top three bits).
    public let transport: Transport
    /// The extended headers that follow the BTH, in wire order.
    public let headers: [ExtendedHeader]
    /// Total size of `headers` in bytes: the payload starts this far after the BTH.
    public let headersLength: Int
    /// Classification flags.
    public let classes: OpcodeClass

    /// Whether the IBTA (or the RoCEv2 annex, for the CNP) defines this opcode.
    public var isDefined: Bool { !classes.contains(.undefined) }

    /// Offset of `header` from the end of the BTH, or nil when the opcode does not carry it.
    public func offset(of header: ExtendedHeader) -> Int? {
        var offset = 0
        for h in headers {
            if h == header { return offset }
            offset += h.size
        }
        return nil
    }
}

/// The IBTA opcode table: the single source of truth for opcode names, transports, extended
/// headers and classes. The decoder, the encoder, the statistics, the views, the filters and
/// the tests all read it.
public enum OpcodeTable {
    /// One entry per opcode byte, indexed by the opcode.
    public static let entries: [OpcodeInfo] = build()

    /// The entry for `opcode`.
    @inlinable
    public static subscript(opcode: UInt8) -> OpcodeInfo { entries[Int(opcode)] }

    /// The opcode of the RoCEv2 Congestion Notification Packet.
    public static let cnp: UInt8 = 0x81

    /// The entry whose name is `name` (case-insensitive), if any.
    public static func opcode(named name: String) -> UInt8? {
        byName[name.uppercased()]
    }

    private static let byName: [String: UInt8] = Dictionary(
        uniqueKeysWithValues: entries.map { ($0.name.uppercased(), $0.opcode) })

    // MARK: - The table

    private typealias H = ExtendedHeader

    /// One operation (the opcode's low five bits) and its headers per transport; nil means
    /// "not defined for that transport".
    private struct Operation {
        let code: UInt8
        let name: String
        let classes: OpcodeClass
        let rc: [H]?, uc: [H]?, rd: [H]?, ud: [H]?, xrc: [H]?
    }

    private static let operations: [Operation] = {
        let send: OpcodeClass = [.request, .send, .payload]
        let write: OpcodeClass = [.request, .write, .payload]
        let readResponse: OpcodeClass = [.response, .read, .payload]
        return [
            Operation(code: 0x00, name: "SEND_FIRST", classes: send.union(.first),
                      rc: [], uc: [], rd: [.rdeth, .deth], ud: nil, xrc: [.xrceth]),
            Operation(code: 0x01, name: "SEND_MIDDLE", classes: send.union(.middle),
                      rc: [], uc: [], rd: [.rdeth, .deth], ud: nil, xrc: [.xrceth]),
            Operation(code: 0x02, name: "SEND_LAST", classes: send.union(.last),
                      rc: [], uc: [], rd: [.rdeth, .deth], ud: nil, xrc: [.xrceth]),
            Operation(code: 0x03, name: "SEND_LAST_WITH_IMMEDIATE", classes: send.union([.last, .immediate]),
                      rc: [.immDt], uc: [.immDt], rd: [.rdeth, .deth, .immDt], ud: nil, xrc: [.xrceth, .immDt]),
            Operation(code: 0x04, name: "SEND_ONLY", classes: send.union(.only),
                      rc: [], uc: [], rd: [.rdeth, .deth], ud: [.deth], xrc: [.xrceth]),
            Operation(code: 0x05, name: "SEND_ONLY_WITH_IMMEDIATE", classes: send.union([.only, .immediate]),
                      rc: [.immDt], uc: [.immDt], rd: [.rdeth, .deth, .immDt], ud: [.deth, .immDt],
                      xrc: [.xrceth, .immDt]),
            Operation(code: 0x06, name: "RDMA_WRITE_FIRST", classes: write.union(.first),
                      rc: [.reth], uc: [.reth], rd: [.rdeth, .deth, .reth], ud: nil, xrc: [.xrceth, .reth]),
            Operation(code: 0x07, name: "RDMA_WRITE_MIDDLE", classes: write.union(.middle),
                      rc: [], uc: [], rd: [.rdeth, .deth], ud: nil, xrc: [.xrceth]),
            Operation(code: 0x08, name: "RDMA_WRITE_LAST", classes: write.union(.last),
                      rc: [], uc: [], rd: [.rdeth, .deth], ud: nil, xrc: [.xrceth]),
            Operation(code: 0x09, name: "RDMA_WRITE_LAST_WITH_IMMEDIATE", classes: write.union([.last, .immediate]),
                      rc: [.immDt], uc: [.immDt], rd: [.rdeth, .deth, .immDt], ud: nil, xrc: [.xrceth, .immDt]),
            Operation(code: 0x0A, name: "RDMA_WRITE_ONLY", classes: write.union(.only),
                      rc: [.reth], uc: [.reth], rd: [.rdeth, .deth, .reth], ud: nil, xrc: [.xrceth, .reth]),
            Operation(code: 0x0B, name: "RDMA_WRITE_ONLY_WITH_IMMEDIATE", classes: write.union([.only, .immediate]),
                      rc: [.reth, .immDt], uc: [.reth, .immDt], rd: [.rdeth, .deth, .reth, .immDt], ud: nil,
                      xrc: [.xrceth, .reth, .immDt]),
            Operation(code: 0x0C, name: "RDMA_READ_REQUEST", classes: [.request, .read, .only],
                      rc: [.reth], uc: nil, rd: [.rdeth, .deth, .reth], ud: nil, xrc: [.xrceth, .reth]),
            Operation(code: 0x0D, name: "RDMA_READ_RESPONSE_FIRST", classes: readResponse.union(.first),
                      rc: [.aeth], uc: nil, rd: [.rdeth, .aeth], ud: nil, xrc: [.aeth]),
            Operation(code: 0x0E, name: "RDMA_READ_RESPONSE_MIDDLE", classes: readResponse.union(.middle),
                      rc: [], uc: nil, rd: [.rdeth], ud: nil, xrc: []),
            Operation(code: 0x0F, name: "RDMA_READ_RESPONSE_LAST", classes: readResponse.union(.last),
                      rc: [.aeth], uc: nil, rd: [.rdeth, .aeth], ud: nil, xrc: [.aeth]),
            Operation(code: 0x10, name: "RDMA_READ_RESPONSE_ONLY", classes: readResponse.union(.only),
                      rc: [.aeth], uc: nil, rd: [.rdeth, .aeth], ud: nil, xrc: [.aeth]),
            Operation(code: 0x11, name: "ACKNOWLEDGE", classes: [.response, .acknowledge, .only],
                      rc: [.aeth], uc: nil, rd: [.rdeth, .aeth], ud: nil, xrc: [.aeth]),
            Operation(code: 0x12, name: "ATOMIC_ACKNOWLEDGE", classes: [.response, .acknowledge, .atomic, .only],
                      rc: [.aeth, .atomicAckETH], uc: nil, rd: [.rdeth, .aeth, .atomicAckETH], ud: nil,
                      xrc: [.aeth, .atomicAckETH]),
            Operation(code: 0x13, name: "COMPARE_SWAP", classes: [.request, .atomic, .only],
                      rc: [.atomicETH], uc: nil, rd: [.rdeth, .deth, .atomicETH], ud: nil, xrc: [.xrceth, .atomicETH]),
            Operation(code: 0x14, name: "FETCH_ADD", classes: [.request, .atomic, .only],
                      rc: [.atomicETH], uc: nil, rd: [.rdeth, .deth, .atomicETH], ud: nil, xrc: [.xrceth, .atomicETH]),
            Operation(code: 0x15, name: "RESYNC", classes: [.request, .only],
                      rc: nil, uc: nil, rd: [.rdeth, .deth], ud: nil, xrc: nil),
            Operation(code: 0x16, name: "SEND_LAST_WITH_INVALIDATE", classes: send.union([.last, .invalidate]),
                      rc: [.ieth], uc: nil, rd: nil, ud: nil, xrc: [.xrceth, .ieth]),
            Operation(code: 0x17, name: "SEND_ONLY_WITH_INVALIDATE", classes: send.union([.only, .invalidate]),
                      rc: [.ieth], uc: nil, rd: nil, ud: nil, xrc: [.xrceth, .ieth]),
            Operation(code: 0x1C, name: "FLUSH", classes: [.request, .flush, .only],
                      rc: [.feth, .reth], uc: nil, rd: [.rdeth, .feth, .reth], ud: nil, xrc: [.xrceth, .feth, .reth]),
            Operation(code: 0x1D, name: "ATOMIC_WRITE", classes: [.request, .write, .atomic, .only, .payload],
                      rc: [.reth], uc: nil, rd: [.rdeth, .deth, .reth], ud: nil, xrc: [.xrceth, .reth]),
        ]
    }()

    private static func build() -> [OpcodeInfo] {
        var table = (0...255).map { byte -> OpcodeInfo in
            let opcode = UInt8(byte)
            let transport = Transport(opcode: opcode)
            let hex = "0x" + String(opcode, radix: 16, uppercase: true)
            let name: String
            switch transport {
            case .vendor: name = "VENDOR_" + hex
            case .reserved: name = "RESERVED_" + hex
            default: name = "UNKNOWN_" + hex
            }
            return OpcodeInfo(opcode: opcode, name: name, transport: transport, headers: [],
                              headersLength: 0, classes: [.undefined, .payload])
        }
        for op in operations {
            let perTransport: [(Transport, [H]?)] = [(.rc, op.rc), (.uc, op.uc), (.rd, op.rd), (.ud, op.ud), (.xrc, op.xrc)]
            for case let (transport, headers?) in perTransport {
                let opcode = transport.prefix | op.code
                table[Int(opcode)] = OpcodeInfo(
                    opcode: opcode, name: transport.name + "_" + op.name, transport: transport,
                    headers: headers, headersLength: headers.reduce(0) { $0 + $1.size }, classes: op.classes)
            }
        }
        table[Int(cnp)] = OpcodeInfo(opcode: cnp, name: "CNP", transport: .cnp, headers: [.cnpReserved],
                                     headersLength: ExtendedHeader.cnpReserved.size, classes: [.cnp, .only])
        return table
    }
}
