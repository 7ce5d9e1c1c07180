/// The request flows between each ordered pair of hosts, indexed by UDP source port, so
/// that pairing a response with its request is a lookup: with a flood of QPNs between two
/// hosts, a response costs the same as with one.
struct RequestFlowIndex {
    /// Request flows between a pair of hosts: all of them, and by UDP source port (sets:
    /// a flood of QPNs on one port must not make each removal a scan; pairing breaks ties
    /// by key, so their order does not matter).
    private struct Entry {
        var flows: Set<FlowKey> = []
        var byPort: [UInt16: Set<FlowKey>] = [:]
    }

    private var entries: [HostPair: Entry] = [:]
    /// The most request flows a response's pairing compares by PSN; with more candidates
    /// it stays unpaired until the UDP source port tells.
    static let maximumScan = 64

    mutating func insert(_ key: FlowKey, port: UInt16) {
        let pair = HostPair(key.source, key.destination)
        guard entries[pair, default: Entry()].flows.insert(key).inserted else { return }
        entries[pair]!.byPort[port, default: []].insert(key)
    }

    mutating func remove(_ key: FlowKey, port: UInt16) {
        let pair = HostPair(key.source, key.destination)
        guard entries[pair]?.flows.remove(key) != nil else { return }
        entries[pair]!.byPort[port]?.remove(key)
        if entries[pair]!.byPort[port]?.isEmpty == true { entries[pair]!.byPort[port] = nil }
        if entries[pair]!.flows.isEmpty { entries[pair] = nil }
    }

    /// The request flow between the hosts when there is exactly one.
    func only(_ pair: HostPair) -> FlowKey? {
        guard let flows = entries[pair]?.flows, flows.count == 1 else { return nil }
        return flows.first
    }

    /// How many request flows between the hosts have this UDP source port.
    func count(_ pair: HostPair, port: UInt16) -> Int { entries[pair]?.byPort[port]?.count ?? 0 }

    /// The request flows between the hosts with this UDP source port, in no order.
    func flows(_ pair: HostPair, port: UInt16) -> [FlowKey] { Array(entries[pair]?.byPort[port] ?? []) }

    /// Every request flow between the hosts, or nil when there are more than `limit`.
    func flows(_ pair: HostPair, atMost limit: Int) -> [FlowKey]? {
        guard let flows = entries[pair]?.flows, flows.count <= limit else { return nil }
        return Array(flows)
    }
}
