import Foundation
import RoCE
import Stats

/// Resolves the destination QP of each flow to its owner through RDMA netlink
/// (RDMA_NLDEV_CMD_RES_QP_GET, as `rdma resource show qp`).
///
/// QPNs are per device, so a flow's QPN is looked up in the table of the device whose GID is
/// the flow's destination address; a destination that is no local GID is a peer's QP
/// (`remote`). QP 1 is the GSI QP of the kernel. The tables are read again at least every
/// `refreshInterval`, and at once (at most every `newFlowInterval`) when a flow appears whose
/// QP is not known yet, so that a QP living a few seconds is seen. A QP that leaves its table
/// keeps the owner it had, marked `destroyed`.
public final class QPResolver {
    private let netlink: RdmaNetlink
    private let sysfs: RdmaSysfs
    /// Local GID address -> the device and port holding it.
    private var localAddresses: [IPAddress: (device: String, port: UInt32)] = [:]
    /// Device name -> its QPs by QPN, as of the last refresh.
    private var tables: [String: [UInt32: RdmaNetlinkQP]] = [:]
    /// Every QP any read has listed, by device and QPN, the latest kept: on 6.12 rxe the dump
    /// lists a process's QP from its creation until traffic starts, and mostly not while it
    /// carries traffic (`rdma -d res show qp` shows the same in the SoftRoCE VM), so a QP
    /// seen once is remembered for the flows that come to it later.
    private var seen: [String: [UInt32: QPOwner]] = [:]
    private var seenCount = 0
    private var lastRefresh: Int64?
    /// The owner of each flow's destination QP.
    public private(set) var owners: [FlowKey: QPOwner] = [:]
    /// Refreshes so far.
    public private(set) var refreshes = 0
    public var refreshInterval: Int64 = 500_000_000
    public var newFlowInterval: Int64 = 20_000_000

    /// nil when RDMA netlink is out of reach (no RDMA in the kernel, not permitted) or the
    /// host has no RDMA device: then the feature is absent.
    public init?(sysfs: RdmaSysfs = RdmaSysfs()) {
        guard let netlink = RdmaNetlink(), let devices = netlink.devices(), !devices.isEmpty else { return nil }
        self.netlink = netlink
        self.sysfs = sysfs
    }

    /// Attributes flows rdmatop has not attributed yet (reading the tables again when one is
    /// new and the last read is older than `newFlowInterval`), and refreshes every flow's
    /// owner when `refreshInterval` has passed. `now`: a monotonic clock in nanoseconds.
    public func update(newFlows: some Collection<FlowKey>, now: Int64) {
        let fresh = newFlows.filter { owners[$0] == nil }
        let due = lastRefresh.map { now - $0 >= refreshInterval } ?? true
        let soon = lastRefresh.map { now - $0 >= newFlowInterval } ?? true
        if due || (!fresh.isEmpty && soon) {
            refresh(at: now)
            for key in owners.keys { owners[key] = reattribute(key, was: owners[key]!) }
        }
        for key in fresh { owners[key] = attribute(key) }
    }

    /// Forgets flows that are no longer in the engine's table (bounded like the table).
    public func keep(only keys: Set<FlowKey>) {
        owners = owners.filter { keys.contains($0.key) }
    }

    private func refresh(at now: Int64) {
        lastRefresh = now
        refreshes += 1
        comms = [:]
        localAddresses = [:]
        for port in sysfs.ports() {
            for address in port.addresses { localAddresses[address] = (port.device, port.port) }
        }
        var fresh: [String: [UInt32: RdmaNetlinkQP]] = [:]
        for device in netlink.devices() ?? [] {
            guard let qps = netlink.qps(device: device.index) else { continue }
            fresh[device.name] = Dictionary(qps.map { ($0.qpn, $0) }, uniquingKeysWith: { a, _ in a })
        }
        tables = fresh
        if seenCount > 65_536 { seen = [:]; seenCount = 0 }
        for (device, qps) in fresh {
            for (qpn, qp) in qps {
                if seen[device, default: [:]].updateValue(owner(qp, device: device), forKey: qpn) == nil { seenCount += 1 }
            }
        }
    }

    private func attribute(_ key: FlowKey) -> QPOwner {
        guard let local = localAddresses[key.destination] else { return QPOwner(kind: .remote) }
        if let qp = tables[local.device]?[key.qpn] { return owner(qp, device: local.device) }
        if let known = seen[local.device]?[key.qpn] { return known }
        if key.qpn == 1 {
            return QPOwner(kind: .kernel, comm: nil, type: 1, device: local.device, port: local.port)
        }
        return QPOwner(kind: .unknown, device: local.device, port: local.port)
    }

    /// A known flow after a refresh: the QP now in the table (its state, or a new owner of a
    /// reused QPN), else what it was, destroyed.
    private func reattribute(_ key: FlowKey, was: QPOwner) -> QPOwner {
        guard was.kind != .remote else { return localAddresses[key.destination] == nil ? was : attribute(key) }
        var now = attribute(key)
        if now.pid != nil && now.pid == was.pid && now.comm == nil { now.comm = was.comm }
        if now.kind != .unknown { return now }
        var kept = was
        if was.kind != .unknown { kept.destroyed = true }
        return kept
    }

    private var comms: [UInt32: String] = [:]

    private func owner(_ qp: RdmaNetlinkQP, device: String) -> QPOwner {
        let port = qp.port == 0 ? nil : qp.port
        guard let pid = qp.pid else {
            return QPOwner(kind: .kernel, comm: qp.kernelOwner.flatMap { $0.isEmpty ? nil : $0 }, type: qp.type,
                           state: qp.state, device: device, port: port)
        }
        return QPOwner(kind: .process, pid: pid, comm: comm(of: pid), type: qp.type, state: qp.state,
                       device: device, port: port)
    }

    /// /proc/PID/comm, read once per pid and refresh (a pid can be reused).
    private func comm(of pid: UInt32) -> String? {
        if let known = comms[pid] { return known }
        guard let text = RdmaSysfs.read("/proc/\(pid)/comm"), !text.isEmpty else { return nil }
        comms[pid] = text
        return text
    }
}
