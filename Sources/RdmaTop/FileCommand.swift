import ArgumentParser
import Capture
import Monitor
import Report
import RoCE
import Stats

/// `rdmatop --read FILE`: a snapshot or a dump of a capture file.
struct FileCommand {
    let path: String
    let decoder: PacketDecoder
    let filter: PacketFilter
    let output: OutputOptions
    let engine: EngineConfiguration

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
        do {
            try source.forEach { decoded in
                engine.ingest(decoded)
                if output.dump, let line = PacketDump.render(decoded.result, frame: decoded.frame, bytes: decoded.bytes,
                                                             filter: filter, json: output.json,
                                                             previewBytes: output.preview) {
                    out.line(line)
                }
            }
        } catch let error as CaptureError {
            failure = error.description
        }
        if !output.dump {
            // Rates over the whole capture.
            engine.tick(at: engine.firstTimestamp)
            engine.tick(at: engine.lastTimestamp)
            let snapshot = Snapshot(engine: engine, source: .init(kind: "file", file: path, mode: "file"))
            out.write(output.json ? snapshot.jsonText() : snapshot.renderText())
        }
        out.flush()
        if let failure {
            printError(failure)
            throw ExitCode.failure
        }
    }
}
