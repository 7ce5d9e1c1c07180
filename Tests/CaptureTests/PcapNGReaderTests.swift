import RoCE
import Testing
@testable import Capture

@Suite("pcapng reading")
struct PcapNGReaderTests {
    /// Two sections of opposite byte orders; the first has three interfaces with different
    /// timestamp units and an offset, the second two. Unknown blocks sit between packets.
    static func twoSections(firstBigEndian: Bool) -> [UInt8] {
        let a = firstBigEndian
        let b = !firstBigEndian
        typealias V = PcapNGVector
        var bytes: [UInt8] = []
        bytes += V.sectionHeader(bigEndian: a, options: [V.Option(code: 4, value: Array("test writer".utf8))])
        bytes += V.interface(bigEndian: a, linkType: 1, snaplen: 65535, name: "eth0")                // 10^-6 (default)
        bytes += V.interface(bigEndian: a, linkType: 276, snaplen: 0, name: "any\0\0", tsresol: 9)    // 10^-9
        bytes += V.interface(bigEndian: a, linkType: 101, snaplen: 128, tsresol: 0x80 | 10, tsoffset: 1_000) // 2^-10, +1000 s
        bytes += V.enhancedPacket(bigEndian: a, interface: 0, timestamp: 1_700_000_000_123_456, data: payload(64), flags: 1)
        bytes += V.nameResolution(bigEndian: a)
        bytes += V.enhancedPacket(bigEndian: a, interface: 1, timestamp: 1_700_000_000_123_456_789, data: payload(3),
                                  originalLength: 1500, flags: 2)
        bytes += V.interfaceStatistics(bigEndian: a)
        bytes += V.enhancedPacket(bigEndian: a, interface: 2, timestamp: 1024 * 5 + 512, data: payload(40), flags: 0)
        bytes += V.custom(bigEndian: a)
        bytes += V.simplePacket(bigEndian: a, originalLength: 70000, data: payload(65535, seed: 1))
        bytes += V.sectionHeader(bigEndian: b)
        bytes += V.interface(bigEndian: b, linkType: 113, snaplen: 16, tsresol: 3, fcslen: 4)   // 10^-3
        bytes += V.interface(bigEndian: b, linkType: 229, tsoffset: -10)
        bytes += V.simplePacket(bigEndian: b, originalLength: 100, data: payload(16, seed: 2))
        bytes += V.enhancedPacket(bigEndian: b, interface: 1, timestamp: 20_000_000, data: payload(5),
                                  flags: 3, extraOptions: [V.Option(code: 1, value: Array("a comment".utf8))])
        bytes += V.enhancedPacket(bigEndian: b, interface: 0, timestamp: 42, data: payload(7))
        return bytes
    }

