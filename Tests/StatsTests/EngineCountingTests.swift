import RoCE
import Testing
@testable import Stats

/// Acknowledgement, congestion, message, round-trip, rate and eviction accounting.
@Suite struct EngineCountingTests {
    @Test func acksNaksRnrCnpAndECNAreCountedOnTheFlowThatCarriesThem() {
        let e = StatsEngine()
        feed(e, [(packet(0x04, psn: 1, payload: 8, ackRequest: true, ecn: .ce), 0),
                 response(.ack(credits: 31), psn: 1, at: 5),
                 response(.nak(.remoteAccessError), psn: 2, at: 6),
                 response(.nak(.psnSequenceError), psn: 2, at: 7),
                 response(.rnrNak(timer: 14), psn: 2, at: 8),
                 response(.rnrNak(timer: 14), psn: 2, at: 9),
                 (packet(0x81, from: hostB, to: hostA, qpn: 0x11, psn: 0, becn: true), 10)])
        let req = e.flow(requestKey)!, resp = e.flow(responseKey)!
        #expect(req.counts.ecnCE == 1)
        #expect(resp.counts.acks == 1)
        #expect(resp.counts.naks == ["remote_access_error": 1, "psn_sequence_error": 1])
        #expect(resp.counts.rnrNaks == 2)
        #expect(resp.responses.rnrTimers == [14: 2])
        #expect(resp.counts.cnps == 1)
        #expect(resp.counts.becn == 1)
        #expect(req.psn.nakPSN != nil)
    }

    /// A flow's counts come from the kernel's counting code (bpf/rdmatop_flow.h), so a file
    /// counts as the kernel does: NAK codes the IBTA does not define are "reserved" (the
    /// kernel counts them in one field), an RNR NAK is no NAK, and the payload is the UDP
    /// payload less the headers the opcode has, the pad and the ICRC.
    @Test func countsAreTheKernels() {
        let e = StatsEngine()
        feed(e, [(packet(0x04, psn: 1, payload: 13, ackRequest: true), 0),
                 response(.nak(NAKCode(rawValue: 9)), psn: 2, at: 5),
                 response(.nak(NAKCode(rawValue: 31)), psn: 2, at: 6),
                 response(.nak(.invalidRequest), psn: 2, at: 7),
                 response(.rnrNak(timer: 1), psn: 2, at: 8)])
        let req = e.flow(requestKey)!, resp = e.flow(responseKey)!
        #expect(resp.counts.naks == ["reserved": 2, "invalid_request": 1])
        #expect(resp.counts.nakCount == 3)
        #expect(resp.counts.rnrNaks == 1)
        #expect(req.payloadBytes == 13, "13 payload bytes padded to 16 on the wire")
        #expect(req.counts.packets == 1 && resp.counts.packets == 4)
    }

    @Test func roundTripsRunFromRequestToTheAcknowledgementCoveringIt() throws {
        let e = StatsEngine()
        feed(e, [(packet(0x04, psn: 10, payload: 8, ackRequest: true), 0),
                 (packet(0x04, psn: 11, payload: 8, ackRequest: true), 10),
                 response(.ack(credits: 31), psn: 11, at: 25),  // coalesced: covers both
                 (packet(0x04, psn: 12, payload: 8, ackRequest: true), 30),
                 response(.ack(credits: 31), psn: 12, at: 130)])
        let rtt = e.flow(requestKey)!.rtt
        #expect(rtt.count == 3)
        #expect(rtt.percentile(50) == 25)
        let p99 = try #require(rtt.percentile(99))
        #expect(p99 >= 99 && p99 <= 101, "HdrHistogram with two significant digits")
        #expect(e.flow(responseKey)!.rtt.count == 0)
    }

    @Test func roundTripsAcrossDifferentClocksAreDiscarded() {
        let e = StatsEngine()
        // The ACK stamped with another clock, 56 years earlier (rxe's boot-time stamps).
        feed(e, [(packet(0x04, psn: 1, payload: 8, ackRequest: true), 1_000_000_000_000),
                 response(.ack(credits: 31), psn: 1, at: 5)])
        #expect(e.flow(requestKey)!.rtt.count == 0)
        #expect(e.flow(requestKey)!.rtt.crossClock == 1)
    }

    @Test func twoClocksInOneCaptureGiveTheRealDuration() {
        let e = StatsEngine()
        // Requests on the wall clock, 1 ms apart for 1 s; ACKs stamped from boot (1970 + 100 s),
        // interleaved. The real span is 1 s, not 56 years.
        var trace: [(RoCEPacket, Int64)] = []
        let boot: Int64 = 100_000_000 - 1_000_000_000_000  // µs, relative to feed's origin
        for i in 0...1000 {
            trace.append((packet(0x04, psn: UInt32(i), payload: 8, ackRequest: true), Int64(i) * 1000))
            trace.append(response(.ack(credits: 31), psn: UInt32(i), at: boot + Int64(i) * 1000 + 20))
        }
        feed(e, trace)
        #expect(e.clocks.domains.count == 2)
        let span = Double(e.lastTimestamp - e.firstTimestamp) / 1e9
        #expect(span > 0.99 && span < 1.01, "\(span)")
        #expect(e.clocks.domains.map(\.packets) == [1001, 1001])
        e.tick(at: e.firstTimestamp)
        e.tick(at: e.lastTimestamp)
        #expect(e.packetRate.last > 1900 && e.packetRate.last < 2100)
        #expect(e.flow(requestKey)!.rtt.count == 0 && e.flow(requestKey)!.rtt.crossClock == 1001)
    }

