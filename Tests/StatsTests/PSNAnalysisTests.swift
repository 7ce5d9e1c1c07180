import RoCE
import Testing
@testable import Stats

/// PSN analysis on hand-built sequences: one case per kind of event.
@Suite struct PSNAnalysisTests {
    @Test func inOrderPacketsAreJustCounted() {
        let e = StatsEngine()
        feed(e, writes(Array(100...110)))
        let f = e.flow(requestKey)!
        #expect(f.psn.inOrder == 11)
        #expect(f.psnGaps == 0 && f.psn.retransmissions == 0 && f.psn.duplicates == 0 && f.psn.outOfOrder == 0)
    }

    @Test func aJumpAheadCountsTheMissingPSNs() {
        let e = StatsEngine()
        feed(e, writes([1, 2, 5, 6, 10]))
        #expect(e.flow(requestKey)!.psnGaps == 2 + 3)
    }

    @Test func goBackNAfterANAKIsRetransmissionAfterNAK() {
        let e = StatsEngine()
        // 3 is lost; the responder NAKs expecting 3; the requester resends 3, 4, 5; then 6.
        var trace = writes([1, 2, 4, 5])
        trace.append(response(.nak(.psnSequenceError), psn: 3, at: 10))
        trace += writes([3, 4, 5, 6], start: 20)
        feed(e, trace)
        let f = e.flow(requestKey)!
        #expect(f.psnGaps == 1)
        #expect(f.psn.retransmissionsAfterNAK == 3)
        #expect(f.psn.retransmissionsAfterTimeout == 0)
        #expect(!f.psn.nakPending, "caught up at 6")
        #expect(e.flow(responseKey)!.responses.naks == ["psn_sequence_error": 1])
        #expect(e.flow(responseKey)!.reverse == requestKey)
        #expect(f.reverse == responseKey)
    }

    @Test func aLostRetransmissionIsAGapInsideTheReplay() {
        let e = StatsEngine()
        var trace = writes([1, 2, 4, 5, 6, 7])  // 3 lost
        trace.append(response(.nak(.psnSequenceError), psn: 3, at: 10))
        trace += writes([3, 4, 6, 7], start: 20)  // 5 lost again
        trace.append(response(.nak(.psnSequenceError), psn: 5, at: 30))
        trace += writes([5, 6, 7, 8], start: 40)
        feed(e, trace)
        let f = e.flow(requestKey)!
        #expect(f.psnGaps == 2)
        #expect(f.psn.retransmissionsAfterNAK == 7)
    }

    @Test func goingBackWithoutANAKIsRetransmissionAfterTimeout() {
        let e = StatsEngine()
        feed(e, writes([1, 2, 3, 4]) + writes([2, 3, 4, 5], start: 5_000))
        let f = e.flow(requestKey)!
        #expect(f.psn.retransmissionsAfterTimeout == 3)
        #expect(f.psn.retransmissionsAfterNAK == 0)
        #expect(f.psn.inOrder == 5)
    }

    @Test func theSamePacketTwiceIsADuplicate() {
        let e = StatsEngine()
        feed(e, writes([1, 2, 2, 3]))
        let f = e.flow(requestKey)!
        #expect(f.psn.duplicates == 1)
        #expect(f.psn.retransmissions == 0)
    }

    @Test func aLateMissingPSNWithoutNAKIsOutOfOrder() {
        let e = StatsEngine()
        feed(e, writes([1, 3, 2, 4]))  // 1 µs apart: well inside the reorder window
        let f = e.flow(requestKey)!
        #expect(f.psn.outOfOrder == 1)
        #expect(f.psnGaps == 0, "reordered, not lost")
        #expect(f.psn.retransmissions == 0)
    }

    @Test func psnsWrapAt2To24() {
        let e = StatsEngine()
        feed(e, writes([0xFF_FFFE, 0xFF_FFFF, 0, 1, 4]))
        let f = e.flow(requestKey)!
        #expect(f.psn.inOrder == 4)
        #expect(f.psnGaps == 2)
        // Behind across the wrap.
        feed(e, writes([0xFF_FFFF], start: 9_000))
        #expect(e.flow(requestKey)!.psn.retransmissions == 1)
    }

    @Test func aReadReservesThePSNsOfItsResponses() {
        let e = StatsEngine()
        // A full WRITE FIRST teaches the path MTU (1024); a 4 KiB READ takes 4 PSNs.
        feed(e, [(packet(0x06, psn: 10, payload: 1024, reth: RETH(virtualAddress: 0, rKey: 1, dmaLength: 2048)), 0),
                 (packet(0x08, psn: 11, payload: 1024), 1),
                 (packet(0x0C, psn: 12, ackRequest: true, reth: RETH(virtualAddress: 0, rKey: 1, dmaLength: 4096)), 2),
                 (packet(0x0A, psn: 16, payload: 64, reth: RETH(virtualAddress: 0, rKey: 1, dmaLength: 64)), 3)])
        let f = e.flow(requestKey)!
        #expect(f.psnGaps == 0)
        #expect(f.psn.inOrder == 4)
        #expect(e.pathMTU(between: hostA, and: hostB) == 1024)
    }

    @Test func anUnknownPathMTUIsInferredFromTheNextPSN() {
        let e = StatsEngine()
        // No full packet seen yet: a 4 KiB READ followed by a request 2 PSNs later means 2 KiB.
        feed(e, [(packet(0x0C, psn: 100, reth: RETH(virtualAddress: 0, rKey: 1, dmaLength: 4096)), 0),
                 (packet(0x0C, psn: 102, reth: RETH(virtualAddress: 0, rKey: 1, dmaLength: 4096)), 1),
                 (packet(0x0C, psn: 104, reth: RETH(virtualAddress: 0, rKey: 1, dmaLength: 100)), 2),
                 (packet(0x04, psn: 105, payload: 8), 3)])
        #expect(e.flow(requestKey)!.psnGaps == 0)
        #expect(e.pathMTU(between: hostB, and: hostA) == 2048)
    }

    @Test func gapsInsideAReadResponseAreCounted() {
        let e = StatsEngine()
        feed(e, [(packet(0x0D, from: hostB, to: hostA, qpn: 0x11, psn: 50, payload: 1024, syndrome: .ack(credits: 31)), 0),
                 (packet(0x0E, from: hostB, to: hostA, qpn: 0x11, psn: 51, payload: 1024), 1),
                 (packet(0x0F, from: hostB, to: hostA, qpn: 0x11, psn: 53, payload: 100, syndrome: .ack(credits: 31)), 2)])
        #expect(e.flow(responseKey)!.psnGaps == 1)
        #expect(e.flow(responseKey)!.messages.count == 1)
        #expect(e.flow(responseKey)!.messages.maxBytes == 2148)
    }
}
