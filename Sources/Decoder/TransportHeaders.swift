/// Base Transport Header (12 bytes), every field of IBTA vol. 1, 9.2.
public struct BTH: Sendable, Hashable {
    /// Size on the wire.
    public static let size = 12

    public var opcode: UInt8
    /// Solicited Event.
    public var solicitedEvent: Bool
    /// MigReq.
    public var migrationRequest: Bool
    /// Pad count: bytes (0-3) added to the payload to align it to four bytes.
    public var padCount: UInt8
    /// Transport header version (0).
    public var transportVersion: UInt8
    public var partitionKey: UInt16
    /// Forward explicit congestion notification (RoCEv2 keeps it in the first reserved bit).
    public var fecn: Bool
    /// Backward explicit congestion notification (set on CNPs).
    public var becn: Bool
    /// The six reserved bits after FECN and BECN.
    public var reserved6: UInt8
    /// Destination QP number (24 bits).
    public var destQP: UInt32
    /// AckReq.
    public var ackRequest: Bool
    /// The seven reserved bits after AckReq.
    public var reserved7: UInt8
    /// Packet sequence number (24 bits).
    public var psn: UInt32

    public init(opcode: UInt8, solicitedEvent: Bool = false, migrationRequest: Bool = false,
                padCount: UInt8 = 0, transportVersion: UInt8 = 0, partitionKey: UInt16 = 0xFFFF,
                fecn: Bool = false, becn: Bool = false, reserved6: UInt8 = 0, destQP: UInt32,
                ackRequest: Bool = false, reserved7: UInt8 = 0, psn: UInt32) {
        self.opcode = opcode
        self.solicitedEvent = solicitedEvent
        self.migrationRequest = migrationRequest
        self.padCount = padCount & 3
        self.transportVersion = transportVersion & 0xF
        self.partitionKey = partitionKey
        self.fecn = fecn
        self.becn = becn
        self.reserved6 = reserved6 & 0x3F
        self.destQP = destQP & 0xFF_FFFF
        self.ackRequest = ackRequest
        self.reserved7 = reserved7 & 0x7F
        self.psn = psn & 0xFF_FFFF
    }

    /// Reads a BTH at `offset`; the caller has checked that 12 bytes are there.
    init(unchecked b: UnsafeRawBufferPointer, at o: Int) {
        let flags = b[o + 1]
        let congestion = b[o + 4]
        let ack = b[o + 8]
        self.init(opcode: b[o], solicitedEvent: flags & 0x80 != 0, migrationRequest: flags & 0x40 != 0,
                  padCount: flags >> 4 & 3, transportVersion: flags & 0xF, partitionKey: b.load16(o + 2),
                  fecn: congestion & 0x80 != 0, becn: congestion & 0x40 != 0, reserved6: congestion & 0x3F,
                  destQP: b.load24(o + 5), ackRequest: ack & 0x80 != 0, reserved7: ack & 0x7F,
                  psn: b.load24(o + 9))
    }

    func write(to out: inout [UInt8]) {
        out.append(opcode)
        out.append((solicitedEvent ? 0x80 : 0) | (migrationRequest ? 0x40 : 0) | padCount << 4 | transportVersion)
        out.appendBE16(partitionKey)
        out.append((fecn ? 0x80 : 0) | (becn ? 0x40 : 0) | reserved6)
        out.appendBE24(destQP)
        out.append((ackRequest ? 0x80 : 0) | reserved7)
        out.appendBE24(psn)
    }
}

/// Reliable Datagram Extended Transport Header.
public struct RDETH: Sendable, Hashable {
    /// End-to-end context (24 bits).
    public var eeContext: UInt32
    public init(eeContext: UInt32) { self.eeContext = eeContext & 0xFF_FFFF }
}

/// Datagram Extended Transport Header.
public struct DETH: Sendable, Hashable {
    public var qKey: UInt32
    /// Source QP number (24 bits).
    public var srcQP: UInt32
    public init(qKey: UInt32, srcQP: UInt32) {
        self.qKey = qKey
        self.srcQP = srcQP & 0xFF_FFFF
    }
}

/// XRC Extended Transport Header.
public struct XRCETH: Sendable, Hashable {
    /// XRC shared receive queue number (24 bits).
    public var srqNumber: UInt32
    public init(srqNumber: UInt32) { self.srqNumber = srqNumber & 0xFF_FFFF }
}

/// RDMA Extended Transport Header.
public struct RETH: Sendable, Hashable {
    public var virtualAddress: UInt64
    public var rKey: UInt32
    public var dmaLength: UInt32
    public init(virtualAddress: UInt64, rKey: UInt32, dmaLength: UInt32) {
        self.virtualAddress = virtualAddress
        self.rKey = rKey
        self.dmaLength = dmaLength
    }
}

/// Atomic Extended Transport Header.
public struct AtomicETH: Sendable, Hashable {
    public var virtualAddress: UInt64
    public var rKey: UInt32
    /// Swap data (compare & swap) or add data (fetch & add).
    public var swapOrAdd: UInt64
    public var compare: UInt64
    public init(virtualAddress: UInt64, rKey: UInt32, swapOrAdd: UInt64, compare: UInt64) {
        self.virtualAddress = virtualAddress
        self.rKey = rKey
        self.swapOrAdd = swapOrAdd
        self.compare = compare
    }
}

/// ACK Extended Transport Header.
public struct AETH: Sendable, Hashable {
    /// The raw syndrome byte.
    public var syndromeByte: UInt8
    /// Message sequence number (24 bits).
    public var msn: UInt32
    public init(syndromeByte: UInt8, msn: UInt32) {
        self.syndromeByte = syndromeByte
        self.msn = msn & 0xFF_FFFF
    }
    public init(_ syndrome: AETHSyndrome, msn: UInt32) {
        self.init(syndromeByte: syndrome.byte, msn: msn)
    }
    /// The decoded syndrome.
    public var syndrome: AETHSyndrome { AETHSyndrome(byte: syndromeByte) }
}

/// Atomic ACK Extended Transport Header.
public struct AtomicAckETH: Sendable, Hashable {
    public var originalRemoteData: UInt64
    public init(originalRemoteData: UInt64) { self.originalRemoteData = originalRemoteData }
}

/// FLUSH Extended Transport Header.
public struct FETH: Sendable, Hashable {
    /// The 26 reserved bits.
    public var reserved: UInt32
    /// Selectivity level (2 bits).
    public var selectivityLevel: UInt8
    /// Placement type (4 bits).
    public var placementType: UInt8
    public init(reserved: UInt32 = 0, selectivityLevel: UInt8, placementType: UInt8) {
        self.reserved = reserved & 0x3FF_FFFF
        self.selectivityLevel = selectivityLevel & 3
        self.placementType = placementType & 0xF
    }
    /// The header as one 32-bit word.
    public var word: UInt32 { reserved << 6 | UInt32(selectivityLevel) << 4 | UInt32(placementType) }
    init(word: UInt32) {
        self.init(reserved: word >> 6, selectivityLevel: UInt8(word >> 4 & 3), placementType: UInt8(word & 0xF))
    }
}
