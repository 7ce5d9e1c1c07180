/// Rates, updated by ticks on the packets' clock.
extension StatsEngine {
    /// Updates every rate with the time elapsed since the last tick (`time` in nanoseconds,
    /// on the packets' clock). The first tick only starts the clock.
    public func tick(at time: Int64) {
        defer { lastTick = time }
        guard let last = lastTick else { return }
        let seconds = Double(time.subtractingSaturating(last)) / 1e9
        guard seconds > 0 else { return }
        packetRate.tick(count: totals.packets, seconds: seconds)
        byteRate.tick(count: totals.bytes, seconds: seconds)
        for (i, total) in opcodes.enumerated() where total.packets > 0 {
            opcodeRates[UInt8(i), default: RateMeter()].tick(count: total.packets, seconds: seconds)
        }
        table.forEach { flow in
            flow.packetRate.tick(count: flow.packets, seconds: seconds)
            flow.byteRate.tick(count: flow.bytes, seconds: seconds)
            flow.messageRate.tick(count: flow.messages.count, seconds: seconds)
        }
    }
}
