import Foundation
import Report
import RoCE
import Stats
import Testing
@testable import Monitor

/// Replay pacing and periodic snapshots at the ends of Int64 and with absurd speeds.
@Suite struct ExtremeReplayTests {
    @Test func hugeAndTinySpeedsDoNotTrap() throws {
        let path = try ReplayTests.capture(count: 20, spacing: 10_000_000)
        defer { try? FileManager.default.removeItem(atPath: path) }
        for f in [1e300, 1e10, 1e-300, Double.greatestFiniteMagnitude] {
            let clock = ReplayTests.FakeClock()
            let engine = StatsEngine()
            let r = try CaptureReplay(path: path, decoder: PacketDecoder(), engine: engine, speed: .factor(f))
            r.now = { clock.now }
            r.sleep = { clock.now = clock.now.addingSaturating($0) }
            _ = r.pump(until: 0)
            clock.now = 1_000_000_000
            _ = r.pump(until: 2_000_000_000)
            #expect(engine.totals.packets >= 1, "speed \(f)")
            if f >= 1e10 { #expect(engine.totals.packets == 20, "speed \(f): everything is due") }
            _ = r.elapsed
            _ = r.clock
        }
    }

    @Test func theTimelineAtTheEndsOfTime() {
        var t = ReplayTimeline()
        #expect(t.place(.min) == .min)
        #expect(t.place(.max) == .min, "a jump: lands where the replay stands")
        #expect(t.place(.max - 1_000) == .min, "the same clock: at its place, saturated")
        #expect(t.place(.max) == .min)
        #expect(t.place(0) == .min)
        #expect(t.jumps == 2)
        var u = ReplayTimeline()
        _ = u.place(.max - 3_000)
        #expect(u.place(.max) == .max, "a clock's spacing is kept up to the end of time")
    }

    @Test func periodicSnapshotsAtTheEndOfTime() {
        // The first packet at the end of time: the next snapshot is due past Int64.max.
        var printed: [Double] = []
        let engine = StatsEngine()
        var p = PeriodicSnapshots(source: Snapshot.Source(kind: "file", file: "x", mode: "file"), interval: 1, count: 0)
        for _ in 0..<5 { p.advance(to: .max, engine: engine) { printed.append($0.durationSeconds) } }
        p.finish(engine: engine) { printed.append($0.durationSeconds) }
        #expect(printed.count <= 2, "no endless run of snapshots at the end of time: \(printed.count)")
        #expect(printed.last == 0)

        var q = PeriodicSnapshots(source: Snapshot.Source(kind: "file", file: "x", mode: "file"), interval: 1, count: 0)
        printed = []
        q.advance(to: .max - 2_500_000_000, engine: engine) { printed.append($0.durationSeconds) }
        q.advance(to: .max, engine: engine) { printed.append($0.durationSeconds) }
        #expect(printed == [1, 2], "the snapshots due before the end of time, each once")
    }

    @Test func anIntervalBeyondNanosecondsIsClamped() {
        var printed = 0
        let engine = StatsEngine()
        for interval in [1e10, 1e300, .infinity, .nan, 0, -1] {
            var p = PeriodicSnapshots(source: Snapshot.Source(kind: "file", file: "x", mode: "file"),
                                      interval: interval, count: 3)
            p.advance(to: 0, engine: engine) { _ in printed += 1 }
            p.advance(to: 1000, engine: engine) { _ in printed += 1 }
            p.finish(engine: engine) { _ in printed += 1 }
        }
        #expect(printed >= 6)
    }
}
