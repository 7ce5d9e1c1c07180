import Monitor
import RoCE
import Stats

/// The interactive view's file replay (`CaptureReplay` on a `ReplayTimeline`) on a fake
/// monotonic clock: any speed, jump threshold, pauses and deadlines, then the view's clock,
/// elapsed time and engine ticks.
///
/// Input: a speed byte, a jump byte, a step count and that many step bytes, then the capture.
enum ReplayHarness {
    static let speeds: [CaptureReplay.Speed] = [.factor(1), .factor(0.001), .factor(0.5), .factor(10), .factor(1e6),
                                                .factor(1e10), .factor(1e300), .unlimited,
                                                .factor(Double.leastNonzeroMagnitude), .factor(4e-300)]

    static func run(_ bytes: UnsafeRawBufferPointer) {
        var input = FuzzInput(bytes)
        let speed = input.pick(speeds)
        let jump = Int64(1) << Int(input.byte() & 63)
        let steps = input.take(Int(input.byte() & 31))
        let file = ScratchFile.shared
        file.write(input.rest())
        let engine = StatsEngine()
        let replay: CaptureReplay
        do {
            replay = try CaptureReplay(path: file.path, decoder: PacketDecoder(), engine: engine, speed: speed,
                                       maximumJump: jump)
        } catch {
            fuzzCheck(isOneLine(error.description), "capture error not one line: \(error.description)")
            return
        }
        var clock: Int64 = 1_000_000_000
        var sleeps = 0
        // A monotonic clock moves between two readings (here by 50 ns): a replay that waits
        // for a gap shorter than a nanosecond at its speed still gets to the packet.
        replay.now = {
            clock &+= 50
            return clock
        }
        replay.sleep = { nanoseconds in
            fuzzCheck(nanoseconds >= 0, "replay slept \(nanoseconds) ns")
            sleeps += 1
            clock &+= max(0, nanoseconds)
        }
        func refresh() {
            engine.tick(at: replay.clock)
            blackHole((replay.elapsed, replay.origin, replay.clockJumps, replay.frameCount, "\(replay.speed)"))
            fuzzCheck(replay.elapsed >= 0, "negative elapsed time")
        }
        // The steps: pause, resume, or a pump until a deadline 2^k ns ahead.
        for step in steps {
            switch step >> 6 {
            case 0: replay.setPaused(true)
            case 1: replay.setPaused(false)
            default:
                _ = replay.pump(until: clock &+ (Int64(1) << Int((step & 63) % 62)))
                refresh()
            }
        }
        // Then to the end of the file, a second of the fake clock per refresh, bounded.
        replay.setPaused(false)
        for _ in 0..<64 {
            if !replay.pump(until: clock &+ 1_000_000_000) { break }
            refresh()
        }
        refresh()
        fuzzCheck(sleeps < 1_000_000, "replay slept \(sleeps) times")
    }
}
