/// The fuzzing targets: each takes any byte sequence and must never trap, hang or grow
/// without bound on it. `rdmatop-fuzz --target=NAME` (libFuzzer) and the FuzzTests (every
/// committed corpus input) call them.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// The pcap/pcapng reader on a whole file.
    case capture
    /// The packet decoder on one frame, and the per-packet dump of what it decoded.
    case decoder
    /// `rdmatop --read FILE` with options the input picks: read, decode, count, tick, and
    /// the text / JSON snapshots (once or periodic) or the dump.
    case pipeline
    /// The interactive view's file replay on a fake clock: speed, pauses, deadlines.
    case replay
    /// Ring-buffer records of the probe, parsed and counted as the live source counts them.
    case probeEvent = "probe-event"
    /// The view model: keys and renders at any size, over prebuilt counters.
    case view
    /// The command line: parse and validate NUL-separated arguments.
    case commandLine = "command-line"

    /// Runs the target on one input.
    public func run(_ bytes: UnsafeRawBufferPointer) {
        switch self {
        case .capture: CaptureHarness.run(bytes)
        case .decoder: DecoderHarness.run(bytes)
        case .pipeline: PipelineHarness.run(bytes)
        case .replay: ReplayHarness.run(bytes)
        case .probeEvent: ProbeEventHarness.run(bytes)
        case .view: ViewHarness.run(bytes)
        case .commandLine: CommandLineHarness.run(bytes)
        }
    }

    /// Runs the target on one input held in an array.
    public func run(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { run($0) }
    }
}
