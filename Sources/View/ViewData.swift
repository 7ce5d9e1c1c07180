import Attribution
import Report
import RoCE
import Stats

/// What the view shows, copied from the engine at a refresh (once per delay interval, and
/// not while paused): rows stay still between refreshes however the keys move through them.
public struct ViewData {
    /// The source, as the feed describes it.
    public var status: FeedStatus
    /// Totals (the exact ones when the feed has them).
    public var totals: Totals
    /// Packets and bytes per second over the last interval.
    public var packetRate: Double
    public var byteRate: Double
    /// Packets per second at each tick, oldest first (a minute at one tick per second).
    public var packetRateHistory: [Double]
    /// Every flow in the engine's table.
    public var flows: [FlowStats]
    /// Positions in `flows` by key.
    public var index: [FlowKey: Int]
    /// The opcodes seen.
    public var opcodes: [OpcodeRow]
    /// Flows the engine dropped to stay bounded.
    public var evictions: UInt64
    /// The widest address string among the flows.
    public var addressWidth: Int
    /// Address strings of each flow, by position in `flows`.
    public var addressText: [(source: String, destination: String)]
    /// The engine's packets came sampled (`EngineConfiguration.sampling`): the header
    /// says so, and the opcode table, which would count samples, stays empty.
    public var sampled = false
    /// QPs whose events the probe sampled under backlog (`FlowStats.sampled`, `--sample
    /// auto`): the header counts them.
    public var sampledQPs = 0
    /// Whose each flow's QP is; nil when the feed has no attribution (no PROCESS column).
    public var owners: [FlowKey: QPOwner]?
    /// The RDMA device's hw counters since the start.
    public var deviceCounters: [DeviceCounterValues] = []

    /// Nothing yet.
    public init(status: FeedStatus) {
        self.status = status
        totals = Totals()
        packetRate = 0
        byteRate = 0
        packetRateHistory = []
        flows = []
        index = [:]
        opcodes = []
        evictions = 0
        addressWidth = 0
        addressText = []
    }

    /// A copy of the feed's engine's counters, with the feed's attribution.
    public init(feed: PacketFeed) {
        self.init(engine: feed.engine, status: feed.status, exactFlows: feed.exactFlows)
        owners = feed.owners
        deviceCounters = feed.deviceCounters
    }

    /// A copy of `engine`'s counters; with `exactFlows` (the kernel's), the per-flow counts
    /// are those (`takeExactCounts`).
    public init(engine: StatsEngine, status: FeedStatus, exactFlows: [FlowStats]? = nil) {
        self.status = status
        totals = engine.totals
        if let exact = status.exactTotals { totals.take(exact) }
        packetRate = engine.packetRate.last
        byteRate = engine.byteRate.last
        packetRateHistory = engine.packetRate.history
        flows = engine.flows
        sampled = engine.configuration.sampling.samplesEveryFlow
        if let exactFlows { flows.takeExactCounts(from: exactFlows) }
        if !sampled { sampledQPs = flows.sampledCount }
        var index: [FlowKey: Int] = [:]
        index.reserveCapacity(flows.count)
        var texts: [(source: String, destination: String)] = []
        texts.reserveCapacity(flows.count)
        var widest = 0
        // Formatting an address costs more than the rest of a flow's refresh; hosts are far
        // fewer than flows.
        var formatted: [IPAddress: String] = [:]
        var recent: [(IPAddress, String)] = []
        func text(_ address: IPAddress) -> String {
            if let hit = recent.first(where: { $0.0 == address }) { return hit.1 }
            let t: String
            if let known = formatted[address] {
                t = known
            } else {
                t = address.description
                formatted[address] = t
            }
            if recent.count == 2 { recent.removeFirst() }
            recent.append((address, t))
            return t
        }
        for i in flows.indices {
            let key = flows[i].key  // the key alone: a flow is about a kilobyte
            index[key] = i
            let t = (source: text(key.source), destination: text(key.destination))
            widest = max(widest, t.source.count, t.destination.count)
            texts.append(t)
        }
        self.index = index
        addressText = texts
        addressWidth = widest
        var ops: [OpcodeRow] = []
        for (i, total) in engine.opcodes.enumerated() where total.packets > 0 && !sampled {
            ops.append(OpcodeRow(opcode: UInt8(i), packets: total.packets, bytes: total.bytes,
                                 rate: engine.opcodeRates[UInt8(i)]?.last ?? 0))
        }
        opcodes = ops
        evictions = engine.evictions
    }

    /// The flow with this key.
    public func flow(_ key: FlowKey) -> FlowStats? { index[key].map { flows[$0] } }
}
