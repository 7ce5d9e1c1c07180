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
        let print = { (snapshot: Snapshot) in
            snapshot.write(as: output.resolved, metricsQPs: output.metricsQPs, version: RdmaTop.version,
                           to: out.write(bytes:))
            if output.resolved == .text { out.write("\n") }
        }
        // Read once: an option's property wrapper costs more per packet than the decoding.
        let dump = output.dump, json = output.json, preview = output.preview
        do {
            try source.forEach { decoded in
                periodic?.advance(to: decoded.frame.timestampNanoseconds, engine: engine, print: print)
                if periodic?.done == true { throw PeriodicSnapshots.Done() }
                engine.ingest(decoded)
                if dump, let line = PacketDump.render(decoded.result, frame: decoded.frame, bytes: decoded.bytes,
                                                      filter: filter, json: json, previewBytes: preview) {
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
            snapshot.write(as: output.resolved, metricsQPs: output.metricsQPs, version: RdmaTop.version,
                           to: out.write(bytes:))
        }
        out.flush()
        if let failure {
            printError(failure)
            throw ExitCode.failure
        }
    }
}
