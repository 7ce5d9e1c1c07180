import Attribution
import Report
import Stats

/// Where the view's packets come from: a live probe or a capture file replayed. The view
/// pumps the feed in short slices, ticks the engine with the feed's clock once per delay
/// interval, and reads the feed's status for its header. It never learns more than this
/// about the source.
public protocol PacketFeed: AnyObject {
    /// The engine the feed counts packets into (its filter stays empty: the view filters rows).
    var engine: StatsEngine { get }
    /// What the header shows about the source; read once per refresh.
    var status: FeedStatus { get }
    /// The time to pass to `engine.tick(at:)`, nanoseconds on the packets' clock: the wall
    /// clock for a live source, the replay position for a file.
    var clock: Int64 { get }
    /// Whether pausing the view pauses the feed too (a file replay), rather than only freezing
    /// the display while packets keep being counted (a live source, which must keep reading).
    var pausesWithView: Bool { get }
    /// Whose each flow's QP is; nil where attribution is absent.
    var owners: [FlowKey: QPOwner]? { get }
    /// The watched interface's RDMA ports' hw counters since the start.
    var deviceCounters: [DeviceCounterValues] { get }

    /// Ticks the engine's rates (at `clock`); a live feed gives the kernel's exact counts too.
    func tick()
    /// Per-flow counts kept exactly elsewhere (the kernel's flow map) as of the last tick,
    /// which the view shows instead of the engine's; nil when the feed has none.
    var exactFlows: [FlowStats]? { get }

    /// Counts packets until `monotonicDeadline` (CLOCK_MONOTONIC nanoseconds) or until there
    /// is nothing more to read; may return early. Throws when the source fails.
    func pump(until monotonicDeadline: Int64) throws -> FeedProgress
    /// Pauses or resumes the feed (only called when `pausesWithView`).
    func setPaused(_ paused: Bool)
}

extension PacketFeed {
    /// Whose each flow's QP is; nil where attribution is absent (files, no RDMA netlink).
    public var owners: [FlowKey: QPOwner]? { nil }
    /// The hw counters of the watched interface's RDMA ports since the start.
    public var deviceCounters: [DeviceCounterValues] { [] }
    public var pausesWithView: Bool { false }
    public func setPaused(_ paused: Bool) {}
    public func tick() { engine.tick(at: clock) }
    public var exactFlows: [FlowStats]? { nil }
}

/// What a pump left behind.
public enum FeedProgress: Sendable, Equatable {
    /// More may come.
    case running
    /// The source is exhausted (the end of a file): the view stays up with the final state.
    case ended
    /// The source was asked to stop (a signal): the view ends.
    case interrupted
}

/// The header's facts about the source.
public struct FeedStatus: Sendable, Equatable {
    /// An interface watched live, or a capture file.
    public enum Kind: String, Sendable {
        case interface
        case file
    }

    public var kind: Kind
    /// The interface or file name.
    public var name: String
    /// "xdp", "tc", "xdp+tc", "rdma", "file".
    public var mode: String
    /// Events the kernel could not hand over (live); nil for files.
    public var lostEvents: UInt64?
    /// Totals counted exactly elsewhere (the probe's kernel counters), replacing the engine's.
    public var exactTotals: ExactTotals?
    /// Seconds of traffic seen: wall time for a live source, capture time replayed for a file.
    public var elapsedSeconds: Double
    /// Whether the source is exhausted (a file read to its end).
    public var ended: Bool
    /// Short notes for the header: "speed 10x", "end of file", "3 clock jumps not waited".
    public var notes: [String]
    /// rdmatop's CPU and, live, the probe's nanoseconds per packet; nil when not measured.
    public var cost: ToolCost?

    public init(kind: Kind, name: String, mode: String, lostEvents: UInt64? = nil, exactTotals: ExactTotals? = nil,
                elapsedSeconds: Double = 0, ended: Bool = false, notes: [String] = [], cost: ToolCost? = nil) {
        self.kind = kind
        self.name = name
        self.mode = mode
        self.lostEvents = lostEvents
        self.exactTotals = exactTotals
        self.elapsedSeconds = elapsedSeconds
        self.ended = ended
        self.notes = notes
        self.cost = cost
    }
}
