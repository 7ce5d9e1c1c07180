import Foundation
import Testing
@testable import Capture

/// The shared SoftRoCE captures, read by the reader and by tshark: the same packets, lengths
/// and timestamps. Also the same captures converted by editcap to pcapng and nanosecond pcap.
@Suite("real captures")
struct RealCaptureTests {
    @Test("the shared captures are there")
    func capturesPresent() {
        #expect(Paths.capturePaths.count >= 1, "no *.pcap in \(Paths.captures.path)")
    }

    @Test("packets, lengths and timestamps equal tshark's", arguments: Paths.capturePaths)
    func matchesTshark(path: String) throws {
        let expected = try tsharkFrames(path)
        let result = readAll(path: path)
        #expect(result.error == nil)
        try check(result, against: expected, path: path)
        #expect(result.reader?.format == .pcap)
        #expect(result.reader?.interfaces.map(\.linkType) == [PcapLinkType.ethernet])
    }

    @Test("files converted by editcap to pcapng and nanosecond pcap read the same")
    func editcapConversions() throws {
        let source = try #require(Paths.capturePaths.first { $0.hasSuffix("/rc_pingpong.pcap") } ?? Paths.capturePaths.first)
        let expected = try tsharkFrames(source)
        let original = readAll(path: source)
        #expect(original.error == nil)
        for (format, fileFormat) in [("pcapng", CaptureFormat.pcapng), ("nsecpcap", .pcap)] {
            let converted = temporaryFile("converted.\(format)")
            defer { try? FileManager.default.removeItem(at: converted) }
            try runTool("editcap", ["-F", format, source, converted.path])
            let result = readAll(path: converted.path)
            #expect(result.error == nil)
            #expect(result.reader?.format == fileFormat)
            try check(result, against: expected, path: converted.path)
            // Same bytes, lengths, timestamps and link type as the original.
            #expect(result.packets.map(\.data) == original.packets.map(\.data))
            #expect(result.packets.map(\.timestamp) == original.packets.map(\.timestamp))
            #expect(result.packets.map(\.linkType) == original.packets.map(\.linkType))
        }
    }

    @Test("a small buffer gives the same packets (compaction and growth paths)")
    func smallBuffer() throws {
        for path in Paths.capturePaths.prefix(3) {
            let big = readAll(path: path)
            let small = readAll(path: path, bufferSize: 100)
            #expect(small.error == nil)
            #expect(small.packets == big.packets)
        }
    }

    private func check(_ result: ReadResult, against expected: [TsharkFrame], path: String) throws {
        #expect(result.packets.count == expected.count, "\(path)")
        #expect(result.packets.reduce(0) { $0 + $1.data.count } == expected.reduce(0) { $0 + $1.capturedLength }, "\(path)")
        for (i, (packet, frame)) in zip(result.packets, expected).enumerated() {
            guard packet.data.count == frame.capturedLength, packet.originalLength == frame.length,
                  packet.timestamp == frame.timestamp else {
                Issue.record("\(path): packet \(i + 1): reader \(packet), tshark \(frame)")
                return
            }
        }
    }
}
