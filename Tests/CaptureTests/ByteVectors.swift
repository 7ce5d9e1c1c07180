// Builders for hand-made capture files: every byte of a test vector is spelled out here, from
// the field layouts of the pcap and pcapng specifications, independently of the code under test.

/// Appends integers in a chosen byte order.
struct ByteWriter {
    var bigEndian: Bool
    var bytes: [UInt8] = []

    init(bigEndian: Bool) { self.bigEndian = bigEndian }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { put(UInt64(v), 2) }
    mutating func u32(_ v: UInt32) { put(UInt64(v), 4) }
    mutating func u64(_ v: UInt64) { put(v, 8) }
    mutating func raw(_ b: [UInt8]) { bytes += b }
    /// Zero bytes up to a multiple of 4.
    mutating func pad4() { while bytes.count % 4 != 0 { bytes.append(0) } }

    private mutating func put(_ v: UInt64, _ size: Int) {
        for i in 0..<size {
            let shift = bigEndian ? (size - 1 - i) * 8 : i * 8
            bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(shift)))
        }
    }
}

/// Classic pcap vectors.
enum PcapVector {
    struct Record {
        var seconds: UInt32
        var fraction: UInt32
        var data: [UInt8]
        var originalLength: UInt32? = nil
        /// Overrides the captured-length field (for corrupt records).
        var capturedLengthField: UInt32? = nil
    }

    static func header(bigEndian: Bool, nanoseconds: Bool, linkType: UInt32, snaplen: UInt32 = 65535,
                       major: UInt16 = 2, minor: UInt16 = 4) -> [UInt8] {
        var w = ByteWriter(bigEndian: bigEndian)
        w.u32(nanoseconds ? 0xa1b2_3c4d : 0xa1b2_c3d4)
        w.u16(major)
        w.u16(minor)
        w.u32(0)
        w.u32(0)
        w.u32(snaplen)
        w.u32(linkType)
        return w.bytes
    }

    static func record(_ r: Record, bigEndian: Bool) -> [UInt8] {
        var w = ByteWriter(bigEndian: bigEndian)
        w.u32(r.seconds)
        w.u32(r.fraction)
        w.u32(r.capturedLengthField ?? UInt32(r.data.count))
        w.u32(r.originalLength ?? UInt32(r.data.count))
        w.raw(r.data)
        return w.bytes
    }

    static func file(bigEndian: Bool = false, nanoseconds: Bool = false, linkType: UInt32 = 1,
                     snaplen: UInt32 = 65535, records: [Record]) -> [UInt8] {
        header(bigEndian: bigEndian, nanoseconds: nanoseconds, linkType: linkType, snaplen: snaplen)
            + records.flatMap { record($0, bigEndian: bigEndian) }
    }
}

/// pcapng vectors.
enum PcapNGVector {
    /// One option: code, value (padded when written).
    struct Option {
        var code: UInt16
        var value: [UInt8]
    }

    /// A block with the given body (padded to 4) between the two length fields.
    static func block(_ type: UInt32, _ body: [UInt8], bigEndian: Bool,
                      lengthOverride: UInt32? = nil, trailingOverride: UInt32? = nil) -> [UInt8] {
        var padded = body
        while padded.count % 4 != 0 { padded.append(0) }
        let length = UInt32(12 + padded.count)
        var w = ByteWriter(bigEndian: bigEndian)
        w.u32(type)
        w.u32(lengthOverride ?? length)
        w.raw(padded)
        w.u32(trailingOverride ?? lengthOverride ?? length)
        return w.bytes
    }

    static func options(_ list: [Option], bigEndian: Bool, endMarker: Bool = true) -> [UInt8] {
        guard !list.isEmpty else { return [] }
        var w = ByteWriter(bigEndian: bigEndian)
        for o in list {
            w.u16(o.code)
            w.u16(UInt16(o.value.count))
            w.raw(o.value)
            w.pad4()
        }
        if endMarker { w.u32(0) }
        return w.bytes
    }

