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

    func run() throws {
        let out = BufferedOutput()
        let engine = StatsEngine(filter: filter)
        let source: CaptureFileSource
        do {
            source = try CaptureFileSource(path: path, decoder: decoder)
        } catch {
            printError(error.description)
            throw ExitCode.failure
        }
        var failure: String?
        do {
            try source.forEach { frame, bytes, result in
                switch result {
                case .success(let packet):
                    engine.ingest(packet, frameLength: frame.originalLength, timestamp: frame.timestampNanoseconds,
                                  direction: frame.direction)
                    if output.dump, filter.matches(packet) {
                        out.line(output.json
                            ? PacketDumpJSON.render(packet, frame: frame, bytes: bytes)
                            : PacketDumpText.render(packet, frame: frame, bytes: bytes, previewBytes: output.preview))
                    }
                case .failure(let error) where error.isMalformed:
                    engine.ingestMalformed(error, frameLength: frame.originalLength,
                                           timestamp: frame.timestampNanoseconds, frameNumber: frame.number)
                    if output.dump, filter.isEmpty {
                        out.line(output.json ? PacketDumpJSON.render(error: error, frame: frame)
                                             : PacketDumpText.render(error: error, frame: frame))
                    }
                case .failure:
                    engine.ingestOther(frameLength: frame.originalLength, timestamp: frame.timestampNanoseconds)
                }
            }
        } catch let error as CaptureError {
            failure = error.description
        }
        if !output.dump {
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