    @Test("two sections of different byte orders, several interfaces and units", arguments: [false, true])
    func sections(firstBigEndian: Bool) throws {
        let bytes = Self.twoSections(firstBigEndian: firstBigEndian)
        let result = readAll(bytes, name: "two.pcapng")
        #expect(result.error == nil)
        let reader = try #require(result.reader)
        #expect(reader.format == .pcapng)
        #expect(reader.interfaces == [
            CaptureInterface(linkType: 1, snapLength: 65535, name: "eth0", timestampResolution: .microseconds, section: 0),
            CaptureInterface(linkType: 276, snapLength: 0, name: "any", timestampResolution: .nanoseconds, section: 0),
            CaptureInterface(linkType: 101, snapLength: 128, timestampResolution: TimestampResolution(exponent: 10, isPowerOfTwo: true),
                             timestampOffsetSeconds: 1000, section: 0),
            CaptureInterface(linkType: 113, snapLength: 16, timestampResolution: TimestampResolution(exponent: 3),
                             fcsLength: 4, section: 1),
            CaptureInterface(linkType: 229, snapLength: 0, timestampOffsetSeconds: -10, section: 1),
        ])
        let p = result.packets
        try #require(p.count == 7)
        #expect(p.map(\.interfaceID) == [0, 1, 2, 0, 3, 4, 3])
        #expect(p.map(\.linkType) == [1, 276, 101, 1, 113, 229, 113])
        #expect(p.map(\.timestamp) == [
            1_700_000_000_123_456_000,  // 10^-6 units
            1_700_000_000_123_456_789,  // 10^-9 units
            1_005_500_000_000,          // 5.5 s in 2^-10 units, plus 1000 s of offset
            0,                          // simple packet: no timestamp
            0,
            10_000_000_000,             // 20 s in 10^-6 units, minus 10 s of offset
            42_000_000,                 // 42 ms in 10^-3 units
        ])
        #expect(p.map(\.direction) == [.inbound, .outbound, .unknown, .unknown, .unknown, .unknown, .unknown])
        #expect(p.map(\.originalLength) == [64, 1500, 40, 70000, 100, 5, 7])
        // Simple packets: captured length is min(original, snaplen).
        #expect(p[3].data == payload(65535, seed: 1))
        #expect(p[4].data == payload(16, seed: 2))
        #expect(p[0].data == payload(64))
        #expect(p[5].data == payload(5))
        // Offsets point at the blocks.
        for packet in p {
            let type = [bytes[packet.fileOffset], bytes[packet.fileOffset + 3]]
            #expect(type == [6, 0] || type == [0, 6] || type == [3, 0] || type == [0, 3])
        }
    }

    @Test("interface descriptions right after the section header are known after init")
    func interfacesAfterInit() throws {
        let bytes = Self.twoSections(firstBigEndian: false)
        let result = readAll(bytes, limit: 0)
        let reader = try #require(result.reader)
        #expect(reader.interfaces.map(\.linkType) == [1, 276, 101])
    }

    @Test("epb_flags direction bits", arguments: [(UInt32(0), PacketDirection.unknown), (1, .inbound), (2, .outbound),
                                                   (3, .unknown), (0xffff_fff1, .inbound), (0x0100_0002, .outbound)])
    func directions(flags: UInt32, expected: PacketDirection) {
        for bigEndian in [false, true] {
            let bytes = PcapNGVector.sectionHeader(bigEndian: bigEndian)
                + PcapNGVector.interface(bigEndian: bigEndian, linkType: 1)
                + PcapNGVector.enhancedPacket(bigEndian: bigEndian, interface: 0, timestamp: 1, data: payload(9), flags: flags)
            let result = readAll(bytes)
            #expect(result.error == nil)
            #expect(result.packets.map(\.direction) == [expected])
        }
    }

    @Test("timestamp units: 10^-6, 10^-9, 2^-10, 10^-12, 2^-30, 10^0 and offsets")
    func timestampUnits() {
        let cases: [(tsresol: UInt8?, offset: Int64?, units: UInt64, expected: Int64)] = [
            (nil, nil, 1_500_000, 1_500_000_000),
            (6, nil, 7, 7000),
            (9, nil, 123_456_789_012, 123_456_789_012),
            (0x80 | 10, nil, 3 * 1024 + 256, 3_250_000_000),
            (12, nil, 1_234_567, 1234),
            (0x80 | 30, nil, 1 << 30, 1_000_000_000),
            (0, nil, 17, 17_000_000_000),
            (9, 3600, 5, 3_600_000_000_005),
            (9, -1, 5, -999_999_995),
            // Saturation rather than overflow.
            (0, nil, UInt64.max, Int64.max),
            (9, Int64.max, 1, Int64.max),
            (0x80 | 0, nil, UInt64.max, Int64.max),
            (0x80 | 127, nil, UInt64.max, 0),
            (127, nil, UInt64.max, 0),
            (20, nil, UInt64.max, 184_467_440),
        ]
        for c in cases {
            let bytes = PcapNGVector.sectionHeader(bigEndian: false)
                + PcapNGVector.interface(bigEndian: false, linkType: 1, tsresol: c.tsresol, tsoffset: c.offset)
                + PcapNGVector.enhancedPacket(bigEndian: false, interface: 0, timestamp: c.units, data: [1])
            let result = readAll(bytes)
            #expect(result.error == nil)
            #expect(result.packets.map(\.timestamp) == [c.expected], "tsresol \(String(describing: c.tsresol)) offset \(String(describing: c.offset))")
        }
    }

    @Test("obsolete packet blocks are read like enhanced ones")
    func obsoletePacketBlock() {
        var w = ByteWriter(bigEndian: true)
        w.u16(1)      // interface
        w.u16(0)      // drops
        w.u32(0)
        w.u32(2_000_000)
        w.u32(3)
        w.u32(10)
        w.raw([7, 8, 9])
        w.pad4()
        w.raw(PcapNGVector.options([PcapNGVector.Option(code: 2, value: [0, 0, 0, 2])], bigEndian: true))
        let bytes = PcapNGVector.sectionHeader(bigEndian: true)
            + PcapNGVector.interface(bigEndian: true, linkType: 1)
            + PcapNGVector.interface(bigEndian: true, linkType: 228)
            + PcapNGVector.block(2, w.bytes, bigEndian: true)
        let result = readAll(bytes)
        #expect(result.error == nil)
        #expect(result.packets.map(\.data) == [[7, 8, 9]])
        #expect(result.packets.map(\.interfaceID) == [1])
        #expect(result.packets.map(\.linkType) == [228])
        #expect(result.packets.map(\.originalLength) == [10])
        #expect(result.packets.map(\.timestamp) == [2_000_000_000])
        #expect(result.packets.map(\.direction) == [.outbound])
    }

    @Test("a section with no packets, and a file of only a section header")
    func emptySections() {
        let only = readAll(PcapNGVector.sectionHeader(bigEndian: false))
        #expect(only.error == nil)
        #expect(only.reader?.format == .pcapng)
        #expect(only.packets.isEmpty)
        let bytes = PcapNGVector.sectionHeader(bigEndian: true)
            + PcapNGVector.interface(bigEndian: true, linkType: 1)
            + PcapNGVector.sectionHeader(bigEndian: false)
            + PcapNGVector.interface(bigEndian: false, linkType: 228)
            + PcapNGVector.enhancedPacket(bigEndian: false, interface: 0, timestamp: 1, data: [0x45])
        let result = readAll(bytes)
        #expect(result.error == nil)
        #expect(result.packets.map(\.interfaceID) == [1])
        #expect(result.packets.map(\.linkType) == [228])
    }
}