    @Test func messagesAndTheirSizes() {
        let e = StatsEngine()
        feed(e, [(packet(0x00, psn: 1, payload: 1024), 0), (packet(0x01, psn: 2, payload: 1024), 1),
                 (packet(0x02, psn: 3, payload: 10), 2), (packet(0x04, psn: 4, payload: 100), 3),
                 (packet(0x04, psn: 4, payload: 100), 4)])  // a duplicate is not a new message
        let m = e.flow(requestKey)!.messages
        #expect(m.count == 2)
        #expect(m.minBytes == 100 && m.maxBytes == 2058)
        #expect(m.totalBytes == 2158)
    }

    @Test func responsesPairByUDPSourcePortAmongSeveralQPs() {
        let e = StatsEngine()
        // Two QPs from A to B; B's ACK to A's QP 0x21 carries the source port of the second.
        feed(e, [(packet(0x04, qpn: 0x12, psn: 1000, payload: 8, ackRequest: true, sourcePort: 50001), 0),
                 (packet(0x04, qpn: 0x22, psn: 1000, payload: 8, ackRequest: true, sourcePort: 50002), 1),
                 (packet(0x11, from: hostB, to: hostA, qpn: 0x21, psn: 1000, syndrome: .ack(credits: 31),
                         sourcePort: 50002), 5)])
        #expect(e.flow(FlowKey(source: hostB, destination: hostA, qpn: 0x21))!.reverse
                == FlowKey(source: hostA, destination: hostB, qpn: 0x22))
        #expect(e.flow(FlowKey(source: hostA, destination: hostB, qpn: 0x22))!.rtt.count == 1)
        #expect(e.flow(requestKey)!.rtt.count == 0)
    }

    @Test func ratesComeFromTicks() {
        let e = StatsEngine()
        e.tick(at: 1_000_000_000_000)
        feed(e, writes(Array(1...50)))
        e.tick(at: 1_000_000_000_000 + 2_000_000_000)  // two seconds later
        let f = e.flow(requestKey)!
        #expect(f.packetRate.last == 25)
        #expect(f.packetRate.history == [25])
        #expect(e.packetRate.last == 25)
        feed(e, writes(Array(51...60), start: 2_000_000))
        e.tick(at: 1_000_000_000_000 + 3_000_000_000)
        let g = e.flow(requestKey)!
        #expect(g.packetRate.last == 10)
        #expect(g.packetRate.smoothed < 25 && g.packetRate.smoothed > 10)
        #expect(g.packetRate.history == [25, 10])
    }

    @Test func theFlowTableEvictsTheLeastRecentlySeen() {
        var config = EngineConfiguration()
        config.maxFlows = 3
        let e = StatsEngine(configuration: config)
        for qpn: UInt32 in [1, 2, 3] { feed(e, [(packet(0x04, qpn: qpn, psn: 1, payload: 8), Int64(qpn))]) }
        feed(e, [(packet(0x04, qpn: 1, psn: 2, payload: 8), 10)])  // 1 is now the most recent
        feed(e, [(packet(0x04, qpn: 4, psn: 1, payload: 8), 11)])  // evicts 2
        feed(e, [(packet(0x04, qpn: 5, psn: 1, payload: 8), 12)])  // evicts 3
        #expect(e.evictions == 2)
        #expect(Set(e.flows.map(\.key.qpn)) == [1, 4, 5])
        #expect(e.flows.count == 3)
    }

    @Test func previewsKeepTheLastPayloads() {
        let e = StatsEngine()
        for psn: UInt32 in 1...6 {
            let bytes = Array("payload-\(psn)".utf8)
            let p = packet(0x04, psn: psn, payload: bytes.count)
            bytes.withUnsafeBytes { raw in
                e.ingest(p, payload: raw, frameLength: 100, timestamp: Int64(psn), direction: .inbound)
            }
        }
        let previews = e.flow(requestKey)!.previews
        #expect(previews.count == FlowStats.maxPreviews)
        #expect(previews.map(\.psn) == [3, 4, 5, 6])
        #expect(String(decoding: previews.last!.bytes, as: UTF8.self) == "payload-6")
    }

    @Test func theFilterSelectsCountsButAnalysisSeesEverything() {
        let e = StatsEngine(filter: PacketFilter(opcode: .opcodes([0x08])))
        feed(e, writes([1, 2, 4]) + [(packet(0x08, psn: 5, payload: 8), 9)])
        let f = e.flow(requestKey)!
        #expect(f.packets == 1)
        #expect(f.psn.missing == 1, "the gap among the unmatched packets is still seen")
        #expect(e.totals.rocePackets == 4 && e.totals.matched == 1)
    }

    /// A filter selects the packets a flow's counts count, its replies included (an RNR NAK
    /// and its timer alike); the request flow still hears of the NAK.
    @Test func theFilterSelectsTheRepliesCounted() {
        let e = StatsEngine(filter: PacketFilter(opcode: .opcodes([0x04])))
        feed(e, [(packet(0x04, psn: 1, payload: 8, ackRequest: true), 0), response(.rnrNak(timer: 14), psn: 1, at: 5)])
        let resp = e.flow(responseKey)!
        #expect(resp.packets == 0 && resp.counts.rnrNaks == 0)
        #expect(resp.responses.rnrTimers.isEmpty, "\(resp.responses.rnrTimers)")
        #expect(e.flow(requestKey)!.psn.nakPSN == 1)
    }
}
