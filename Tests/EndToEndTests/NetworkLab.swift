import Foundation
import Testing

/// Two network namespaces joined by a veth pair, made for one test and always removed:
/// `a` (interface `ifA`, 10.77.0.1) and `b` (interface `ifB`, 10.77.0.2).
final class NetworkLab {
    nonisolated(unsafe) static var counter = 0
    let a: String, b: String, ifA: String, ifB: String
    private var processes: [Process] = []

    /// Whether the tests can make namespaces (root).
    static var available: Bool { getuid() == 0 }

    init() throws {
        if NetworkLab.counter == 0 { NetworkLab.removeStale() }
        NetworkLab.counter += 1
        // The whole pid (Linux pids have at most 7 digits: "rva" + tag fits IFNAMSIZ), so
        // that a lab's owner can be told from its name.
        let tag = "\(getpid())x\(NetworkLab.counter)"
        a = "rdt\(tag)a"
        b = "rdt\(tag)b"
        ifA = "rva\(tag)"
        ifB = "rvb\(tag)"
        try sh("ip netns add \(a) && ip netns add \(b)")
        try sh("ip link add \(ifA) netns \(a) type veth peer name \(ifB) netns \(b)")
        for (ns, ifname, addr) in [(a, ifA, "10.77.0.1"), (b, ifB, "10.77.0.2")] {
            try sh("ip -n \(ns) link set lo up && ip -n \(ns) addr add \(addr)/24 dev \(ifname) && ip -n \(ns) link set \(ifname) up")
        }
    }

    deinit { remove() }

    /// Deletes the labs of test runs that are gone (a SIGKILL of the runner skips `remove`):
    /// namespaces `rdt<PID>x<N>a|b` whose PID is no running process.
    static func removeStale() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/run/netns") else { return }
        for name in names where name.hasPrefix("rdt") && (name.hasSuffix("a") || name.hasSuffix("b")) {
            let middle = name.dropFirst(3).dropLast()
            let parts = middle.split(separator: "x")
            guard parts.count == 2, let pid = Int32(parts[0]), pid > 0, Int(parts[1]) != nil,
                  kill(pid, 0) != 0 && errno == ESRCH else { continue }
            _ = try? runShell("ip netns del \(name) 2>/dev/null; true")
        }
    }

    /// Ends the processes this lab started and deletes the namespaces (and so the veths).
    func remove() {
        for p in processes where p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
        processes = []
        _ = try? runShell("ip netns del \(a) 2>/dev/null; ip netns del \(b) 2>/dev/null; true")
    }

    /// Runs a shell command; throws when it fails.
    @discardableResult
    func sh(_ command: String) throws -> String {
        let r = try runShell(command)
        guard r.status == 0 else { throw LabError(message: "\(command): \(r.stderr)") }
        return r.stdout
    }

    /// Runs `arguments` inside namespace `ns`.
    func exec(_ ns: String, _ arguments: [String]) throws -> RunResult {
        try run("/usr/sbin/ip", ["netns", "exec", ns] + arguments)
    }

    /// Starts rdmatop in `ns` and waits until it says it is watching (or exits).
    func startRdmatop(_ ns: String, _ arguments: [String], user: String? = nil) throws -> RunningProcess {
        var args = ["netns", "exec", ns]
        if let user { args += ["setpriv", "--reuid", user, "--regid", user, "--clear-groups"] }
        let p = try RunningProcess(executable: "/usr/sbin/ip", arguments: args + [Paths.rdmatop] + arguments)
        processes.append(p.process)
        p.waitForStderr(containing: "watching", timeout: 20)
        return p
    }

    /// Replays a capture out of `ifA` (bounded: tcpreplay sends each packet once). Packets a
    /// snap length cut short are first padded back to their length (tcprewrite --fixlen=pad),
    /// so what crosses the veth has the lengths the capture records.
    func replay(_ capture: String, pps: Int = 20_000, from ns: String? = nil, interface: String? = nil) throws {
        let padded = try Paths.temporaryDirectory().appendingPathComponent("padded.pcap").path
        let fix = try run(try tool("tcprewrite"), ["--fixlen=pad", "-i", capture, "-o", padded])
        guard fix.status == 0 else { throw LabError(message: "tcprewrite: \(fix.stderr)") }
        let r = try exec(ns ?? a, [try tool("tcpreplay"), "-q", "-i", interface ?? ifA, "--pps", String(pps), padded])
        guard r.status == 0 else { throw LabError(message: "tcpreplay: \(r.stderr)") }
    }

    /// The XDP and tc programs attached to an interface, as `ip` and `tc` print them.
    func attachments(_ ns: String, _ ifname: String) throws -> (xdp: String, tcFilters: String, qdiscs: String) {
        let link = try exec(ns, ["ip", "-d", "link", "show", ifname]).stdout
        let xdp = link.split(separator: "\n").filter { $0.contains("prog/xdp") || $0.contains(" xdp") }.joined(separator: "\n")
        let filters = try exec(ns, ["tc", "filter", "show", "dev", ifname, "egress"]).stdout
        let qdiscs = try exec(ns, ["tc", "qdisc", "show", "dev", ifname]).stdout
        return (xdp, filters, qdiscs)
    }
}

struct LabError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Runs a shell command line.
func runShell(_ command: String) throws -> RunResult {
    try run("/bin/sh", ["-c", command])
}

/// A process running in the background, its output collected as it comes.
final class RunningProcess: @unchecked Sendable {
    let process = Process()
    private let lock = NSLock()
    private var out = Data(), err = Data()
    private let outPipe = Pipe(), errPipe = Pipe()

    init(executable: String, arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = outPipe
        process.standardError = errPipe
        outPipe.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            self?.lock.withLock { self?.out.append(d) }
        }
        errPipe.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            self?.lock.withLock { self?.err.append(d) }
        }
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var stdout: String { lock.withLock { String(decoding: out, as: UTF8.self) } }
    var stderr: String { lock.withLock { String(decoding: err, as: UTF8.self) } }

    /// Waits until standard error contains `text`, the process exits, or `timeout` seconds pass.
    func waitForStderr(containing text: String, timeout: Double) {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end && process.isRunning && !stderr.contains(text) {
            usleep(20_000)
        }
    }

    /// Sends `signal` (to the process group member rdmatop: `ip netns exec` execs it, so the
    /// pid is rdmatop's own) and waits for the exit status.
    func stop(signal: Int32 = SIGINT, timeout: Double = 10) -> Int32 {
        if process.isRunning { kill(pid, signal) }
        return wait(timeout: timeout)
    }

    /// Waits for the process to end (killing it after `timeout`); returns its status.
    func wait(timeout: Double = 20) -> Int32 {
        let end = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < end { usleep(20_000) }
        if process.isRunning {
            kill(pid, SIGKILL)
            Issue.record("process \(pid) did not end in \(timeout) s")
        }
        process.waitUntilExit()
        // Let the pipes' last bytes arrive.
        usleep(50_000)
        outPipe.fileHandleForReading.readabilityHandler = nil
        errPipe.fileHandleForReading.readabilityHandler = nil
        let restOut = outPipe.fileHandleForReading.readDataToEndOfFile()
        let restErr = errPipe.fileHandleForReading.readDataToEndOfFile()
        lock.withLock {
            out.append(restOut)
            err.append(restErr)
        }
        return process.terminationStatus
    }
}
