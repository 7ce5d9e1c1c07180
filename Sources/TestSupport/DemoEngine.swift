import RoCE
import Stats
import TrafficGen

extension StatsEngine {
    /// An engine fed with rocegen's demo mix (six connections: loss, ECN, every workload),
    /// payloads included, ticked at the first and past the last packet so every rate is set:
    /// what the view's tests and its fuzzing harness render. `sampled`: counted as if the
    /// events were sampled (`EngineConfiguration.sampling`).
    public static func demo(messagesPerConnection messages: Int, sampled: Bool = false) -> StatsEngine {
        var configuration = EngineConfiguration()
        configuration.sampling = sampled ? .always(perSecond: 10) : .off
        let engine = StatsEngine(configuration: configuration)
        let frames = TrafficGenerator(config: .demo(messagesPerConnection: messages)).generate().frames
        guard let first = frames.first, let last = frames.last else { return engine }
        engine.tick(at: first.timestamp)
        for f in frames {
            f.bytes.withUnsafeBytes { raw in
                if let p = try? PacketDecoder().decode(raw, linkType: .ethernet) {
                    engine.ingest(p, payload: p.capturedPayload(in: raw), frameLength: raw.count, timestamp: f.timestamp,
                                  direction: .unknown)
                }
            }
        }
        engine.tick(at: last.timestamp + 1)
        return engine
    }
}