    static func sectionHeader(bigEndian: Bool, major: UInt16 = 1, options list: [Option] = []) -> [UInt8] {
        var w = ByteWriter(bigEndian: bigEndian)
        w.u32(0x1a2b_3c4d)
        w.u16(major)
        w.u16(0)
        w.u64(UInt64.max)
        w.raw(options(list, bigEndian: bigEndian))
        return block(0x0a0d_0d0a, w.bytes, bigEndian: bigEndian)
    }

    static func interface(bigEndian: Bool, linkType: UInt16, snaplen: UInt32 = 0, name: String? = nil,
                          tsresol: UInt8? = nil, tsoffset: Int64? = nil, fcslen: UInt8? = nil) -> [UInt8] {
        var w = ByteWriter(bigEndian: bigEndian)
        w.u16(linkType)
        w.u16(0)
        w.u32(snaplen)
        var list: [Option] = []
        if let name { list.append(Option(code: 2, value: Array(name.utf8))) }
        if let tsresol { list.append(Option(code: 9, value: [tsresol])) }
        if let fcslen { list.append(Option(code: 13, value: [fcslen])) }
        if let tsoffset {
            var o = ByteWriter(bigEndian: bigEndian)
            o.u64(UInt64(bitPattern: tsoffset))
            list.append(Option(code: 14, value: o.bytes))
        }
        w.raw(options(list, bigEndian: bigEndian))
        return block(1, w.bytes, bigEndian: bigEndian)
    }

    static func enhancedPacket(bigEndian: Bool, interface: UInt32, timestamp: UInt64, data: [UInt8],
                               originalLength: UInt32? = nil, flags: UInt32? = nil,
                               capturedLengthField: UInt32? = nil, extraOptions: [Option] = []) -> [UInt8] {
        var w = ByteWriter(bigEndian: bigEndian)
        w.u32(interface)
        w.u32(UInt32(truncatingIfNeeded: timestamp >> 32))
        w.u32(UInt32(truncatingIfNeeded: timestamp))
        w.u32(capturedLengthField ?? UInt32(data.count))
        w.u32(originalLength ?? UInt32(data.count))
        w.raw(data)
        w.pad4()
        var list = extraOptions
        if let flags {
            var f = ByteWriter(bigEndian: bigEndian)
            f.u32(flags)
            list.append(Option(code: 2, value: f.bytes))
        }
        w.raw(options(list, bigEndian: bigEndian))
        return block(6, w.bytes, bigEndian: bigEndian)
    }

    static func simplePacket(bigEndian: Bool, originalLength: UInt32, data: [UInt8]) -> [UInt8] {
        var w = ByteWriter(bigEndian: bigEndian)
        w.u32(originalLength)
        w.raw(data)
        return block(3, w.bytes, bigEndian: bigEndian)
    }

    /// A name resolution block with one IPv4 record, to be skipped.
    static func nameResolution(bigEndian: Bool) -> [UInt8] {
        var w = ByteWriter(bigEndian: bigEndian)
        w.u16(1)
        w.u16(13)
        w.raw([10, 0, 0, 1] + Array("host1".utf8) + [0, 0, 0, 0])
        w.pad4()
        w.u32(0)
        return block(4, w.bytes, bigEndian: bigEndian)
    }

    /// An interface statistics block, to be skipped.
    static func interfaceStatistics(bigEndian: Bool) -> [UInt8] {
        var w = ByteWriter(bigEndian: bigEndian)
        w.u32(0)
        w.u32(1)
        w.u32(2)
        return block(5, w.bytes, bigEndian: bigEndian)
    }

    /// A custom block (private enterprise number 32473, the documentation PEN), to be skipped.
    static func custom(bigEndian: Bool) -> [UInt8] {
        var w = ByteWriter(bigEndian: bigEndian)
        w.u32(32473)
        w.raw(Array("opaque data!".utf8))
        return block(0x0000_0bad, w.bytes, bigEndian: bigEndian)
    }
}

/// Deterministic bytes for packet payloads.
func payload(_ count: Int, seed: UInt8 = 0) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ Int(seed)) }
}
