import Foundation
import Testing
@testable import Capture

@Suite("streaming input")
struct StreamingTests {
    @Test("a pipe fed in odd-sized chunks by another thread")
    func pipeFromThread() throws {
        let path = try #require(Paths.capturePaths.first { $0.hasSuffix("/rping.pcap") } ?? Paths.capturePaths.first)
        let bytes = try fileBytes(path)
        let expected = readAll(path: path)
        let pipe = Pipe()
        let writeFD = pipe.fileHandleForWriting.fileDescriptor
        let feeder = Thread {
            var offset = 0
            var chunk = 1
            bytes.withUnsafeBytes { raw in
                while offset < raw.count {
                    let size = min(chunk, raw.count - offset)
                    let n = write(writeFD, raw.baseAddress! + offset, size)
                    if n <= 0 { break }
                    offset += n
                    chunk = chunk * 3 % 1999 + 1
                }
            }
            try? pipe.fileHandleForWriting.close()
        }
        feeder.start()
        let result = readAll(fileDescriptor: pipe.fileHandleForReading.fileDescriptor, name: "pipe", bufferSize: 256)
        #expect(result.error == nil)
        #expect(result.packets.count == expected.packets.count)
        #expect(result.packets == expected.packets)
    }

    @Test("a read deadline: no input yet is not a fault, and the next call goes on")
    func readDeadline() throws {
        let path = try #require(Paths.capturePaths.first { $0.hasSuffix("/rping.pcap") } ?? Paths.capturePaths.first)
        let bytes = try fileBytes(path)
        let expected = readAll(path: path)
        let pipe = Pipe()
        let w = pipe.fileHandleForWriting.fileDescriptor
        // The file header and the first record, then a pause: a record cut in the middle.
        let firstRecord = 24 + 16 + Int(bytes[24 + 8]) + Int(bytes[24 + 9]) << 8
        let cut = firstRecord + 20
        bytes.withUnsafeBytes { _ = write(w, $0.baseAddress!, cut) }
        let reader = try CaptureReader(fileDescriptor: pipe.fileHandleForReading.fileDescriptor, name: "pipe")
        reader.readDeadline = CaptureReader.monotonicNow() + 20_000_000
        let first = try #require(try reader.next())
        #expect(ReadPacket(first) == expected.packets[0])
        for _ in 0..<3 {
            reader.readDeadline = CaptureReader.monotonicNow() + 20_000_000
            #expect(throws: CaptureError.self) { try reader.next() }
            do { _ = try reader.next() } catch { #expect(error.kind == .notReady) }
        }
        bytes.withUnsafeBytes { _ = write(w, $0.baseAddress! + cut, bytes.count - cut) }
        try pipe.fileHandleForWriting.close()
        reader.readDeadline = CaptureReader.monotonicNow() + 5_000_000_000
        var rest: [ReadPacket] = []
        while let p = try reader.next() { rest.append(ReadPacket(p)) }
        #expect(rest == Array(expected.packets.dropFirst()), "the cut record and the rest, once each")
    }

    @Test("cat file | reader")
    func catPipe() throws {
        for path in Paths.capturePaths.prefix(2) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/cat")
            process.arguments = [path]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let result = readAll(fileDescriptor: pipe.fileHandleForReading.fileDescriptor, name: "cat")
            process.waitUntilExit()
            let expected = readAll(path: path)
            #expect(result.error == nil)
            #expect(result.packets == expected.packets)
        }
    }

    @Test("a pcapng stream converted by editcap, through a pipe")
    func pcapngPipe() throws {
        let source = try #require(Paths.capturePaths.first)
        let converted = temporaryFile("pipe.pcapng")
        defer { try? FileManager.default.removeItem(at: converted) }
        try runTool("editcap", ["-F", "pcapng", source, converted.path])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/cat")
        process.arguments = [converted.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let result = readAll(fileDescriptor: pipe.fileHandleForReading.fileDescriptor, name: "cat", bufferSize: 1000)
        process.waitUntilExit()
        #expect(result.error == nil)
        #expect(result.packets.map(\.data) == readAll(path: source).packets.map(\.data))
    }

    @Test("\"-\" reads standard input")
    func standardInput() throws {
        let bytes = PcapVector.file(records: [.init(seconds: 1, fraction: 2, data: payload(10))])
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        #expect(bytes.withUnsafeBytes { write(fds[1], $0.baseAddress!, $0.count) } == bytes.count)
        close(fds[1])
        // Standard input may be closed (CI runs without one); then pipe() may hand out fd 0.
        let saved = dup(STDIN_FILENO)
        if fds[0] != STDIN_FILENO {
            dup2(fds[0], STDIN_FILENO)
            close(fds[0])
        }
        defer {
            if saved >= 0 {
                dup2(saved, STDIN_FILENO)
                close(saved)
            } else {
                close(STDIN_FILENO)
            }
        }
        let result = readAll(path: "-")
        #expect(result.error == nil)
        #expect(result.reader?.name == "stdin")
        #expect(result.packets.map(\.data) == [payload(10)])
    }

    @Test("a record larger than the buffer grows it")
    func largeRecord() throws {
        let huge = payload(5 << 20, seed: 7)
        let pcap = PcapVector.file(snaplen: UInt32(huge.count), records: [
            .init(seconds: 1, fraction: 0, data: [1, 2, 3]),
            .init(seconds: 2, fraction: 0, data: huge),
            .init(seconds: 3, fraction: 0, data: [4]),
        ])
        let result = readAll(pcap)
        #expect(result.error == nil)
        #expect(result.packets.map(\.data.count) == [3, huge.count, 1])
        #expect(result.packets[1].data == huge)

        let ng = PcapNGVector.sectionHeader(bigEndian: false) + PcapNGVector.interface(bigEndian: false, linkType: 1)
            + PcapNGVector.enhancedPacket(bigEndian: false, interface: 0, timestamp: 1, data: huge)
            + PcapNGVector.enhancedPacket(bigEndian: false, interface: 0, timestamp: 2, data: [9])
        let ngResult = readAll(ng, bufferSize: 4096)
        #expect(ngResult.error == nil)
        #expect(ngResult.packets.map(\.data.count) == [huge.count, 1])
        #expect(ngResult.packets.first?.data == huge)
    }

    @Test("packet data stays valid until the next call")
    func borrowedData() throws {
        let path = try #require(Paths.capturePaths.first)
        let reader = try CaptureReader(path: path, bufferSize: 64)
        while let packet = try reader.next() {
            let copy = Array(packet.data)
            #expect(packet.data.elementsEqual(copy))
            #expect(packet.data.count == copy.count)
        }
    }
}
