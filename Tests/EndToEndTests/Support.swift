import Foundation
import Testing

/// Paths of the package, the built products and ../shared.
enum Paths {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let shared = root.deletingLastPathComponent().appendingPathComponent("shared")
    static let captures = shared.appendingPathComponent("captures")

    /// The directory holding the built executables (the test bundle's directory).
    static let products: URL = {
        let candidates = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent(),
                          URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
        for c in candidates where FileManager.default.isExecutableFile(atPath: c.appendingPathComponent("rdmatop").path) {
            return c
        }
        return root.appendingPathComponent(".build/debug")
    }()

    static var rdmatop: String { products.appendingPathComponent("rdmatop").path }
    static var rocegen: String { products.appendingPathComponent("rocegen").path }

    /// The real SoftRoCE captures of ../shared/captures.
    static func realCaptures() throws -> [URL] {
        let names = try FileManager.default.contentsOfDirectory(atPath: captures.path)
        return names.filter { $0.hasSuffix(".pcap") }.sorted().map { captures.appendingPathComponent($0) }
    }

    /// A fresh temporary directory, inside this test process's own folder, which goes when the
    /// process exits (the captures the tests write come to a few hundred MB a run).
    static func temporaryDirectory() throws -> URL {
        let url = try temporaryRoot.get().appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// `rdmatop-test-PID` in the temporary folder, made once and removed at exit.
    private static let temporaryRoot: Result<URL, Error> = Result {
        let url = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("rdmatop-test-\(getpid())")
        try? FileManager.default.removeItem(at: url)  // a folder left by a killed run with this PID
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { if case .success(let url) = Paths.temporaryRoot { try? FileManager.default.removeItem(at: url) } }
        return url
    }
}

/// The result of running a program.
struct RunResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `executable` with `arguments`, collecting its output.
@discardableResult
func run(_ executable: String, _ arguments: [String], stdin: Data? = nil) throws -> RunResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let input = Pipe()
    process.standardInput = stdin == nil ? FileHandle.nullDevice : input
    try process.run()
    if let stdin {
        input.fileHandleForWriting.write(stdin)
        try input.fileHandleForWriting.close()
    }
    // Read both pipes concurrently so neither fills up.
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        errData = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return RunResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                     stderr: String(decoding: errData, as: UTF8.self))
}

/// Runs rdmatop.
func rdmatop(_ arguments: String...) throws -> RunResult { try run(Paths.rdmatop, arguments) }
func rdmatop(_ arguments: [String]) throws -> RunResult { try run(Paths.rdmatop, arguments) }

/// The path of a program on PATH; the test fails when it is missing.
func tool(_ name: String) throws -> String {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let path = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    Issue.record("\(name) is not installed (make test installs it: scripts/setup.sh)")
    throw ToolMissing(name: name)
}

struct ToolMissing: Error { var name: String }

/// tshark's per-packet fields of `file` as rows of strings (tab-separated output).
func tsharkFields(_ file: String, _ fields: [String], filter: String = "infiniband") throws -> [[String]] {
    var args = ["-r", file, "-n", "-Y", filter, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=f"]
    for f in fields { args += ["-e", f] }
    let result = try run(try tool("tshark"), args)
    #expect(result.status == 0, "tshark failed: \(result.stderr)")
    return result.stdout.split(separator: "\n", omittingEmptySubsequences: true).map {
        $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
    }
}

/// Parses tshark's rendering of a number ("0x0000050a", "64", "ffaa" for byte fields).
func tsharkNumber(_ text: String, bytes: Bool = false) -> UInt64? {
    if text.isEmpty { return nil }
    if text.hasPrefix("0x") { return UInt64(text.dropFirst(2), radix: 16) }
    if bytes { return UInt64(text.replacingOccurrences(of: ":", with: ""), radix: 16) }
    if text == "True" { return 1 }
    if text == "False" { return 0 }
    return UInt64(text)
}

/// rxe's hw counters over a run, "DEV.COUNTER": after less before, from a file of
/// "DEV COUNTER BEFORE AFTER" lines (the lab scripts' NAME.counters).
func rxeCounterDeltas(_ file: URL) throws -> [String: UInt64] {
    let text = try String(contentsOf: file, encoding: .utf8)
    var delta: [String: UInt64] = [:]
    for line in text.split(separator: "\n") {
        let f = line.split(separator: " ")
        if f.count == 4, let before = UInt64(f[2]), let after = UInt64(f[3]) { delta["\(f[0]).\(f[1])"] = after &- before }
    }
    return delta
}

/// Parses JSON Lines into dictionaries.
func jsonLines(_ text: String) throws -> [[String: Any]] {
    try text.split(separator: "\n").map {
        try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
    }
}

/// A JSON value as an unsigned integer (numbers and booleans).
func uint(_ value: Any?) -> UInt64? {
    switch value {
    case let n as NSNumber:
        return n.uint64Value
    default:
        return nil
    }
}
