/// The four magic numbers of classic pcap, as the first four file bytes read little-endian.
///
/// The writer stores the magic in its own byte order; reading it back as 0xa1b2c3d4 (or
/// 0xa1b23c4d) means the file is little-endian, reading the byte-swapped value means it is
/// big-endian. The "23c4d" variant counts fractions in nanoseconds instead of microseconds.
struct PcapMagic {
    static let microseconds: UInt32 = 0xa1b2_c3d4
    static let nanoseconds: UInt32 = 0xa1b2_3c4d

    var order: ByteOrder
    var resolution: TimestampResolution

    init?(littleEndianValue magic: UInt32) {
        switch magic {
        case PcapMagic.microseconds: (order, resolution) = (.littleEndian, .microseconds)
        case PcapMagic.microseconds.byteSwapped: (order, resolution) = (.bigEndian, .microseconds)
        case PcapMagic.nanoseconds: (order, resolution) = (.littleEndian, .nanoseconds)
        case PcapMagic.nanoseconds.byteSwapped: (order, resolution) = (.bigEndian, .nanoseconds)
        default: return nil
        }
    }
}

/// Sizes and fields of the classic pcap layout.
enum PcapLayout {
    /// magic, version major/minor, thiszone, sigfigs, snaplen, link type.
    static let fileHeaderSize = 24
    /// ts_sec, ts_frac, incl_len, orig_len.
    static let recordHeaderSize = 16
    /// libpcap's largest snapshot length for ordinary link types; records up to this size are
    /// accepted even when the header's snapshot length is smaller.
    static let standardMaximumSnapLength = 262_144
    /// The link type proper in the header's link-type field (libpcap's `LT_LINKTYPE`).
    static let linkTypeMask: UInt32 = 0x03ff_ffff
    /// Set when the upper four bits give the FCS length (libpcap's `LT_FCS_LENGTH_PRESENT`).
    static let fcsPresentBit: UInt32 = 0x0400_0000
}

extension CaptureReader {
    /// Reads the 24-byte pcap file header at the start of the input.
    func readPcapHeader(_ magic: PcapMagic) throws(CaptureError) {
        guard try ensure(PcapLayout.fileHeaderSize) else {
            throw fault(.truncatedFileHeader(needed: PcapLayout.fileHeaderSize - available), at: 0)
        }
        let header = UnsafeRawPointer(buffer + start)
        let major = Int(magic.order.u16(header, 4))
        let minor = Int(magic.order.u16(header, 6))
        guard major == 2 else {
            throw fault(.unsupportedPcapVersion(major: major, minor: minor), at: 4)
        }
        let snapLength = magic.order.u32(header, 16).asInt
        let linkField = magic.order.u32(header, 20)
        let fcsLength: Int? = linkField & PcapLayout.fcsPresentBit != 0
            ? Int(linkField >> 28) * 2 : nil

        order = magic.order
        pcapFractionScale = magic.resolution == .nanoseconds ? 1 : 1000
        pcapLinkType = linkField & PcapLayout.linkTypeMask
        pcapCaptureLimit = min(max(snapLength, PcapLayout.standardMaximumSnapLength),
                               CaptureReader.maximumRecordSize - PcapLayout.recordHeaderSize)
        addInterface(CaptureInterface(linkType: pcapLinkType, snapLength: snapLength,
                                      timestampResolution: magic.resolution, fcsLength: fcsLength))
        start += PcapLayout.fileHeaderSize
    }

    /// Reads one pcap packet record.
    @inline(__always)
    func nextPcapRecord() throws(CaptureError) -> CapturedPacket? {
        let recordOffset = inputOffset
        guard try ensure(PcapLayout.recordHeaderSize) else {
            if available == 0 { return nil }
            throw fault(.truncatedRecordHeader(needed: PcapLayout.recordHeaderSize - available), at: recordOffset)
        }
        var record = UnsafeRawPointer(buffer + start)
        let capturedLength = order.u32(record, 8).asInt
        guard capturedLength <= pcapCaptureLimit else {
            throw fault(.capturedLengthTooLarge(length: capturedLength, limit: pcapCaptureLimit), at: recordOffset)
        }
        let recordSize = PcapLayout.recordHeaderSize + capturedLength
        if available < recordSize {
            guard try ensure(recordSize) else {
                throw fault(.truncatedRecordData(needed: recordSize - available), at: recordOffset)
            }
            record = UnsafeRawPointer(buffer + start)
        }
        let seconds = Int64(order.u32(record, 0))
        let fraction = Int64(order.u32(record, 4))
        // At most (2^32 - 1) * 10^9 + (2^32 - 1) * 1000: well inside Int64.
        let timestamp = seconds &* 1_000_000_000 &+ fraction &* pcapFractionScale
        let packet = CapturedPacket(
            timestampNanoseconds: timestamp,
            interfaceID: 0,
            linkType: pcapLinkType,
            originalLength: order.u32(record, 12).asInt,
            direction: .unknown,
            fileOffset: recordOffset,
            data: UnsafeRawBufferPointer(start: record + PcapLayout.recordHeaderSize, count: capturedLength))
        start += recordSize
        return packet
    }
}
