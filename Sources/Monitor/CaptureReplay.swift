import CSignals
import Capture
import Report
import RoCE
import Stats
#if canImport(Glibc)
import Glibc
#endif

/// Replays a capture file into an engine: at capture speed (packet spacing kept, on a
/// `ReplayTimeline`), N times faster, or as fast as it reads. The interactive view's file
/// source; the headless snapshot reads with `CaptureFileSource` instead.
public final class CaptureReplay {
    /// How fast to replay.
    public enum Speed: Sendable, Equatable, CustomStringConvertible {
        /// This many times the capture's speed (1: as captured).
        case factor(Double)
        /// As fast as the file reads.
        case unlimited

        public var description: String {
            switch self {
            case .unlimited: "max"
            case .factor(let f): Units.fixed(f, digits: f.rounded() == f ? 0 : f < 1 ? 2 : 1) + "x"
            }
        }
    }

    public let path: String
    public let speed: Speed
    private let reader: CaptureReader
    private let decoder: PacketDecoder
    private let engine: StatsEngine
    private var timeline: ReplayTimeline
    /// The next packet, read but not yet due, and its timeline time.
    private var pending: (packet: CapturedPacket, time: Int64)?
    /// Where the replay stands on the timeline.
    public private(set) var position: Int64 = 0
    private var lastWall: Int64?
    /// Whether the replay is stopped (`pump` counts nothing, the position stays).
    public private(set) var paused = false
    /// Frames counted so far.
    public private(set) var frameCount: UInt64 = 0
    /// Whether the file has been read to its end (or to a fault).
    public private(set) var ended = false
    /// The fault that ended the file early, if any.
    public private(set) var failure: CaptureError?
    /// Whether the replay is waiting for its input (a pipe whose writer is slow): `pump`
    /// returns at its deadline instead of blocking in read(2).
    public private(set) var waitingForInput = false
    /// How the monotonic clock is read (tests and the fuzzing harness substitute their own).
    public var now: () -> Int64 = SystemClock.monotonic
    /// How the replay waits for the next packet (tests and the fuzzing harness substitute their own).
    public var sleep: (Int64) -> Void = { nanoseconds in
        var ts = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        nanosleep(&ts, nil)
    }

    /// Opens `path` ("-" for standard input) and reads its first packet.
    public init(path: String, decoder: PacketDecoder, engine: StatsEngine, speed: Speed = .factor(1),
                maximumJump: Int64 = 5_000_000_000) throws(CaptureError) {
        self.path = path
        self.speed = speed
        reader = try CaptureReader(path: path)
        // A signal (SIGINT, SIGTERM, SIGHUP) ends a wait for input: the view sees its flag.
        reader.shouldStop = { rdmatop_signal_received() != 0 }
        self.decoder = decoder
        self.engine = engine
        timeline = ReplayTimeline(maximumJump: maximumJump)
        readNext()
        position = pending?.time ?? 0
    }

    /// The timeline's origin (the first packet's time), 0 for an empty file.
    public var origin: Int64 { timeline.origin ?? 0 }
    /// Capture time replayed so far, nanoseconds.
    public var elapsed: Int64 { max(0, min(position, timeline.latest).subtractingSaturating(origin)) }
    /// The time of the latest packet counted, on the timeline: the clock for `engine.tick`.
    public var clock: Int64 { speed == .unlimited || ended ? timeline.latest : position }
    /// Jumps between packets that were not waited for (clocks mixed, long silences).
    public var clockJumps: UInt64 { timeline.jumps }

    /// Stops or resumes the replay clock.
    public func setPaused(_ paused: Bool) {
        self.paused = paused
        lastWall = nil
    }

    /// Counts the packets due until `deadline` (CLOCK_MONOTONIC nanoseconds), waiting for
    /// them at the replay's speed. Returns false once the file is exhausted.
    public func pump(until deadline: Int64) -> Bool {
        guard !ended else { return false }
        guard !paused else { return true }
        var counted = 0
        while true {
            advance()
            if pending == nil && waitingForInput {
                readNext(until: deadline)
                if waitingForInput { return true }
            }
            guard let next = pending else {
                ended = true
                return false
            }
            if next.time > position {
                // Not due yet: wait for it, or until the deadline.
                let t = now()
                if t >= deadline { return true }
                let due: Int64
                if case .factor(let f) = speed {
                    due = t.addingSaturating(CaptureReplay.nanoseconds(Double(next.time.subtractingSaturating(position)) / f))
                } else {
                    due = t
                }
                sleep(max(0, min(due, deadline) - t))
                continue
            }
            ingest(next.packet)
            readNext(until: deadline)
            counted += 1
            if counted & 255 == 0 && now() >= deadline { return true }
        }
    }

    /// Moves the position with the wall clock.
    private func advance() {
        let t = now()
        defer { lastWall = t }
        guard let last = lastWall, !paused else { return }
        switch speed {
        case .unlimited: position = Int64.max
        case .factor(let f): position = position.addingSaturating(CaptureReplay.nanoseconds(Double(t - last) * f))
        }
    }

    /// `value` nanoseconds as an integer, clamped to what Int64 holds (a huge `--speed` or a
    /// timeline jump must not trap).
    static func nanoseconds(_ value: Double) -> Int64 {
        guard !value.isNaN else { return 0 }
        return value >= 9.2e18 ? Int64.max : value <= -9.2e18 ? Int64.min : Int64(value)
    }

    /// Reads the next packet into `pending`, waiting for input until `deadline` at most
    /// (nil: as long as it takes); `waitingForInput` says when it came back empty-handed.
    private func readNext(until deadline: Int64? = nil) {
        pending = nil
        waitingForInput = false
        guard failure == nil else { return }
        reader.readDeadline = deadline
        do {
            if let packet = try reader.next() {
                pending = (packet, timeline.place(packet.timestampNanoseconds))
            }
        } catch where error.kind == .notReady {
            waitingForInput = true
        } catch {
            failure = error
        }
    }

    private func ingest(_ captured: CapturedPacket) {
        frameCount += 1
        engine.ingest(DecodedFrame(captured, number: frameCount, format: reader.format, decoder: decoder))
    }

}
