/// Rates, updated by ticks on the packets' clock.
extension StatsEngine {
    /// Updates every rate with the time elapsed since the last tick (`time` in nanoseconds,
    /// on the packets' clock). The first tick only starts the clock. With counts kept
    /// elsewhere (the kernel's, exact when events are lost or sampled), the packet and byte
    /// rates come from `exactTotals`, and a flow in `exactFlows` takes its rates from there.
    public func tick(at time: Int64, exactTotals: ExactTotals? = nil, exactFlows: [FlowStats]? = nil) {
        defer { lastTick = time }
        guard let last = lastTick else { return }
        let seconds = Double(time.subtractingSaturating(last)) / 1e9
        guard seconds > 0 else { return }
        packetRate.tick(count: exactTotals?.packets ?? totals.packets, seconds: seconds)
        byteRate.tick(count: exactTotals?.bytes ?? totals.bytes, seconds: seconds)
        for (i, total) in opcodes.enumerated() where total.packets > 0 {
            opcodeRates[UInt8(i), default: RateMeter()].tick(count: total.packets, seconds: seconds)
        }
        var counts: [FlowKey: (packets: UInt64, bytes: UInt64)] = [:]
        for f in exactFlows ?? [] { counts[f.key] = (f.packets, f.bytes) }
        table.forEach { flow in
            let count = counts[flow.key]
            flow.packetRate.tick(count: count?.packets ?? flow.packets, seconds: seconds)
            flow.byteRate.tick(count: count?.bytes ?? flow.bytes, seconds: seconds)
            flow.messageRate.tick(count: flow.messages.count, seconds: seconds)
        }
    }
}
