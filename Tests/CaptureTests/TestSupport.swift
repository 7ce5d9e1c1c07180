import Foundation
import RoCE
import Testing
@testable import Capture

/// A packet copied out of the reader, for comparisons.
struct ReadPacket: Equatable, CustomStringConvertible {
    var timestamp: Int64
    var interfaceID: Int
    var linkType: UInt32
    var originalLength: Int
    var direction: PacketDirection
    var fileOffset: Int
    var data: [UInt8]

    init(_ p: CapturedPacket) {
        timestamp = p.timestampNanoseconds
        interfaceID = p.interfaceID
        linkType = p.linkType
        originalLength = p.originalLength
        direction = p.direction
        fileOffset = p.fileOffset
        data = Array(p.data)
    }

    var description: String {
        "packet(ts \(timestamp), if \(interfaceID), lt \(linkType), len \(originalLength)/\(data.count), \(direction), @\(fileOffset))"
    }
}

/// What reading an input produced: the reader (nil when init failed), the packets delivered
/// and the error that ended the reading, if any.
struct ReadResult {
    var reader: CaptureReader?
    var packets: [ReadPacket] = []
    var error: CaptureError?
}

/// Reads every packet from an open descriptor.
func readAll(fileDescriptor fd: Int32, name: String, bufferSize: Int = CaptureReader.defaultBufferSize,
             limit: Int = .max) -> ReadResult {
    var result = ReadResult()
    do {
        let reader = try CaptureReader(fileDescriptor: fd, name: name, bufferSize: bufferSize)
        result.reader = reader
        while result.packets.count < limit, let packet = try reader.next() {
            result.packets.append(ReadPacket(packet))
        }
    } catch {
        result.error = error
    }
    return result
}

/// Reads every packet from a file.
func readAll(path: String, bufferSize: Int = CaptureReader.defaultBufferSize) -> ReadResult {
    var result = ReadResult()
    do {
        let reader = try CaptureReader(path: path, bufferSize: bufferSize)
        result.reader = reader
        while let packet = try reader.next() {
            result.packets.append(ReadPacket(packet))
        }
    } catch {
        result.error = error
    }
    return result
}

/// Reads every packet from in-memory bytes, passed through a pipe (so that the reader sees a
/// stream, as it would from tcpdump) when they fit in the pipe's buffer, else a temporary file.
func readAll(_ bytes: [UInt8], name: String = "test.pcap", bufferSize: Int = CaptureReader.defaultBufferSize,
             limit: Int = .max) -> ReadResult {
    if bytes.count <= 32 * 1024 {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { fatalError("pipe: \(errno)") }
        var done = 0
        bytes.withUnsafeBytes { raw in
            while done < raw.count {
                let n = write(fds[1], raw.baseAddress! + done, raw.count - done)
                guard n > 0 else { fatalError("write: \(errno)") }
                done += n
            }
        }
        close(fds[1])
        defer { close(fds[0]) }
        return readAll(fileDescriptor: fds[0], name: name, bufferSize: bufferSize, limit: limit)
    }
    let url = temporaryFile(name)
    defer { try? FileManager.default.removeItem(at: url) }
    _ = FileManager.default.createFile(atPath: url.path, contents: Data(bytes))
    let fd = open(url.path, O_RDONLY)
    defer { close(fd) }
    return readAll(fileDescriptor: fd, name: name, bufferSize: bufferSize, limit: limit)
}

/// A fresh path in the temporary directory (its callers remove the file; a directory per
/// process stayed behind, empty, after every run).
func temporaryFile(_ name: String) -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("CaptureTests-\(getpid())-\(UUID().uuidString)-\(name)")
}

/// The package root (three levels above this file) and the shared captures beside it.
enum Paths {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let captures = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/captures")

    /// Every `*.pcap` in the shared captures, sorted; empty when the folder is missing (a
    /// separate test fails then).
    static var capturePaths: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: captures.path)) ?? []
        return names.filter { $0.hasSuffix(".pcap") }.sorted().map { captures.appendingPathComponent($0).path }
    }
}

/// Failure to run an external tool.
struct ToolError: Error, CustomStringConvertible {
    var description: String
}

/// Runs a tool found on PATH (or in /usr/bin, /usr/sbin) and returns its standard output;
/// throws with a clear message when the tool is not installed or fails.
@discardableResult
func runTool(_ tool: String, _ arguments: [String]) throws -> String {
    let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        + ["/usr/bin", "/usr/sbin", "/usr/local/bin"]
    guard let executable = dirs.map({ "\($0)/\(tool)" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        throw ToolError(description: "\(tool) is not installed (it comes with Wireshark's command-line tools: apt-get install tshark)")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = temporaryFile("\(tool).out")
    let err = temporaryFile("\(tool).err")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    defer {
        try? FileManager.default.removeItem(at: out)
        try? FileManager.default.removeItem(at: err)
    }
    let outHandle = try FileHandle(forWritingTo: out)
    let errHandle = try FileHandle(forWritingTo: err)
    process.standardOutput = outHandle
    process.standardError = errHandle
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    try outHandle.close()
    try errHandle.close()
    let stdout = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
    let stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
    guard process.terminationStatus == 0 else {
        throw ToolError(description: "\(tool) \(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(stderr)")
    }
    return stdout
}

/// One packet as tshark sees it.
struct TsharkFrame: Equatable, CustomStringConvertible {
    var length: Int
    var capturedLength: Int
    var timestamp: Int64
    var interfaceID: Int?
    var direction: Int?
    var comment: String?

    var description: String {
        "frame(len \(length)/\(capturedLength), ts \(timestamp), if \(interfaceID.map(String.init) ?? "-"), dir \(direction.map(String.init) ?? "-"))"
    }
}

/// The frames of a capture file according to tshark.
func tsharkFrames(_ path: String) throws -> [TsharkFrame] {
    let output = try runTool("tshark", ["-n", "-r", path, "-T", "fields", "-E", "separator=|",
                                        "-e", "frame.len", "-e", "frame.cap_len", "-e", "frame.time_epoch",
                                        "-e", "frame.interface_id", "-e", "frame.packet_flags_direction",
                                        "-e", "frame.comment"])
    return try output.split(separator: "\n", omittingEmptySubsequences: true).map { line in
        let f = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard f.count == 6, let len = Int(f[0]), let cap = Int(f[1]), let ts = parseEpoch(f[2]) else {
            throw ToolError(description: "unexpected tshark line: \(line)")
        }
        return TsharkFrame(length: len, capturedLength: cap, timestamp: ts, interfaceID: Int(f[3]),
                           direction: parseNumber(f[4]), comment: f[5].isEmpty ? nil : f[5])
    }
}

/// "1700000000.123456789" -> nanoseconds.
func parseEpoch(_ text: String) -> Int64? {
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    guard let seconds = Int64(parts[0]) else { return nil }
    var fraction = parts.count > 1 ? String(parts[1]) : ""
    guard fraction.count <= 9 else { return nil }
    fraction += String(repeating: "0", count: 9 - fraction.count)
    guard let nanos = Int64(fraction) else { return nil }
    return seconds * 1_000_000_000 + nanos
}

/// A decimal or 0x-hex number, or nil.
func parseNumber(_ text: String) -> Int? {
    if text.hasPrefix("0x") { return Int(text.dropFirst(2), radix: 16) }
    return Int(text)
}

/// The file's bytes.
func fileBytes(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}
