import ArgumentParser
import Attribution
import Capture
import Monitor
import Probe
import Report
import RoCE
import Stats
import View
#if canImport(Glibc)
import Glibc
#endif

/// Options of the interactive view over a file.
struct ReplayOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Replay speed of --read in the interactive view: 1 (as captured), N times faster, or max.",
        valueName: "factor|max"))
    var speed: CaptureReplay.Speed = .factor(1)
}

extension CaptureReplay.Speed: ExpressibleByArgument {
    public init?(argument: String) {
        if argument.lowercased() == "max" {
            self = .unlimited
        } else if let f = Double(argument) {
            self = .factor(f)  // its range is checked by validate(), which names it
        } else {
            return nil
        }
    }

    public var defaultValueDescription: String { description }
}

/// `rdmatop IFACE` and `rdmatop --read FILE` in a terminal: the interactive view.
enum ViewCommand {
    /// Whether the view runs: standard output is a terminal and no headless output was asked
    /// for (`--once`, `--count`, `--dump`, `--json`, `--listen` without `--view`).
    static func wanted(_ output: OutputOptions, _ live: LiveOptions) -> Bool {
        !output.once && !output.dump && output.format == nil && !output.jsonFlag && (live.listen == nil || live.view)
            && live.count == 0 && isatty(1) == 1
    }

    /// The view's options: the delay (`--interval`, else 1 s) and the filter of `--qpn`,
    /// `--opcode`, `--addr` (rows in the view, where the headless outputs filter packets).
    static func options(filter: PacketFilter, live: LiveOptions, message: String? = nil) -> ViewOptions {
        ViewOptions(delay: live.interval ?? 1, filter: ViewFilter(filter), message: message)
    }

    /// The view over a capture file, replayed at `speed`.
    static func runFile(path: String, decoder: PacketDecoder, filter: PacketFilter, live: LiveOptions,
                        speed: CaptureReplay.Speed, engine configuration: EngineConfiguration) throws {
        let engine = StatsEngine(configuration: configuration)
        let replay: CaptureReplay
        do {
            replay = try CaptureReplay(path: path, decoder: decoder, engine: engine, speed: speed)
        } catch {
            printError(error.description)
            throw ExitCode.failure
        }
        try run(FileFeed(replay: replay, engine: engine), options: options(filter: filter, live: live))
        // A signal that ended a wait for input is a stop, not a fault of the file.
        if let failure = replay.failure, failure.kind != .interrupted {
            printError(failure.description)
            throw ExitCode.failure
        }
    }

    /// The view over a live source already attached (its errors were printed before the
    /// terminal was taken). The caller closes the source.
    static func runLive(source: LiveSource, engine: StatsEngine, filter: PacketFilter, live: LiveOptions,
                        notices: [String], metrics: MetricsPublisher? = nil) throws {
        let feed = LiveFeed(source: source, engine: engine)
        feed.metrics = metrics
        feed.metricsInterval = Int64(max(0.05, live.interval ?? 1) * 1e9)
        try run(feed, options: options(filter: filter, live: live, message: notices.last))
    }

    private static func run(_ feed: PacketFeed, options: ViewOptions) throws {
        do {
            _ = try InteractiveView.run(feed, options: options)
        } catch {
            // The terminal is back: the error is one line.
            printError("\(error)")
            throw ExitCode.failure
        }
    }
}

/// A capture file replayed for the view.
final class FileFeed: PacketFeed {
    let replay: CaptureReplay
    let engine: StatsEngine
    private let costMeter = ToolCostMeter()

    init(replay: CaptureReplay, engine: StatsEngine) {
        self.replay = replay
        self.engine = engine
    }

    var status: FeedStatus {
        var notes = ["speed \(replay.speed)"]
        if replay.clockJumps > 0 {
            notes.append("\(replay.clockJumps) clock jump\(replay.clockJumps == 1 ? "" : "s") skipped")
        }
        if replay.waitingForInput { notes.append("waiting for input") }
        if let failure = replay.failure { notes.append("stopped: \(failure)") }
        return FeedStatus(kind: .file, name: replay.path == "-" ? "stdin" : replay.path, mode: "file",
                          elapsedSeconds: Double(replay.elapsed) / 1e9, ended: replay.ended, notes: notes,
                          cost: costMeter.read())
    }

    var clock: Int64 { replay.clock }
    var pausesWithView: Bool { true }
    func setPaused(_ paused: Bool) { replay.setPaused(paused) }

    func pump(until monotonicDeadline: Int64) throws -> FeedProgress {
        replay.pump(until: monotonicDeadline) ? .running : .ended
    }
}

/// The live probe, for the view.
final class LiveFeed: PacketFeed {
    let source: LiveSource
    let engine: StatsEngine
    private let start = SystemClock.monotonic()

    init(source: LiveSource, engine: StatsEngine) {
        self.source = source
        self.engine = engine
    }

    var status: FeedStatus {
        FeedStatus(kind: .interface, name: source.rdmaDevice.map { "\($0) on \(source.probe.interface)" } ?? source.probe.interface,
                   mode: source.probe.modeName,
                   lostEvents: source.probe.totalCounters.lost_events, exactTotals: source.exactTotals,
                   elapsedSeconds: Double(SystemClock.monotonic() - start) / 1e9,
                   notes: source.deviceCounters.map { DeviceCounterValues($0).summary }, cost: source.cost())
    }

    /// The kernel's per-flow counts read at the last tick.
    private(set) var exactFlows: [FlowStats]?

    func tick() { exactFlows = source.tick()?.flows }

    var owners: [FlowKey: QPOwner]? { source.resolver?.owners }
    var deviceCounters: [DeviceCounterValues] { source.deviceCounters.map(DeviceCounterValues.init) }

    var clock: Int64 { SystemClock.realtime() }

    /// `--listen --view`: the exporter beside the view, given a snapshot every
    /// `metricsInterval` nanoseconds of the view's run.
    var metrics: MetricsPublisher?
    var metricsInterval: Int64 = 1_000_000_000
    private var lastPublished: Int64?

    func pump(until monotonicDeadline: Int64) throws -> FeedProgress {
        let running = try source.run(until: monotonicDeadline)
        if let metrics {
            let now = SystemClock.monotonic()
            if lastPublished.map({ now - $0 >= metricsInterval }) ?? true {
                lastPublished = now
                metrics.publish(source.snapshot(durationSeconds: Double(now - start) / 1e9))
            }
        }
        return running ? .running : .interrupted
    }
}
