import Foundation
import Testing
@testable import Capture

@Suite("reader errors")
struct ReaderErrorTests {
    static let good = [
        PcapVector.Record(seconds: 10, fraction: 1, data: payload(50)),
        PcapVector.Record(seconds: 11, fraction: 2, data: payload(70)),
    ]

    /// A pcap file of the two good records, then `tail`.
    static func pcap(then tail: [UInt8], snaplen: UInt32 = 65535) -> [UInt8] {
        PcapVector.file(snaplen: snaplen, records: good) + tail
    }

    /// Offset after the header and the two good records.
    static let faultOffset = 24 + 16 + 50 + 16 + 70

    @Test("empty input")
    func empty() {
        let result = readAll([], name: "empty.pcap")
        #expect(result.reader == nil)
        #expect(result.error?.kind == .emptyFile)
        #expect(result.error?.description == "empty.pcap: empty file (not a pcap or pcapng file)")
    }

    @Test("missing file")
    func missingFile() {
        let result = readAll(path: "/nonexistent/x.pcap")
        #expect(result.error?.description == "cannot open /nonexistent/x.pcap: No such file or directory")
    }

    @Test("bad magic")
    func badMagic() {
        let result = readAll([0x12, 0x34, 0x56, 0x78] + [UInt8](repeating: 0, count: 40), name: "x.bin")
        #expect(result.error?.kind == .badMagic(0x1234_5678))
        #expect(result.error?.description == "x.bin: not a pcap or pcapng file (magic 0x12345678)")
        let text = readAll(Array("hello world, this is text\n".utf8), name: "t.txt")
        #expect(text.error?.description == "t.txt: not a pcap or pcapng file (magic 0x68656c6c)")
    }

    @Test("truncated global header", arguments: [1, 3, 4, 23])
    func truncatedHeader(size: Int) {
        let bytes = Array(PcapVector.header(bigEndian: false, nanoseconds: false, linkType: 1).prefix(size))
        let result = readAll(bytes, name: "h.pcap")
        #expect(result.reader == nil)
        let needed = size < 4 ? 4 - size : 24 - size
        #expect(result.error?.kind == .truncatedFileHeader(needed: needed))
        #expect(result.error?.offset == 0)
        #expect(result.error?.description == "h.pcap: truncated file header at byte 0 (need \(needed) more bytes)")
    }

    @Test("unsupported pcap version")
    func pcapVersion() {
        let bytes = PcapVector.header(bigEndian: true, nanoseconds: false, linkType: 1, major: 3, minor: 0)
        #expect(readAll(bytes).error?.kind == .unsupportedPcapVersion(major: 3, minor: 0))
    }

