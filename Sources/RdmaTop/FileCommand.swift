import ArgumentParser
import Capture
import Monitor
import Report
import RoCE
import Stats

/// `rdmatop --read FILE`: a snapshot or a dump of a capture file. With `--count` or
/// `--interval` (and no `--once`), a snapshot every interval of capture time, like
/// `top -b -n N` over the capture.
struct FileCommand {
    let path: String
    let decoder: PacketDecoder
    let filter: PacketFilter
    let output: OutputOptions
    let engine: EngineConfiguration
    /// Seconds of capture time per snapshot, when snapshots are periodic.
    var interval: Double?
    /// Snapshots to print at most (0: as many as the capture holds).
    var count = 0

    func run() throws {
        let out = BufferedOutput()
        let engine = StatsEngine(filter: filter, configuration: self.engine)
        let source: CaptureFileSource
        do {
            source = try CaptureFileSource(path: path, decoder: decoder)
        } catch {
            printError(error.description)
            throw ExitCode.failure
        }
        var failure: String?
        let sourceInfo = Snapshot.Source(kind: "file", file: path, mode: "file")
        var periodic = !output.dump && !output.once && (interval != nil || count > 0)
            ? PeriodicSnapshots(source: sourceInfo, interval: interval ?? 2, count: count) : nil
        let print = { (snapshot: Snapshot) in out.write(output.json ? snapshot.jsonText() : snapshot.renderText() + "\n") }
        do {
            try source.forEach { decoded in
                periodic?.advance(to: decoded.frame.timestampNanoseconds, engine: engine, print: print)
                if periodic?.done == true { throw PeriodicSnapshots.Done() }
                engine.ingest(decoded)
                if output.dump, let line = PacketDump.render(decoded.result, frame: decoded.frame, bytes: decoded.bytes,
                                                             filter: filter, json: output.json,
                                                             previewBytes: output.preview) {
                    out.line(line)
                }
            }
        } catch let error as CaptureError {
            failure = error.description
        } catch is PeriodicSnapshots.Done {
        }
        if var periodic {
            if !periodic.done { periodic.finish(engine: engine, print: print) }
        } else if !output.dump {
            // Rates over the whole capture.
            engine.tick(at: engine.firstTimestamp)
            engine.tick(at: engine.lastTimestamp)
            let snapshot = Snapshot(engine: engine, source: sourceInfo)
            out.write(output.json ? snapshot.jsonText() : snapshot.renderText())
        }
        out.flush()
        if let failure {
            printError(failure)
            throw ExitCode.failure
        }
    }
}

/// Snapshots every `interval` seconds of capture time, on the capture's own clock (a
/// replay timeline, so captures that mix clocks don't produce decades of empty snapshots).
struct PeriodicSnapshots {
    struct Done: Error {}

    let source: Snapshot.Source
    let interval: Int64
    let count: Int
    private var timeline = ReplayTimeline()
    private var start: Int64?
    private var next: Int64 = 0
    private var printed = 0
    private var last: Int64 = 0

    init(source: Snapshot.Source, interval: Double, count: Int) {
        self.source = source
        self.interval = max(1, Int64(interval * 1e9))
        self.count = count
    }

    var done: Bool { count > 0 && printed >= count }

    /// Prints the snapshots due before a packet stamped `timestamp`.
    mutating func advance(to timestamp: Int64, engine: StatsEngine, print: (Snapshot) -> Void) {
        let t = timeline.place(timestamp)
        guard let start else {
            self.start = t
            next = t + interval
            engine.tick(at: t)
            last = t
            return
        }
        while t >= next && !done {
            emit(at: next, since: start, engine: engine, print: print)
            next += interval
        }
        last = t
    }

    /// The snapshot at the end of the capture.
    mutating func finish(engine: StatsEngine, print: (Snapshot) -> Void) {
        emit(at: last, since: start ?? last, engine: engine, print: print)
    }

    private mutating func emit(at time: Int64, since start: Int64, engine: StatsEngine, print: (Snapshot) -> Void) {
        engine.tick(at: time)
        print(Snapshot(engine: engine, source: source, durationSeconds: Double(time - start) / 1e9))
        printed += 1
    }
}
