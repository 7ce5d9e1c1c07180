import RoCE

/// pcapng block type codes (draft-ietf-opsawg-pcapng).
enum PcapNGBlockType {
    /// Section header block; a palindrome, so it reads the same in either byte order.
    static let sectionHeader: UInt32 = 0x0a0d_0d0a
    static let interfaceDescription: UInt32 = 1
    /// Obsolete packet block, written by old tools; laid out like an enhanced packet block
    /// with a 16-bit interface id.
    static let obsoletePacket: UInt32 = 2
    static let simplePacket: UInt32 = 3
    static let enhancedPacket: UInt32 = 6
    /// Interface statistics block: what the capture saw and dropped on an interface.
    static let interfaceStatistics: UInt32 = 5

    /// The smallest total length of a block of `type`: its fixed fields plus the two lengths.
    static func minimumLength(_ type: UInt32) -> Int {
        switch type {
        case sectionHeader: return 28
        case interfaceDescription: return 20
        case obsoletePacket, enhancedPacket: return 32
        case simplePacket: return 16
        default: return 12
        }
    }

    /// A human name for error messages.
    static func name(_ type: UInt32) -> String {
        switch type {
        case sectionHeader: return "section header block"
        case interfaceDescription: return "interface description block"
        case obsoletePacket: return "packet block"
        case simplePacket: return "simple packet block"
        case enhancedPacket: return "enhanced packet block"
        default: return "block"
        }
    }
}

/// pcapng option codes the reader interprets.
enum PcapNGOption {
    static let endOfOptions: UInt16 = 0
    /// `if_name` (IDB).
    static let interfaceName: UInt16 = 2
    /// `if_tsresol` (IDB).
    static let timestampResolution: UInt16 = 9
    /// `if_fcslen` (IDB).
    static let fcsLength: UInt16 = 13
    /// `if_tsoffset` (IDB).
    static let timestampOffset: UInt16 = 14
    /// `epb_flags` (EPB) and `pack_flags` (obsolete packet block).
    static let packetFlags: UInt16 = 2
    /// `isb_ifrecv` (ISB): packets received.
    static let interfaceReceived: UInt16 = 4
    /// `isb_ifdrop` (ISB): packets dropped for lack of resources (dumpcap writes libpcap's
    /// "dropped by kernel" here).
    static let interfaceDropped: UInt16 = 5
}

/// The byte-order magic of a section header block, as read little-endian.
let pcapngByteOrderMagic: UInt32 = 0x1a2b_3c4d

extension CaptureReader {
    /// Reads the section header block that starts the input, then every interface description
    /// block that is already complete in the buffer (without reading more, so that a pipe
    /// from a live capture does not block here waiting for the first packet).
    func readFirstSection() throws(CaptureError) {
        let (_, length) = try loadBlock(atFileStart: true)
        try beginSection(length: length)
        start += length
        // A fault here is left for next() to find again, with the right packets before it.
        while let (type, length) = try? peekBufferedBlock(),
              type == PcapNGBlockType.interfaceDescription {
            do {
                try describeInterface(length: length)
            } catch {
                break
            }
            start += length
        }
    }

    /// Returns the next packet-carrying block's packet, consuming every other block on the way.
    @inline(__always)
    func nextPcapNGPacket() throws(CaptureError) -> CapturedPacket? {
        while true {
            guard let (type, length) = try loadBlockIfAny() else { return nil }
            switch type {
            case PcapNGBlockType.enhancedPacket, PcapNGBlockType.obsoletePacket:
                let packet = try enhancedPacket(type: type, length: length)
                start += length
                return packet
            case PcapNGBlockType.simplePacket:
                let packet = try simplePacket(length: length)
                start += length
                return packet
            case PcapNGBlockType.sectionHeader:
                try beginSection(length: length)
            case PcapNGBlockType.interfaceDescription:
                try describeInterface(length: length)
            default:
                break  // NRB, ISB, DSB, custom and unknown blocks: skipped whole.
            }
            start += length
        }
    }

    /// Like `loadBlock`, but returns nil at a clean end of input (no bytes left).
    @inline(__always)
    private func loadBlockIfAny() throws(CaptureError) -> (type: UInt32, length: Int)? {
        if available < 8 {
            guard try ensure(8) || available > 0 else { return nil }
        }
        return try loadBlock(atFileStart: false)
    }

