import Foundation
import RoCE
import Testing
@testable import Capture

@Suite("writers")
struct WriterTests {
    struct Sample {
        var interface: Int
        var timestamp: Int64
        var data: [UInt8]
        var originalLength: Int?
        var direction: PacketDirection
    }

    static let samples: [Sample] = [
        Sample(interface: 0, timestamp: 1_700_000_000_000_000_001, data: payload(60), originalLength: nil, direction: .inbound),
        Sample(interface: 1, timestamp: 1_700_000_000_500_000_000, data: payload(41, seed: 1), originalLength: nil, direction: .outbound),
        Sample(interface: 0, timestamp: 1_700_000_001_999_999_999, data: payload(300, seed: 2), originalLength: 9000, direction: .outbound),
        Sample(interface: 1, timestamp: 1_700_000_002_000_000_000, data: payload(1, seed: 3), originalLength: nil, direction: .unknown),
        Sample(interface: 0, timestamp: 5, data: [], originalLength: 64, direction: .inbound),
        Sample(interface: 1, timestamp: 1_800_000_000_123_456_789, data: payload(1200, seed: 4), originalLength: nil, direction: .inbound),
    ]

    @Test("pcapng round trip through the reader and tshark")
    func pcapngRoundTrip() throws {
        let url = temporaryFile("out.pcapng")
        defer { try? FileManager.default.removeItem(at: url) }
        let writer = try PcapNGWriter(path: url.path)
        #expect(try writer.addInterface(linkType: PcapLinkType.ethernet, snaplen: 1000, name: "veth0") == 0)
        #expect(try writer.addInterface(linkType: PcapLinkType.ipv4, snaplen: 0) == 1)
        for s in Self.samples {
            try writer.write(interfaceID: s.interface, timestampNanoseconds: s.timestamp, originalLength: s.originalLength,
                             data: s.data, direction: s.direction)
        }
        try writer.close()

        // Expected after the snapshot length of 1000 on interface 0.
        let result = readAll(path: url.path)
        #expect(result.error == nil)
        let reader = try #require(result.reader)
        #expect(reader.format == .pcapng)
        #expect(reader.interfaces == [
            CaptureInterface(linkType: 1, snapLength: 1000, name: "veth0", timestampResolution: .nanoseconds),
            CaptureInterface(linkType: 228, snapLength: 0, timestampResolution: .nanoseconds),
        ])
        #expect(result.packets.map(\.interfaceID) == Self.samples.map(\.interface))
        #expect(result.packets.map(\.linkType) == Self.samples.map { $0.interface == 0 ? 1 : 228 })
        #expect(result.packets.map(\.timestamp) == Self.samples.map(\.timestamp))
        #expect(result.packets.map(\.data) == Self.samples.map(\.data))
        #expect(result.packets.map(\.originalLength) == Self.samples.map { $0.originalLength ?? $0.data.count })
        #expect(result.packets.map(\.direction) == Self.samples.map(\.direction))

        let frames = try tsharkFrames(url.path)
        #expect(frames == Self.samples.map { s in
            TsharkFrame(length: s.originalLength ?? s.data.count, capturedLength: s.data.count, timestamp: s.timestamp,
                        interfaceID: s.interface, direction: s.direction == .unknown ? nil : Int(s.direction.rawValue),
                        comment: nil)
        })
        let names = try runTool("tshark", ["-n", "-r", url.path, "-T", "fields", "-e", "frame.interface_name"])
        // tshark calls an interface without if_name "unknown".
        #expect(names.split(separator: "\n").map(String.init) == Self.samples.map { $0.interface == 0 ? "veth0" : "unknown" })
        let info = try runTool("capinfos", ["-M", "-c", url.path])
        #expect(info.contains("Number of packets:   \(Self.samples.count)"))
    }

    @Test("pcapng writer cuts packets to the snapshot length")
    func snaplenCut() throws {
        let url = temporaryFile("cut.pcapng")
        defer { try? FileManager.default.removeItem(at: url) }
        let writer = try PcapNGWriter(path: url.path)
        let id = try writer.addInterface(linkType: PcapLinkType.ethernet, snaplen: 64)
        try writer.write(interfaceID: id, timestampNanoseconds: 1, data: payload(200))
        try writer.close()
        let result = readAll(path: url.path)
        #expect(result.packets.map(\.data) == [Array(payload(200).prefix(64))])
        #expect(result.packets.map(\.originalLength) == [200])
        #expect(try tsharkFrames(url.path).map(\.capturedLength) == [64])
    }

    @Test("classic pcap round trip through the reader and tshark")
    func pcapRoundTrip() throws {
        let url = temporaryFile("out.pcap")
        defer { try? FileManager.default.removeItem(at: url) }
        let writer = try PcapWriter(path: url.path, linkType: PcapLinkType.ethernet, snaplen: 1000)
        for s in Self.samples {
            try writer.write(timestampNanoseconds: s.timestamp, originalLength: s.originalLength, data: s.data)
        }
        try writer.close()
        let bytes = try fileBytes(url.path)
        #expect(Array(bytes.prefix(4)) == [0x4d, 0x3c, 0xb2, 0xa1])
        let result = readAll(path: url.path)
        #expect(result.error == nil)
        #expect(result.reader?.interfaces == [CaptureInterface(linkType: 1, snapLength: 1000, timestampResolution: .nanoseconds)])
        #expect(result.packets.map(\.timestamp) == Self.samples.map(\.timestamp))
        // The snapshot length of 1000 cuts the last sample.
        #expect(result.packets.map(\.data) == Self.samples.map { Array($0.data.prefix(1000)) })
        #expect(result.packets.map(\.originalLength) == Self.samples.map { $0.originalLength ?? $0.data.count })
        let frames = try tsharkFrames(url.path)
        #expect(frames.map(\.length) == Self.samples.map { $0.originalLength ?? $0.data.count })
        #expect(frames.map(\.capturedLength) == Self.samples.map { min($0.data.count, 1000) })
        #expect(frames.map(\.timestamp) == Self.samples.map(\.timestamp))
        let info = try runTool("capinfos", ["-M", "-t", url.path])
        #expect(info.contains("nanosecond libpcap") || info.contains("nsecpcap"), "\(info)")
    }

    @Test("many packets: the output buffer is flushed as it fills; large packets pass")
    func manyPackets() throws {
        let url = temporaryFile("many.pcapng")
        defer { try? FileManager.default.removeItem(at: url) }
        let writer = try PcapNGWriter(path: url.path)
        let id = try writer.addInterface(linkType: PcapLinkType.ethernet, snaplen: 0)
        let big = payload(3 << 20, seed: 5)
        var expected: [Int] = []
        for i in 0..<20_000 {
            let size = i == 777 ? big.count : i % 1500
            try big.withUnsafeBytes { raw in
                try writer.write(interfaceID: id, timestampNanoseconds: Int64(i),
                                 data: UnsafeRawBufferPointer(rebasing: raw.prefix(size)),
                                 direction: i % 2 == 0 ? .inbound : .outbound)
            }
            expected.append(size)
        }
        try writer.close()
        let result = readAll(path: url.path)
        #expect(result.error == nil)
        #expect(result.packets.map(\.data.count) == expected)
        #expect(result.packets[777].data == big)
        #expect(result.packets.map(\.timestamp) == (0..<20_000).map(Int64.init))
        #expect(result.packets.map(\.direction) == (0..<20_000).map { $0 % 2 == 0 ? .inbound : .outbound })
        // (Not checked with tshark: Wireshark refuses packets over 262144 captured bytes.)
    }

    @Test("writer misuse is an error, not a trap")
    func misuse() throws {
        let url = temporaryFile("misuse.pcapng")
        defer { try? FileManager.default.removeItem(at: url) }
        let writer = try PcapNGWriter(path: url.path)
        #expect(throws: CaptureError.self) { try writer.write(interfaceID: 0, timestampNanoseconds: 0, data: [1]) }
        #expect(throws: CaptureError.self) { try writer.addInterface(linkType: 70_000) }
        #expect(throws: CaptureError.self) { try writer.addInterface(linkType: 1, snaplen: -1) }
        let id = try writer.addInterface(linkType: 1)
        #expect(throws: CaptureError.self) { try writer.write(interfaceID: id, timestampNanoseconds: -1, data: [1]) }
        #expect(throws: CaptureError.self) { try writer.write(interfaceID: id, timestampNanoseconds: 0, originalLength: 1, data: [1, 2]) }
        #expect(throws: CaptureError.self) { try writer.write(interfaceID: -1, timestampNanoseconds: 0, data: [1]) }
        try writer.write(interfaceID: id, timestampNanoseconds: 0, data: [1])
        try writer.close()
        try writer.close()
        #expect(throws: CaptureError(.closed, source: url.path)) {
            try writer.write(interfaceID: id, timestampNanoseconds: 0, data: [1])
        }
        #expect(readAll(path: url.path).packets.count == 1)

        let pcapURL = temporaryFile("misuse.pcap")
        defer { try? FileManager.default.removeItem(at: pcapURL) }
        #expect(throws: CaptureError.self) { try PcapWriter(path: pcapURL.path, linkType: 1, snaplen: 0) }
        let pcap = try PcapWriter(path: pcapURL.path, linkType: 1)
        #expect(throws: CaptureError.self) { try pcap.write(timestampNanoseconds: -1, data: [1]) }
        #expect(throws: CaptureError.self) { try pcap.write(timestampNanoseconds: (Int64(UInt32.max) + 1) * 1_000_000_000, data: [1]) }
        try pcap.write(timestampNanoseconds: Int64(UInt32.max) * 1_000_000_000 + 999_999_999, data: [1])
        try pcap.close()
        #expect(readAll(path: pcapURL.path).packets.map(\.timestamp) == [Int64(UInt32.max) * 1_000_000_000 + 999_999_999])

        #expect(throws: CaptureError.self) { try PcapNGWriter(path: "/nonexistent/dir/x.pcapng") }
        do {
            _ = try PcapWriter(path: "/nonexistent/dir/x.pcap", linkType: 1)
        } catch {
            #expect(error.description == "cannot open /nonexistent/dir/x.pcap: No such file or directory")
        }
    }

    @Test("writers to a descriptor leave it open")
    func descriptorWriter() throws {
        let url = temporaryFile("fd.pcap")
        defer { try? FileManager.default.removeItem(at: url) }
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        try #require(fd >= 0)
        let writer = try PcapWriter(fileDescriptor: fd, linkType: PcapLinkType.raw)
        try writer.write(timestampNanoseconds: 1, data: [0x45, 0, 0, 20])
        try writer.close()
        #expect(write(fd, "", 0) == 0)  // still open
        close(fd)
        let result = readAll(path: url.path)
        #expect(result.packets.map(\.linkType) == [PcapLinkType.raw])
    }
}
