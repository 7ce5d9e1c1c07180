import Report
import Stats

/// Snapshots every `interval` seconds of capture time, on the capture's own clock (a
/// replay timeline, so captures that mix clocks don't produce decades of empty snapshots).
public struct PeriodicSnapshots {
    /// Thrown by the reading loop to stop once the last snapshot is out.
    public struct Done: Error {
        public init() {}
    }

    let source: Snapshot.Source
    let interval: Int64
    let count: Int
    private var timeline = ReplayTimeline()
    private var start: Int64?
    private var next: Int64 = 0
    private var printed = 0
    private var last: Int64 = 0
    /// `next` once the timeline's end is passed: no snapshot is due any more.
    private let exhausted = Int64.min

    /// Snapshots of `source` every `interval` seconds, at most `count` (0: no limit). An
    /// interval beyond the range of nanoseconds is clamped (the command line bounds it first).
    public init(source: Snapshot.Source, interval: Double, count: Int) {
        self.source = source
        let nanoseconds = interval.isNaN ? 1 : min(max(interval * 1e9, 1), 9.2e18)
        self.interval = Int64(nanoseconds)
        self.count = count
    }

    /// Whether `count` snapshots are out.
    public var done: Bool { count > 0 && printed >= count }

    /// Prints the snapshots due before a packet stamped `timestamp`.
    public mutating func advance(to timestamp: Int64, engine: StatsEngine, print: (Snapshot) -> Void) {
        let t = timeline.place(timestamp)
        guard let start else {
            self.start = t
            next = t.addingSaturating(interval)
            engine.tick(at: t)
            last = t
            return
        }
        // `next` saturates at the end of time: a packet stamped there gets one snapshot due,
        // not an endless run of them.
        while t >= next && !done && next != exhausted {
            emit(at: next, since: start, engine: engine, print: print)
            let following = next.addingSaturating(interval)
            next = following == Int64.max ? exhausted : following
        }
        last = t
    }

    /// The snapshot at the end of the capture.
    public mutating func finish(engine: StatsEngine, print: (Snapshot) -> Void) {
        emit(at: last, since: start ?? last, engine: engine, print: print)
    }

    private mutating func emit(at time: Int64, since start: Int64, engine: StatsEngine, print: (Snapshot) -> Void) {
        engine.tick(at: time)
        print(Snapshot(engine: engine, source: source, durationSeconds: Double(time.subtractingSaturating(start)) / 1e9))
        printed += 1
    }
}