    /// Validates the block at `start` and makes all of it available in the buffer; returns its
    /// type and total length. A section header's byte order is taken from its own magic;
    /// other blocks use the current section's.
    private func loadBlock(atFileStart: Bool) throws(CaptureError) -> (type: UInt32, length: Int) {
        let blockOffset = inputOffset
        func truncated(_ needed: Int) -> CaptureError {
            atFileStart && blockOffset == 0
                ? fault(.truncatedFileHeader(needed: needed), at: blockOffset)
                : fault(.truncatedBlock(needed: needed), at: blockOffset)
        }
        guard try ensure(8) else { throw truncated(8 - available) }
        let type = order.u32(buffer + start, 0)
        var blockOrder = order
        if type == PcapNGBlockType.sectionHeader {
            guard try ensure(12) else { throw truncated(12 - available) }
            let magic = ByteOrder.littleEndian.u32(buffer + start, 8)
            if magic == pcapngByteOrderMagic {
                blockOrder = .littleEndian
            } else if magic == pcapngByteOrderMagic.byteSwapped {
                blockOrder = .bigEndian
            } else {
                throw fault(.badByteOrderMagic(magic), at: blockOffset + 8)
            }
        }
        let length = blockOrder.u32(buffer + start, 4).asInt
        try validateLength(length, type: type, at: blockOffset)
        guard try ensure(length) else { throw truncated(length - available) }
        let trailing = blockOrder.u32(buffer + start, length - 4).asInt
        guard trailing == length else {
            throw fault(.blockLengthMismatch(leading: length, trailing: trailing), at: blockOffset)
        }
        return (type, length)
    }

    /// The block at `start` if it is wholly in the buffer and well-formed in the current byte
    /// order; nil otherwise. Never reads.
    private func peekBufferedBlock() throws(CaptureError) -> (type: UInt32, length: Int)? {
        guard available >= 12 else { return nil }
        let type = order.u32(buffer + start, 0)
        let length = order.u32(buffer + start, 4).asInt
        try validateLength(length, type: type, at: inputOffset)
        guard available >= length, order.u32(buffer + start, length - 4).asInt == length else {
            return nil
        }
        return (type, length)
    }

    @inline(__always)
    private func validateLength(_ length: Int, type: UInt32, at blockOffset: Int) throws(CaptureError) {
        let minimum = PcapNGBlockType.minimumLength(type)
        if length < minimum {
            let reason = length < 12
                ? "less than the 12-byte minimum"
                : "\(PcapNGBlockType.name(type)) needs at least \(minimum) bytes"
            throw fault(.badBlockLength(length, reason: reason), at: blockOffset)
        }
        if length % 4 != 0 {
            throw fault(.badBlockLength(length, reason: "not a multiple of 4"), at: blockOffset)
        }
        if length > CaptureReader.maximumRecordSize {
            throw fault(.blockTooLarge(length, limit: CaptureReader.maximumRecordSize), at: blockOffset)
        }
    }

    /// Starts a new section from the section header block at `start`.
    private func beginSection(length: Int) throws(CaptureError) {
        let block = UnsafeRawPointer(buffer + start)
        let sectionOrder: ByteOrder =
            ByteOrder.littleEndian.u32(block, 8) == pcapngByteOrderMagic ? .littleEndian : .bigEndian
        let major = Int(sectionOrder.u16(block, 12))
        let minor = Int(sectionOrder.u16(block, 14))
        guard major == 1 else {
            throw fault(.unsupportedPcapNGVersion(major: major, minor: minor), at: inputOffset + 12)
        }
        order = sectionOrder
        sectionFirstInterface = interfaces.count
        sectionCount += 1
    }

    /// Adds the interface described by the interface description block at `start`.
    private func describeInterface(length: Int) throws(CaptureError) {
        let block = UnsafeRawPointer(buffer + start)
        var interface = CaptureInterface(
            linkType: UInt32(order.u16(block, 8)),
            snapLength: order.u32(block, 12).asInt,
            section: sectionCount - 1)
        try forEachOption(block, from: 16, to: length - 4) { code, value, size in
            switch code {
            case PcapNGOption.interfaceName:
                var bytes = UnsafeRawBufferPointer(start: block + value, count: size)
                while let last = bytes.last, last == 0 { bytes = UnsafeRawBufferPointer(rebasing: bytes.dropLast()) }
                interface.name = String(decoding: bytes, as: UTF8.self)
            case PcapNGOption.timestampResolution where size >= 1:
                interface.timestampResolution = TimestampResolution(
                    pcapngOptionValue: block.load(fromByteOffset: value, as: UInt8.self))
            case PcapNGOption.timestampOffset where size == 8:
                interface.timestampOffsetSeconds = Int64(bitPattern: order.u64(block, value))
            case PcapNGOption.fcsLength where size == 1:
                interface.fcsLength = Int(block.load(fromByteOffset: value, as: UInt8.self))
            default:
                break
            }
        }
        addInterface(interface)
    }

