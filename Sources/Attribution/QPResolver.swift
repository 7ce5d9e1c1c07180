import Foundation
import RoCE
import Stats

/// Resolves the destination QP of each flow to its owner through RDMA netlink
/// (RDMA_NLDEV_CMD_RES_QP_GET, as `rdma resource show qp`).
///
/// QPNs are per device, so a flow's QPN is looked up in the table of the device whose GID is
/// the flow's destination address; a destination that is no local GID is a peer's QP
/// (`remote`). QP 1 is the GSI QP of the kernel. A thread reads the tables every 100 ms
/// (`QPTableWatcher`); flows take their owners from its readings at least every
/// `refreshInterval`, and at once (at most every `newFlowInterval`) when a flow appears whose
/// QP is not known yet, so that a QP living a few seconds is seen. A QP that leaves its table
/// keeps the owner it had, marked `destroyed`.
public final class QPResolver {
    private let watcher: QPTableWatcher
    private let sysfs: RdmaSysfs
    /// Local GID address -> the device and port holding it.
    private var localAddresses: [IPAddress: (device: String, port: UInt32)] = [:]
    /// What the watcher had found at the last refresh: the QPs listed then, and every QP any
    /// reading listed (a QP seen once is remembered for the flows that come to it later).
    private var tables = QPTableWatcher.Tables()
    private var lastRefresh: Int64?
    /// The owner of each flow's destination QP.
    public private(set) var owners: [FlowKey: QPOwner] = [:]
    /// Refreshes so far.
    public private(set) var refreshes = 0
    public var refreshInterval: Int64 = 500_000_000
    public var newFlowInterval: Int64 = 20_000_000

    /// nil when RDMA netlink is out of reach (no RDMA in the kernel, not permitted) or the
    /// host has no RDMA device: then the feature is absent. Otherwise the QP tables are read
    /// every `tableInterval` seconds on a thread of its own until the resolver goes.
    public init?(sysfs: RdmaSysfs = RdmaSysfs(), tableInterval: TimeInterval = 0.1) {
        guard let netlink = RdmaNetlink(), let devices = netlink.devices(), !devices.isEmpty else { return nil }
        self.sysfs = sysfs
        watcher = QPTableWatcher(netlink: netlink, interval: tableInterval)
    }

    deinit { watcher.stop() }

    /// Attributes flows rdmatop has not attributed yet (taking the watcher's tables again when
    /// one is new and the last look is older than `newFlowInterval`), and refreshes every
    /// flow's owner when `refreshInterval` has passed. `now`: a monotonic clock in nanoseconds.
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
        localAddresses = [:]
        for port in sysfs.ports() {
            for address in port.addresses { localAddresses[address] = (port.device, port.port) }
        }
        tables = watcher.current
    }

    private func attribute(_ key: FlowKey) -> QPOwner {
        guard let local = localAddresses[key.destination] else { return QPOwner(kind: .remote) }
        if let qp = tables.listed[local.device]?[key.qpn] { return qp }
        if let known = tables.seen[local.device]?[key.qpn] { return known }
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
}
