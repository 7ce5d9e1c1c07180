import RoCE
import Testing
@testable import Stats

/// Timestamps at the ends of Int64 (a pcapng `if_tsoffset` of INT64_MIN, a 2^64 - 1 µs
/// stamp): the engine's arithmetic saturates instead of trapping.
@Suite struct ExtremeTimestampTests {
    func ingest(_ e: StatsEngine, _ p: RoCEPacket, at t: Int64) {
        e.ingest(p, frameLength: p.ip.totalLength + 14, timestamp: t, direction: .unknown)
    }

    @Test func theSpanOfTheWholeTimeline() {
        let e = StatsEngine()
        ingest(e, packet(0x0A, psn: 1, payload: 8), at: .min)
        #expect(e.hasTimestamps && e.firstTimestamp == .min && e.lastTimestamp == .min, "a negative time is kept")
        #expect(e.timeSpan == 0)
        ingest(e, packet(0x0A, psn: 2, payload: 8), at: .max)
        ingest(e, packet(0x0A, psn: 3, payload: 8), at: -1)
        #expect(e.clocks.domains.count == 3)
        #expect(e.timeSpan == 0, "three clocks, each aligned where the capture stood")
        ingest(e, packet(0x0A, psn: 4, payload: 8), at: .max - 1_000)
        #expect(e.timeSpan == 0, "before the end-of-time clock's first packet: it stays at its place")
        let f = StatsEngine()
        ingest(f, packet(0x0A, psn: 1, payload: 8), at: .max - 2_000)
        ingest(f, packet(0x0A, psn: 2, payload: 8), at: .max)
        #expect(f.timeSpan == 2_000)
        e.tick(at: .min)
        e.tick(at: .max)
        e.tick(at: .min)
        #expect(e.totals.packets == 4)
    }

    @Test func aNegativeTimeAloneIsItsOwnSpan() {
        let e = StatsEngine()
        ingest(e, packet(0x0A, psn: 1, payload: 8), at: -3_000_000_000)
        ingest(e, packet(0x0A, psn: 2, payload: 8), at: -1_000_000_000)
        #expect(e.timeSpan == 2_000_000_000, "not measured from 0")
    }

    @Test func roundTripsAcrossTheEndsOfTime() {
        var rtt = RoundTripTimes()
        rtt.request(psn: 1, time: .min)
        rtt.request(psn: 2, time: .max)
        rtt.response(covering: 2, time: .max)
        rtt.request(psn: 3, time: .max)
        rtt.response(covering: 3, time: .min)
        #expect(rtt.count == 1, "only the zero-length round trip is a sample: \(rtt.count)")
    }

    @Test func aMissingPSNFilledAcrossTheEndsOfTime() {
        var ledger = PSNLedger()
        _ = ledger.observe(psn: 1, time: .max)
        _ = ledger.observe(psn: 3, time: .max)
        _ = ledger.observe(psn: 2, time: .min)  // the hole, filled "before" it opened
        _ = ledger.observe(psn: 3, time: .min)
        _ = ledger.observe(psn: 4, time: .max)
        #expect(ledger.distinct == 4)
        #expect(ledger.missing == 1)
    }

    @Test func theEngineAcrossTwoClocksAtTheEnds() {
        let e = StatsEngine()
        for i in 0..<50 {
            let psn = UInt32(i)
            ingest(e, packet(0x04, psn: psn, payload: 8, ackRequest: true), at: .max - Int64(50 - i))
            if i != 20 {
                ingest(e, packet(0x11, from: hostB, to: hostA, qpn: 0x11, psn: psn, syndrome: .ack(credits: 31)),
                       at: .min + Int64(i))
            }
        }
        e.tick(at: e.firstTimestamp)
        e.tick(at: e.lastTimestamp)
        #expect(e.totals.packets == 99)
        #expect(e.flow(requestKey)!.rtt.count == 0, "two clocks: no round trip measured across them")
    }
}