    /// Calls `body(code, valueOffset, valueLength)` for each option between `from` and `to`
    /// (offsets in the block), stopping at `opt_endofopt`. Throws when an option's value runs
    /// past `to`.
    @inline(__always)
    private func forEachOption(_ block: UnsafeRawPointer, from: Int, to: Int,
                               _ body: (UInt16, Int, Int) -> Void) throws(CaptureError) {
        var position = from
        while position + 4 <= to {
            let code = order.u16(block, position)
            if code == PcapNGOption.endOfOptions { return }
            let size = Int(order.u16(block, position + 2))
            let value = position + 4
            guard value + size <= to else {
                throw fault(.malformedOption(code: Int(code)), at: inputOffset)
            }
            body(code, value, size)
            position = value + (size + 3) & ~3
        }
    }

    /// The packet of the enhanced (or obsolete) packet block at `start`.
    @inline(__always)
    private func enhancedPacket(type: UInt32, length: Int) throws(CaptureError) -> CapturedPacket {
        let block = UnsafeRawPointer(buffer + start)
        let blockOffset = inputOffset
        let localInterface = type == PcapNGBlockType.enhancedPacket
            ? order.u32(block, 8).asInt : Int(order.u16(block, 8))
        let sectionInterfaces = interfaceInfo.count - sectionFirstInterface
        guard localInterface < sectionInterfaces else {
            throw fault(.unknownInterface(localInterface), at: blockOffset)
        }
        let interfaceID = sectionFirstInterface + localInterface
        let capturedLength = order.u32(block, 20).asInt
        let room = length - 32
        guard capturedLength <= room, (capturedLength + 3) & ~3 <= room else {
            throw fault(.capturedLengthExceedsBlock(capturedLength), at: blockOffset)
        }
        var direction = PacketDirection.unknown
        let optionsStart = 28 + (capturedLength + 3) & ~3
        if optionsStart < length - 4 {
            try forEachOption(block, from: optionsStart, to: length - 4) { code, value, size in
                if code == PcapNGOption.packetFlags && size == 4 {
                    direction = PacketDirection(rawValue: UInt8(order.u32(block, value) & 3)) ?? .unknown
                }
            }
        }
        let info = interfaceInfo[interfaceID]
        let counts = UInt64(order.u32(block, 12)) << 32 | UInt64(order.u32(block, 16))
        return CapturedPacket(
            timestampNanoseconds: info.scale.nanoseconds(counts),
            interfaceID: interfaceID,
            linkType: info.linkType,
            originalLength: order.u32(block, 24).asInt,
            direction: direction,
            fileOffset: blockOffset,
            data: UnsafeRawBufferPointer(start: block + 28, count: capturedLength))
    }

    /// The packet of the simple packet block at `start`: interface 0 of the section, no
    /// timestamp, captured length the smaller of the original length and the snapshot length.
    private func simplePacket(length: Int) throws(CaptureError) -> CapturedPacket {
        let block = UnsafeRawPointer(buffer + start)
        let blockOffset = inputOffset
        guard sectionFirstInterface < interfaceInfo.count else {
            throw fault(.unknownInterface(0), at: blockOffset)
        }
        let info = interfaceInfo[sectionFirstInterface]
        let originalLength = order.u32(block, 8).asInt
        var capturedLength = originalLength
        if info.snapLength > 0 && capturedLength > info.snapLength {
            capturedLength = info.snapLength
        }
        guard capturedLength <= length - 16 else {
            throw fault(.capturedLengthExceedsBlock(capturedLength), at: blockOffset)
        }
        return CapturedPacket(
            timestampNanoseconds: 0,
            interfaceID: sectionFirstInterface,
            linkType: info.linkType,
            originalLength: originalLength,
            direction: .unknown,
            fileOffset: blockOffset,
            data: UnsafeRawBufferPointer(start: block + 12, count: capturedLength))
    }
}
