import Foundation
import Testing
@testable import Capture

/// Files written as root: never through a symbolic link, never into a FIFO or a device,
/// captures private and never replacing a file.
@Suite("output file safety")
struct OutputSafetyTests {
    func directory() throws -> URL {
        let url = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("rdmatop-out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("a symbolic link is refused, its target untouched", arguments: [OutputCreation.replace, .newPrivate])
    func symbolicLink(creation: OutputCreation) throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = dir.appendingPathComponent("precious").path
        try "keep me\n".write(toFile: target, atomically: false, encoding: .utf8)
        let link = dir.appendingPathComponent("capture.pcapng").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        #expect { try PcapNGWriter(path: link, creation: creation) } throws: { error in
            (error as? CaptureError)?.description.contains("symbolic link") == true
        }
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep me\n")
    }

    @Test("a FIFO is refused at once, not waited on")
    func fifo() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("fifo").path
        #expect(mkfifo(path, 0o600) == 0)
        #expect { try PcapWriter(path: path, linkType: 1) } throws: { error in
            (error as? CaptureError)?.description.contains("not a regular file") == true
        }
    }

    @Test("a capture is mode 0600 and never replaces a file")
    func privateCapture() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("live.pcapng").path
        let old = umask(0)
        defer { umask(old) }
        let writer = try PcapNGWriter(path: path, creation: .newPrivate)
        try writer.close()
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
        #expect { try PcapNGWriter(path: path, creation: .newPrivate) } throws: { error in
            (error as? CaptureError)?.description.contains("never replaces") == true
        }
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int == size, "left as it was")
    }

    @Test("replacing a regular file truncates it")
    func replace() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("gen.pcap").path
        try String(repeating: "x", count: 10_000).write(toFile: path, atomically: false, encoding: .utf8)
        let writer = try PcapWriter(path: path, linkType: 1)
        try writer.close()
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int == 24, "just the pcap header")
    }
}