    @Test("truncated record header: earlier packets delivered, then the error", arguments: [1, 8, 15])
    func truncatedRecordHeader(size: Int) {
        let tail = Array(PcapVector.record(.init(seconds: 1, fraction: 1, data: [1, 2]), bigEndian: false).prefix(size))
        let result = readAll(Self.pcap(then: tail), name: "capture.pcap")
        #expect(result.packets.map(\.data) == Self.good.map(\.data))
        #expect(result.error?.kind == .truncatedRecordHeader(needed: 16 - size))
        #expect(result.error?.offset == Self.faultOffset)
        #expect(result.error?.description
                == "capture.pcap: truncated packet record header at byte \(Self.faultOffset) (need \(16 - size) more bytes)")
    }

    @Test("truncated record data", arguments: [0, 1, 99])
    func truncatedRecordData(dataBytes: Int) {
        let tail = Array(PcapVector.record(.init(seconds: 1, fraction: 1, data: payload(100)), bigEndian: true).prefix(16 + dataBytes))
        let bytes = PcapVector.file(bigEndian: true, records: Self.good) + tail
        let result = readAll(bytes, name: "capture.pcap")
        #expect(result.packets.count == 2)
        #expect(result.error?.kind == .truncatedRecordData(needed: 100 - dataBytes))
        #expect(result.error?.description
                == "capture.pcap: truncated packet record at byte \(Self.faultOffset) (need \(100 - dataBytes) more bytes)")
    }

    @Test("captured length beyond any sane snapshot length")
    func capturedLengthNonsense() {
        let tail = PcapVector.record(.init(seconds: 1, fraction: 1, data: payload(8), capturedLengthField: 0x7fff_0000),
                                     bigEndian: false)
        let result = readAll(Self.pcap(then: tail, snaplen: 256), name: "c.pcap")
        #expect(result.packets.count == 2)
        #expect(result.error?.kind == .capturedLengthTooLarge(length: 0x7fff_0000, limit: 262_144))
        #expect(result.error?.offset == Self.faultOffset)
        #expect(result.error?.description
                == "c.pcap: packet record at byte \(Self.faultOffset) claims 2147418112 captured bytes, more than the limit of 262144")
        // A file whose header claims a huge snaplen still cannot make the reader buffer more
        // than its upper bound.
        let huge = PcapVector.file(snaplen: UInt32.max, records: []) + PcapVector.record(
            .init(seconds: 1, fraction: 1, data: [], capturedLengthField: 0xffff_fff0), bigEndian: false)
        #expect(readAll(huge).error?.kind == .capturedLengthTooLarge(length: 0xffff_fff0, limit: CaptureReader.maximumRecordSize - 16))
    }

    @Test("the error is sticky")
    func sticky() throws {
        let tail = Array(PcapVector.record(.init(seconds: 1, fraction: 1, data: [1, 2]), bigEndian: false).prefix(5))
        let result = readAll(Self.pcap(then: tail))
        let reader = try #require(result.reader)
        let expected = try #require(result.error)
        #expect(throws: expected) { try reader.next() }
        #expect(throws: expected) { try reader.next() }
    }

    // MARK: pcapng

    typealias V = PcapNGVector

    /// SHB + IDB + one packet, then `tail`; returns bytes and the offset where `tail` starts.
    static func pcapng(then tail: [UInt8], bigEndian: Bool = false) -> ([UInt8], Int) {
        let head = V.sectionHeader(bigEndian: bigEndian) + V.interface(bigEndian: bigEndian, linkType: 1, snaplen: 100)
            + V.enhancedPacket(bigEndian: bigEndian, interface: 0, timestamp: 5, data: payload(20))
        return (head + tail, head.count)
    }

    @Test("pcapng block length: odd, too small, mismatched trailer", arguments: [false, true])
    func blockLengths(bigEndian: Bool) {
        let epb = V.enhancedPacket(bigEndian: bigEndian, interface: 0, timestamp: 1, data: payload(8))
        let cases: [(UInt32?, UInt32?, CaptureError.Kind)] = [
            (7, nil, .badBlockLength(7, reason: "less than the 12-byte minimum")),
            (41, nil, .badBlockLength(41, reason: "not a multiple of 4")),
            (28, nil, .badBlockLength(28, reason: "enhanced packet block needs at least 32 bytes")),
            (0, nil, .badBlockLength(0, reason: "less than the 12-byte minimum")),
            (nil, 44, .blockLengthMismatch(leading: 40, trailing: 44)),
            (0x1000_0004, nil, .blockTooLarge(0x1000_0004, limit: CaptureReader.maximumRecordSize)),
        ]
        for (length, trailing, kind) in cases {
            let block = V.block(6, Array(epb[8..<(epb.count - 4)]), bigEndian: bigEndian,
                                lengthOverride: length, trailingOverride: trailing ?? length)
            let (bytes, offset) = Self.pcapng(then: block, bigEndian: bigEndian)
            let result = readAll(bytes, name: "b.pcapng")
            #expect(result.packets.map(\.data) == [payload(20)])
            #expect(result.error?.kind == kind)
            #expect(result.error?.offset == offset)
        }
        // The message the brief asks for.
        let block = V.block(6, Array(epb[8..<(epb.count - 4)]), bigEndian: bigEndian, lengthOverride: 7)
        let (bytes, offset) = Self.pcapng(then: block, bigEndian: bigEndian)
        #expect(readAll(bytes, name: "b.pcapng").error?.description
                == "b.pcapng: bad pcapng block length 7 at byte \(offset) (less than the 12-byte minimum)")
    }

    @Test("truncated pcapng block", arguments: [1, 7, 8, 20, 39])
    func truncatedBlock(size: Int) {
        let epb = V.enhancedPacket(bigEndian: false, interface: 0, timestamp: 1, data: payload(8))
        #expect(epb.count == 40)
        let (bytes, offset) = Self.pcapng(then: Array(epb.prefix(size)))
        let result = readAll(bytes, name: "t.pcapng")
        #expect(result.packets.count == 1)
        let needed = size < 8 ? 8 - size : 40 - size
        #expect(result.error?.kind == .truncatedBlock(needed: needed))
        #expect(result.error?.description == "t.pcapng: truncated pcapng block at byte \(offset) (need \(needed) more bytes)")
    }

    @Test("captured length larger than the block")
    func capturedBeyondBlock() {
        for field: UInt32 in [9, 12, 13, 0xffff_ffff] {
            let epb = V.enhancedPacket(bigEndian: true, interface: 0, timestamp: 1, data: payload(8), capturedLengthField: field)
            let (bytes, offset) = Self.pcapng(then: epb, bigEndian: true)
            let result = readAll(bytes)
            #expect(result.packets.count == 1)
            #expect(result.error?.kind == .capturedLengthExceedsBlock(Int(field)))
            #expect(result.error?.offset == offset)
        }
        // A simple packet block whose snaplen-limited length does not fit.
        let spb = V.simplePacket(bigEndian: false, originalLength: 200, data: payload(40))
        let (bytes, offset) = Self.pcapng(then: spb)
        let result = readAll(bytes)
        #expect(result.error?.kind == .capturedLengthExceedsBlock(100))
        #expect(result.error?.offset == offset)
    }

    @Test("packet for an interface the section has not described")
    func unknownInterface() {
        let epb = V.enhancedPacket(bigEndian: false, interface: 1, timestamp: 1, data: payload(8))
        let (bytes, offset) = Self.pcapng(then: epb)
        let result = readAll(bytes, name: "i.pcapng")
        #expect(result.packets.count == 1)
        #expect(result.error?.kind == .unknownInterface(1))
        #expect(result.error?.description
                == "i.pcapng: packet block at byte \(offset) refers to interface 1, which its section does not describe")
        // Interfaces of an earlier section do not count in a later one.
        let next = V.sectionHeader(bigEndian: true) + V.enhancedPacket(bigEndian: true, interface: 0, timestamp: 1, data: [1])
        let (bytes2, offset2) = Self.pcapng(then: next)
        let result2 = readAll(bytes2)
        #expect(result2.error?.kind == .unknownInterface(0))
        #expect(result2.error?.offset == offset2 + 28)
        let spb = V.sectionHeader(bigEndian: false) + V.simplePacket(bigEndian: false, originalLength: 1, data: [1])
        #expect(readAll(Self.pcapng(then: spb).0).error?.kind == .unknownInterface(0))
    }

    @Test("bad section headers")
    func badSectionHeaders() {
        var shb = V.sectionHeader(bigEndian: false)
        shb[8] = 0x11
        let (bytes, offset) = Self.pcapng(then: shb)
        let result = readAll(bytes)
        #expect(result.packets.count == 1)
        #expect(result.error?.kind == .badByteOrderMagic(0x1a2b_3c11))
        #expect(result.error?.offset == offset + 8)
        let v2 = V.sectionHeader(bigEndian: true, major: 2)
        let result2 = readAll(v2)
        #expect(result2.reader == nil)
        #expect(result2.error?.kind == .unsupportedPcapNGVersion(major: 2, minor: 0))
        // A first block cut short is a truncated file header.
        let cut = readAll(Array(V.sectionHeader(bigEndian: false).prefix(10)))
        #expect(cut.error?.kind == .truncatedFileHeader(needed: 2))
        let cut2 = readAll(Array(V.sectionHeader(bigEndian: false).prefix(20)))
        #expect(cut2.error?.kind == .truncatedFileHeader(needed: 8))
    }

    @Test("malformed options")
    func malformedOptions() {
        // An if_name option claiming more bytes than the block holds.
        var w = ByteWriter(bigEndian: false)
        w.u16(1); w.u16(0); w.u32(0)
        w.u16(2); w.u16(200); w.raw(Array("eth0".utf8))
        let idb = V.block(1, w.bytes, bigEndian: false)
        let (bytes, offset) = Self.pcapng(then: idb)
        let result = readAll(bytes)
        #expect(result.packets.count == 1)
        #expect(result.error?.kind == .malformedOption(code: 2))
        #expect(result.error?.offset == offset)
        // Right after the section header it is found by next(), not init.
        let early = readAll(V.sectionHeader(bigEndian: false) + idb)
        #expect(early.reader != nil)
        #expect(early.error?.kind == .malformedOption(code: 2))
        #expect(early.error?.offset == 28)
    }

    @Test("error messages are one line")
    func oneLine() {
        let errors: [CaptureError] = [
            CaptureError(.readFailed("Input/output error"), source: "a", offset: 5),
            CaptureError(.writeFailed("No space left on device"), source: "b"),
            CaptureError(.closed, source: "c"),
        ]
        #expect(errors.map(\.description) == [
            "a: read error at byte 5: Input/output error",
            "b: write error: No space left on device",
            "c: already closed",
        ])
    }
}
