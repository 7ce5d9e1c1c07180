import Foundation
import Report
import Stats
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// rdmatop's own cost: its CPU over a window, the probe's nanoseconds per packet, and the
/// snapshots that carry them.
struct ToolCostTests {
    static func threadCPU() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// A thread busy for the whole window: the process's CPU is at least that thread's share
    /// of the window, and at most every core's.
    @Test func cpuPercentCoversABusyThread() {
        let meter = ToolCostMeter()
        let wall0 = SystemClock.monotonic(), thread0 = Self.threadCPU()
        var x: UInt64 = 1
        while SystemClock.monotonic() - wall0 < 600_000_000 { x = x &* 6_364_136_223_846_793_005 &+ 1 }
        let thread = Double(Self.threadCPU() - thread0), wall = Double(SystemClock.monotonic() - wall0)
        let cost = meter.read()
        #expect(x != 0)
        let percent = try! #require(cost.cpuPercent)
        #expect(percent >= thread / wall * 100 - 2, "\(percent) % for a thread busy \(thread / wall * 100) %")
        #expect(percent <= Double(ProcessInfo.processInfo.activeProcessorCount) * 100 + 5)
        #expect(cost.cpuNanoseconds >= UInt64(thread))
        #expect(cost.probeNanosecondsPerPacket == nil)
    }

    /// The probe's figure is the run time over the runs of the window; a reading within the
    /// window keeps the last figures; a window without a run has none.
    @Test func probeNanosecondsPerPacketIsPerWindow() {
        let meter = ToolCostMeter()
        #expect(meter.read(probeNanoseconds: 1000, probeRuns: 10).probeNanosecondsPerPacket == 100)
        #expect(meter.read(probeNanoseconds: 9000, probeRuns: 11).probeNanosecondsPerPacket == 100)
        usleep(550_000)
        #expect(meter.read(probeNanoseconds: 5000, probeRuns: 40).probeNanosecondsPerPacket == 4000.0 / 30)
        usleep(550_000)
        #expect(meter.read(probeNanoseconds: 5000, probeRuns: 40).probeNanosecondsPerPacket == nil)
        usleep(550_000)
        // Counters that went backwards (stats reset) give no figure, not a huge one.
        #expect(meter.read(probeNanoseconds: 10, probeRuns: 41).probeNanosecondsPerPacket == nil)
    }

    /// Live snapshots carry the cost in every format; a file's have none, so that they stay
    /// the same from run to run.
    @Test func snapshotsCarryTheCostOnlyLive() throws {
        var live = Snapshot(engine: StatsEngine(), source: Snapshot.Source(kind: "interface", interface: "veth0", mode: "xdp"))
        live.source.cost = ToolCost(cpuNanoseconds: 2_500_000_000, cpuPercent: 12.34, probeNanosecondsPerPacket: 240.4)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(live.jsonText().utf8)) as? [String: Any])
        let source = try #require(json["source"] as? [String: Any])
        #expect(source["cpu_ns"] as? UInt64 == 2_500_000_000)
        #expect(source["cpu_percent"] as? Double == 12.3)
        #expect(source["probe_ns_per_packet"] as? Double == 240)
        #expect(live.renderText().contains("cost: rdmatop CPU 12.3 %, probe 240 ns/packet"))
        #expect(live.rendered(as: .prometheus, metricsQPs: 10, version: "t")
            .contains("\nrdmatop_process_cpu_seconds_total 2.5\n"))

        let file = Snapshot(engine: StatsEngine(), source: Snapshot.Source(kind: "file", file: "f.pcap", mode: "file"))
        let fileJSON = try #require(try JSONSerialization.jsonObject(with: Data(file.jsonText().utf8)) as? [String: Any])
        let fileSource = try #require(fileJSON["source"] as? [String: Any])
        #expect(fileSource["cpu_ns"] as? UInt64 == 0)
        #expect(fileSource["cpu_percent"] is NSNull && fileSource["probe_ns_per_packet"] is NSNull)
        #expect(!file.renderText().contains("cost:"))
    }
}
