import Foundation

/// Reads the QP tables of every RDMA device through RDMA netlink on a thread of its own, every
/// `interval`, and remembers every QP it has listed with the owner it had then.
///
/// A thread of its own because the moments a QP is listed can be short: the 6.12 kernel lists
/// a process's rxe QP from its creation until it carries traffic and then mostly not (in the
/// SoftRoCE VM `rdma -d res show qp` shows the same), so a reading must not wait for a packet
/// loop that is busy with a burst. The process's name is read when its QP is first listed,
/// while the process is surely alive.
final class QPTableWatcher: @unchecked Sendable {
    /// The QPs of each device by QPN: `listed` as of the last reading, `seen` in any reading
    /// (the latest kept; bounded, forgotten all at once past `seenLimit`).
    struct Tables {
        var listed: [String: [UInt32: QPOwner]] = [:]
        var seen: [String: [UInt32: QPOwner]] = [:]
        /// Readings so far.
        var readings = 0
    }

    static let seenLimit = 65_536

    private let netlink: RdmaNetlink
    private let interval: TimeInterval
    private let lock = NSLock()
    private var tables = Tables()
    private var seenCount = 0
    private var comms: [UInt32: String] = [:]
    /// The process of each pid RDMA netlink listed (`processes(of:)`).
    private var processes: [UInt32: UInt32] = [:]
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)

    /// Starts reading at once, then every `interval` seconds, until `stop()`.
    init(netlink: RdmaNetlink, interval: TimeInterval = 0.1) {
        self.netlink = netlink
        self.interval = interval
        let thread = Thread { [self] in loop() }
        thread.name = "rdmatop-qp-tables"
        thread.start()
    }

    /// What the readings so far have found.
    var current: Tables { lock.withLock { tables } }

    /// Ends the thread (waits for a reading in progress). The thread holds the watcher, so
    /// only this ends it.
    func stop() {
        let first = lock.withLock { () -> Bool in
            defer { stopped = true }
            return !stopped
        }
        if first { done.wait() }
    }

    private func loop() {
        while !lock.withLock({ stopped }) {
            read()
            Thread.sleep(forTimeInterval: interval)
        }
        done.signal()
    }

    private func read() {
        var listed: [String: [UInt32: QPOwner]] = [:]
        var pids = Set<UInt32>()
        for device in netlink.devices() ?? [] {
            guard let qps = netlink.qps(device: device.index) else { continue }
            var table: [UInt32: QPOwner] = [:]
            for qp in qps where table[qp.qpn] == nil {
                table[qp.qpn] = owner(qp, device: device.name)
                if let pid = qp.pid { pids.insert(pid); pids.insert(processes[pid] ?? pid) }
            }
            listed[device.name] = table
        }
        comms = comms.filter { pids.contains($0.key) }  // a pid no longer listed may be reused
        processes = processes.filter { pids.contains($0.key) }
        lock.withLock {
            tables.listed = listed
            tables.readings += 1
            if seenCount > Self.seenLimit { tables.seen = [:]; seenCount = 0 }
            for (device, qps) in listed {
                for (qpn, owner) in qps where tables.seen[device, default: [:]].updateValue(owner, forKey: qpn) == nil {
                    seenCount += 1
                }
            }
        }
    }

    private func owner(_ qp: RdmaNetlinkQP, device: String) -> QPOwner {
        let port = qp.port == 0 ? nil : qp.port
        guard let pid = qp.pid else {
            return QPOwner(kind: .kernel, comm: qp.kernelOwner.flatMap { $0.isEmpty ? nil : $0 }, type: qp.type,
                           state: qp.state, device: device, port: port)
        }
        let process = process(of: pid)
        return QPOwner(kind: .process, pid: process, comm: comm(of: process), type: qp.type, state: qp.state,
                       device: device, port: port)
    }

    /// The process (thread group) of the pid RDMA netlink gives, which is the thread that
    /// created the QP: rsockets connects in a thread of its own (rstream's QPs were listed
    /// under a pid 4 above the process's). /proc/PID/status's Tgid; the pid itself when
    /// that cannot be read.
    private func process(of pid: UInt32) -> UInt32 {
        if let known = processes[pid] { return known }
        let process = Self.threadGroup(of: pid) ?? pid
        processes[pid] = process
        return process
    }

    /// The thread group (process) a thread id belongs to: /proc/TID/status's Tgid.
    static func threadGroup(of tid: UInt32) -> UInt32? {
        guard let status = try? String(contentsOfFile: "/proc/\(tid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Tgid:") }) else { return nil }
        return UInt32(line.dropFirst(5).trimmingCharacters(in: .whitespaces))
    }

    /// /proc/PID/comm, read once while the pid is listed.
    private func comm(of pid: UInt32) -> String? {
        if let known = comms[pid] { return known }
        guard let text = RdmaSysfs.read("/proc/\(pid)/comm"), !text.isEmpty else { return nil }
        comms[pid] = text
        return text
    }
}
