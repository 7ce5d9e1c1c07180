import Monitor
import Probe
import Report
import RoCE
import Stats

/// Ring-buffer records as the probe hands them over: parsed by `ProbeEvent(record:)` (the
/// probe's own parser), decoded and counted as the live source does, then a snapshot as
/// text, JSON and Prometheus, counted from every packet or, when the clock offset is odd, as
/// sampled events (`--sample`).
///
/// Input: eight bytes of clock offset, then records, each a two-byte length and its bytes.
enum ProbeEventHarness {
    static func run(_ bytes: UnsafeRawBufferPointer) {
        var input = FuzzInput(bytes)
        let clockOffset = Int64(bitPattern: input.number(bytes: 8))
        var configuration = EngineConfiguration()
        configuration.sampling = clockOffset & 1 != 0 ? .always(perSecond: 10) : .off
        let engine = StatsEngine(configuration: configuration)
        let decoder = PacketDecoder()
        var number: UInt64 = 0
        while !input.isEmpty {
            let record = input.take(Int(input.number(bytes: 2)))
            guard let event = ProbeEvent(record: record, clockOffset: clockOffset) else { continue }
            fuzzCheck(event.data.isEmpty || (event.data.baseAddress! >= record.baseAddress!
                                             && event.data.baseAddress! + event.data.count <= record.baseAddress! + record.count),
                      "event bytes outside the record")
            number += 1
            if number == 1 { engine.tick(at: event.timestampNanoseconds) }
            let frame = LiveSource.count(event, number: number, decoder: decoder, engine: engine)
            blackHole(frame)
        }
        engine.tick(at: engine.lastTimestamp)
        let snapshot = Snapshot(engine: engine, source: Snapshot.Source(kind: "interface", interface: "fuzz0", mode: "xdp"),
                                durationSeconds: 1)
        let exporter = PrometheusExporter(topK: 4, version: "fuzz")
        exporter.update(snapshot)
        blackHole((snapshot.renderText(), snapshot.jsonText(), exporter.render()))
    }
}
