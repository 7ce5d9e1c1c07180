import CCurses
import CSignals
import Report
import Stats
#if canImport(Glibc)
import Glibc
#endif

/// How the view starts.
public struct ViewOptions: Sendable {
    /// Seconds between refreshes (`d` changes it).
    public var delay: Double = 1
    /// The filter the view starts with (`--qpn`, `--opcode`, `--addr`).
    public var filter = ViewFilter()
    /// Bold and reverse video only, even on a color terminal.
    public var monochrome = false
    /// A notice for the status line at the start.
    public var message: String?

    public init(delay: Double = 1, filter: ViewFilter = ViewFilter(), monochrome: Bool = false, message: String? = nil) {
        self.delay = delay
        self.filter = filter
        self.monochrome = monochrome
        self.message = message
    }
}

/// Why the view ended.
public enum ViewExit: Sendable, Equatable {
    /// `q`.
    case quit
    /// SIGINT, SIGTERM or SIGHUP (the signal), or the feed reported an interruption (0).
    case signal(Int32)
}

/// The interactive view: owns the terminal, pumps the feed, ticks the engine once per delay,
/// reads keys, redraws after each tick and each key.
public enum InteractiveView {
    /// Slices of feed pumping between looks at the keyboard.
    static let sliceNanoseconds: Int64 = 30_000_000

    /// Makes SIGINT, SIGTERM and SIGHUP end the view cleanly (the run loop sees a flag).
    /// `run` installs them; call it earlier to cover setup too.
    public static func installSignalHandlers() { rdmatop_install_signal_handlers() }

    /// The signal that asked the view to stop, or 0.
    public static var receivedSignal: Int32 { rdmatop_signal_received() }

    /// Runs the view over `feed` until `q`, a signal, or an error from the feed. The
    /// terminal is restored before this returns or throws.
    public static func run(_ feed: PacketFeed, options: ViewOptions = ViewOptions()) throws -> ViewExit {
        installSignalHandlers()
        let terminal = try Terminal(monochrome: options.monochrome)
        defer { terminal.stop() }

        var state = ViewState()
        state.delay = min(max(options.delay, ViewState.delayRange.lowerBound), ViewState.delayRange.upperBound)
        state.filter = options.filter
        state.message = options.message.map { StatusMessage($0) }
        var model = ViewModel(status: feed.status, state: state, symbols: terminal.symbols)
        feed.tick()
        model.refresh(ViewData(feed: feed))

        var delay = nanoseconds(model.state.delay)
        var nextTick = SystemClock.monotonic() + delay
        var ended = false
        var dirty = true
        while true {
            let signal = receivedSignal
            if signal != 0 { return .signal(signal) }
            if dirty {
                let (w, h) = terminal.size
                terminal.draw(model.render(width: w, height: h))
                dirty = false
            }

            let sliceEnd = min(SystemClock.monotonic() + sliceNanoseconds, nextTick)
            let feedStopped = model.state.paused && feed.pausesWithView
            if !ended && !feedStopped {
                switch try feed.pump(until: sliceEnd) {
                case .running:
                    break
                case .ended:
                    ended = true
                    feed.tick()
                    if !model.state.paused { model.refresh(ViewData(feed: feed)) }
                    model.updateStatus(feed.status)
                    dirty = true
                case .interrupted:
                    return .signal(receivedSignal)
                }
            }

            while let key = terminal.readKey() {
                dirty = true
                switch model.handle(key) {
                case .none:
                    break
                case .quit:
                    return .quit
                case .pause(let paused):
                    if feed.pausesWithView { feed.setPaused(paused) }
                    // What is shown freezes as it stands now (and resumes from now).
                    model.refresh(ViewData(feed: feed))
                case .delay(let seconds):
                    delay = nanoseconds(seconds)
                    nextTick = SystemClock.monotonic() + delay
                }
            }

            let now = SystemClock.monotonic()
            if now >= nextTick {
                if !(model.state.paused && feed.pausesWithView) { feed.tick() }
                if model.state.paused {
                    model.updateStatus(feed.status)
                } else {
                    model.refresh(ViewData(feed: feed))
                }
                dirty = true
                nextTick += delay
                if nextTick <= now { nextTick = now + delay }
            } else if !dirty {
                let wait = (min(sliceEnd, nextTick) - now) / 1_000_000
                if wait > 0 { terminal.waitForInput(milliseconds: Int(wait)) }
            }
        }
    }

    static func nanoseconds(_ seconds: Double) -> Int64 { Int64(seconds * 1e9) }

}
