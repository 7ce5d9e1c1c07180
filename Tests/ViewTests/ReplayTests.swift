import Capture
import Foundation
import RoCE
import Stats
import Testing
import TrafficGen
@testable import Monitor

/// File replay: one timeline for mixed clocks, pacing at a speed, pause.
@Suite struct ReplayTests {
    @Test func oneClockKeepsItsSpacing() {
        var t = ReplayTimeline()
        #expect(t.place(1_000) == 1_000)
        #expect(t.place(2_000_000_000) == 2_000_000_000)
        #expect(t.place(6_000_000_000) == 6_000_000_000, "4 s later: waited for")
        #expect(t.jumps == 0)
        #expect(t.origin == 1_000)
    }

    @Test func mixedClocksAreAlignedWhereTheyMeet() {
        // rxe's captures: one direction stamped from boot (seconds), the other in 2026.
        let boot: Int64 = 25_000_000_000, wall: Int64 = 1_795_548_906_000_000_000
        var t = ReplayTimeline()
        #expect(t.place(boot) == boot)
        #expect(t.place(wall) == boot, "a new clock lands where the replay stands")
        #expect(t.place(boot + 1_000_000) == boot + 1_000_000)
        #expect(t.place(wall + 2_000_000) == boot + 2_000_000, "each clock keeps its own spacing")
        #expect(t.place(boot + 3_000_000) == boot + 3_000_000)
        #expect(t.jumps == 1)
        #expect(t.latest == boot + 3_000_000)
    }

    @Test func aLongSilenceIsNotWaitedFor() {
        var t = ReplayTimeline(maximumJump: 5_000_000_000)
        _ = t.place(0)
        _ = t.place(1_000_000_000)
        #expect(t.place(3_601_000_000_000) == 1_000_000_000, "an hour of silence is skipped")
        #expect(t.place(3_601_500_000_000) == 1_500_000_000)
        #expect(t.jumps == 1)
    }

    /// A pcap of `count` packets `spacing` ns apart.
    static func capture(count: Int, spacing: Int64) throws -> String {
        var config = GeneratorConfig(connections: [ConnectionSpec(workload: .ud, messageSize: 256, messages: count)])
        config.seed = 3
        let frames = TrafficGenerator(config: config).generate().frames
        let path = NSTemporaryDirectory() + "rdmatop-replay-\(UUID().uuidString).pcap"
        let writer = try PcapWriter(path: path, linkType: 1)
        for (i, f) in frames.enumerated() {
            try writer.write(timestampNanoseconds: 1_000_000_000_000 + Int64(i) * spacing, data: f.bytes)
        }
        try writer.close()
        return path
    }

    /// A replay on a clock the test moves by hand.
    final class FakeClock: @unchecked Sendable {
        var now: Int64 = 0
    }

    func replay(_ path: String, speed: CaptureReplay.Speed, clock: FakeClock) throws -> (CaptureReplay, StatsEngine) {
        let engine = StatsEngine()
        let r = try CaptureReplay(path: path, decoder: PacketDecoder(), engine: engine, speed: speed)
        r.now = { clock.now }
        r.sleep = { clock.now += $0 }
        return (r, engine)
    }

    @Test func captureSpeedCountsWhatIsDue() throws {
        let path = try Self.capture(count: 100, spacing: 10_000_000)  // 100 packets, 10 ms apart
        defer { try? FileManager.default.removeItem(atPath: path) }
        let clock = FakeClock()
        let (r, engine) = try replay(path, speed: .factor(1), clock: clock)
        #expect(r.pump(until: 0))
        #expect(engine.totals.packets == 1, "the first packet is due at once")
        #expect(r.pump(until: 95_000_000))
        #expect(engine.totals.packets == 10, "0..90 ms")
        #expect(r.elapsed == 90_000_000 || r.elapsed == 95_000_000)
        #expect(r.pump(until: 2_000_000_000) == false)
        #expect(engine.totals.packets == 100 && r.ended)
        #expect(r.clock == 1_000_000_000_000 + 990_000_000, "at the end the clock stops at the last packet")
    }

    @Test func fasterAndUnlimited() throws {
        let path = try Self.capture(count: 100, spacing: 10_000_000)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let clock = FakeClock()
        let (r, engine) = try replay(path, speed: .factor(10), clock: clock)
        _ = r.pump(until: 0)
        _ = r.pump(until: 50_000_000)  // 50 ms at 10x: 500 ms of capture
        #expect(engine.totals.packets == 51)

        let clock2 = FakeClock()
        let (u, engine2) = try replay(path, speed: .unlimited, clock: clock2)
        #expect(u.pump(until: 1) == false)
        #expect(engine2.totals.packets == 100 && u.ended)
        #expect(clock2.now == 0, "as fast as possible: no waiting")
    }

    @Test func pausedReplayStandsStill() throws {
        let path = try Self.capture(count: 100, spacing: 10_000_000)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let clock = FakeClock()
        let (r, engine) = try replay(path, speed: .factor(1), clock: clock)
        _ = r.pump(until: 0)
        _ = r.pump(until: 100_000_000)
        let before = engine.totals.packets
        r.setPaused(true)
        #expect(r.pump(until: 200_000_000))
        clock.now = 5_000_000_000  // five seconds paused
        #expect(engine.totals.packets == before)
        r.setPaused(false)
        _ = r.pump(until: 5_050_000_000)
        #expect(engine.totals.packets == before + 5, "after the pause the replay goes on from where it stood")
    }

    @Test func realCaptureWithTwoClocks() throws {
        let rping = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/captures/rping.pcap").path
        try #require(FileManager.default.fileExists(atPath: rping), "../shared/captures/rping.pcap")
        let clock = FakeClock()
        let (r, engine) = try replay(rping, speed: .factor(1), clock: clock)
        while r.pump(until: clock.now + 30_000_000) {}
        #expect(engine.totals.packets == 125)
        #expect(r.clockJumps == 1, "the boot clock and the wall clock")
        #expect(clock.now < 1_000_000_000, "replayed in well under a second, not decades: \(clock.now)")
        #expect(r.failure == nil)
    }

    @Test func aTruncatedFileEndsWithItsFault() throws {
        let path = try Self.capture(count: 20, spacing: 1000)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count - 7).write(to: URL(fileURLWithPath: path))
        let clock = FakeClock()
        let (r, engine) = try replay(path, speed: .unlimited, clock: clock)
        #expect(r.pump(until: 1) == false)
        #expect(engine.totals.packets == 19)
        #expect(r.failure != nil && r.ended)
    }
}
