import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What rdmatop itself costs: its own CPU time and the kernel's time in the probe's programs
/// per packet, the figures `top` and bpftool would give for it.
public struct ToolCost: Sendable, Equatable {
    /// CPU time of the rdmatop process (user and system, every thread) since it started.
    public var cpuNanoseconds: UInt64 = 0
    /// rdmatop's CPU over the last window, in percent of one core (as `top` shows it);
    /// nil before a window has passed.
    public var cpuPercent: Double?
    /// Nanoseconds the kernel spent in the probe's programs per packet they ran on, over the
    /// last window (BPF run-time stats); nil for files, when the kernel refuses the stats, or
    /// when no packet came in the window.
    public var probeNanosecondsPerPacket: Double?

    public init(cpuNanoseconds: UInt64 = 0, cpuPercent: Double? = nil, probeNanosecondsPerPacket: Double? = nil) {
        self.cpuNanoseconds = cpuNanoseconds
        self.cpuPercent = cpuPercent
        self.probeNanosecondsPerPacket = probeNanosecondsPerPacket
    }
}

/// Measures `ToolCost` over windows of at least `minimumWindow`: a reading sooner than that
/// after the last window returns the last figures, so the view, the snapshots and the
/// exporter can all read it without cutting each other's windows short. Thread-safe.
public final class ToolCostMeter: @unchecked Sendable {
    /// The shortest window a new figure is computed over: half a second.
    public static let minimumWindow: Int64 = 500_000_000

    private struct Reading {
        var wall: Int64
        var cpu: UInt64
        var probeNanoseconds: UInt64
        var probeRuns: UInt64
    }

    private let lock = NSLock()
    private var last: Reading
    private var figures = ToolCost()
    private var measured = false

    /// Starts the first window now, with the probe's run-time stats as they are.
    public init(probeNanoseconds: UInt64 = 0, probeRuns: UInt64 = 0) {
        last = Reading(wall: SystemClock.monotonic(), cpu: ToolCostMeter.processCPU(),
                       probeNanoseconds: probeNanoseconds, probeRuns: probeRuns)
    }

    /// The cost now, given the probe's cumulative run-time stats (0, 0 for files): new figures
    /// when the first reading is taken or a window has passed, else the last ones (with the
    /// CPU time up to date).
    public func read(probeNanoseconds: UInt64 = 0, probeRuns: UInt64 = 0) -> ToolCost {
        lock.lock()
        defer { lock.unlock() }
        let now = Reading(wall: SystemClock.monotonic(), cpu: ToolCostMeter.processCPU(),
                          probeNanoseconds: probeNanoseconds, probeRuns: probeRuns)
        figures.cpuNanoseconds = now.cpu
        let window = now.wall - last.wall
        guard window > 0, !measured || window >= ToolCostMeter.minimumWindow else { return figures }
        figures.cpuPercent = Double(now.cpu &- last.cpu) / Double(window) * 100
        let runs = now.probeRuns &- last.probeRuns
        figures.probeNanosecondsPerPacket = runs > 0 && now.probeRuns >= last.probeRuns && now.probeNanoseconds >= last.probeNanoseconds
            ? Double(now.probeNanoseconds &- last.probeNanoseconds) / Double(runs) : nil
        last = now
        measured = true
        return figures
    }

    /// CPU time of this process, every thread (CLOCK_PROCESS_CPUTIME_ID), in nanoseconds.
    public static func processCPU() -> UInt64 {
        var ts = timespec()
        guard clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0 else { return 0 }
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}

extension ToolCost {
    /// "rdmatop CPU 3.1 %, probe 240 ns/packet" ("-" where not measured), the text snapshot's line.
    public var summary: String {
        "rdmatop CPU " + (cpuPercent.map { Units.fixed($0, digits: 1) + " %" } ?? "-")
            + ", probe " + (probeNanosecondsPerPacket.map { "\(Int($0.rounded())) ns/packet" } ?? "-")
    }
}
