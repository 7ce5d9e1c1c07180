import RoCE
import Testing
@testable import Capture

@Suite("classic pcap reading")
struct PcapReaderTests {
    static let records = [
        PcapVector.Record(seconds: 1_700_000_000, fraction: 123_456, data: payload(60)),
        PcapVector.Record(seconds: 1_700_000_001, fraction: 999_999, data: payload(1, seed: 3), originalLength: 1500),
        PcapVector.Record(seconds: 0, fraction: 0, data: []),
        PcapVector.Record(seconds: UInt32.max, fraction: 5, data: payload(333, seed: 9)),
    ]

    @Test("both byte orders, micro- and nanosecond magic", arguments: [false, true], [false, true])
    func byteOrdersAndResolutions(bigEndian: Bool, nanoseconds: Bool) throws {
        let bytes = PcapVector.file(bigEndian: bigEndian, nanoseconds: nanoseconds, linkType: 1, records: Self.records)
        let result = readAll(bytes)
        #expect(result.error == nil)
        let reader = try #require(result.reader)
        #expect(reader.format == .pcap)
        #expect(reader.interfaces == [CaptureInterface(
            linkType: 1, snapLength: 65535,
            timestampResolution: nanoseconds ? .nanoseconds : .microseconds)])
        #expect(result.packets.count == Self.records.count)
        let scale: Int64 = nanoseconds ? 1 : 1000
        var offset = 24
        for (packet, record) in zip(result.packets, Self.records) {
            #expect(packet.timestamp == Int64(record.seconds) * 1_000_000_000 + Int64(record.fraction) * scale)
            #expect(packet.data == record.data)
            #expect(packet.originalLength == Int(record.originalLength ?? UInt32(record.data.count)))
            #expect(packet.interfaceID == 0)
            #expect(packet.linkType == 1)
            #expect(packet.direction == .unknown)
            #expect(packet.fileOffset == offset)
            offset += 16 + record.data.count
        }
    }

    @Test("every link type value passes through", arguments: [
        PcapLinkType.null, PcapLinkType.ethernet, PcapLinkType.raw, PcapLinkType.ieee802_11, PcapLinkType.loop, PcapLinkType.linuxSLL,
        PcapLinkType.ipOverInfiniBand, PcapLinkType.infiniBand, PcapLinkType.ipv4, PcapLinkType.ipv6, PcapLinkType.netlink,
        PcapLinkType.linuxSLL2, 147, 65535,
    ])
    func linkTypes(linkType: UInt32) throws {
        for bigEndian in [false, true] {
            let bytes = PcapVector.file(bigEndian: bigEndian, linkType: linkType, records: Array(Self.records.prefix(2)))
            let result = readAll(bytes)
            #expect(result.error == nil)
            #expect(result.reader?.interfaces.first?.linkType == linkType)
            #expect(result.packets.map(\.linkType) == [linkType, linkType])
        }
    }

    @Test("the FCS bits of the link-type field are split off")
    func fcsBits() throws {
        // F bit (26) set, FCS length 2 (16-bit words) in bits 28-31: 4 bytes of FCS.
        let field: UInt32 = 0x2000_0000 | 0x0400_0000 | PcapLinkType.ethernet
        let result = readAll(PcapVector.file(linkType: field, records: Array(Self.records.prefix(1))))
        let interface = try #require(result.reader?.interfaces.first)
        #expect(interface.linkType == PcapLinkType.ethernet)
        #expect(interface.fcsLength == 4)
        #expect(result.packets.first?.linkType == PcapLinkType.ethernet)
        // Without the F bit the upper bits mean nothing and no FCS length is claimed.
        let plain = readAll(PcapVector.file(linkType: PcapLinkType.ethernet, records: []))
        #expect(plain.reader?.interfaces.first?.fcsLength == nil)
    }

    @Test("a header without records is a valid empty capture")
    func headerOnly() {
        let result = readAll(PcapVector.header(bigEndian: false, nanoseconds: false, linkType: 1))
        #expect(result.error == nil)
        #expect(result.reader != nil)
        #expect(result.packets.isEmpty)
    }

    @Test("captured length above the header's snaplen is accepted up to libpcap's maximum")
    func capturedAboveSnaplen() {
        // tcpdump -s 96 files sometimes hold longer records written by other tools; libpcap
        // and Wireshark read them, so the reader does too, within 262144 bytes.
        let record = PcapVector.Record(seconds: 1, fraction: 2, data: payload(200))
        let result = readAll(PcapVector.file(snaplen: 96, records: [record]))
        #expect(result.error == nil)
        #expect(result.packets.map(\.data) == [record.data])
    }

    @Test("next() keeps returning nil after the end")
    func nilAfterEnd() throws {
        let bytes = PcapVector.file(records: Array(Self.records.prefix(1)))
        let result = readAll(bytes)
        let reader = try #require(result.reader)
        #expect(try reader.next() == nil)
        #expect(try reader.next() == nil)
    }
}
