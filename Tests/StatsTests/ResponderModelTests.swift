import Stats
import Testing

/// The replies a responder owes (docs/analysis.md, `lost_replies`), RNR NAKs included: the
/// sequences are rxe's, as its capture in Tests/Fixtures/rxe-rnr-ecn shows them.
struct ResponderModelTests {
    /// Requests of `n` PSNs from `psn` on, AckReq on every 4th (a 4-packet SEND's LAST).
    func send(_ m: inout ResponderModel, from psn: UInt32, count n: UInt32) {
        for i in 0..<n { m.request(psn: psn + i, span: 1, ackRequested: i % 4 == 3, answeredByResponse: false) }
    }

    @Test func inSequenceRequestsOweAnACKEachThatAsksForOne() {
        var m = ResponderModel()
        send(&m, from: 100, count: 8)
        #expect(m.owedReplies == 2)
    }

    /// rxe refuses the SEND at 104 (RNR NAK), drops 105-111 as out of sequence and NAKs the
    /// first of them; the requester resends from 104 after the RNR timer, and it is accepted.
    @Test func anRNRNakOwesItselfAndOneSequenceNAKForTheRequestsAfterIt() {
        var m = ResponderModel()
        send(&m, from: 100, count: 12)  // 3 ACKs asked for, 2 of them after 104
        #expect(m.owedReplies == 3)
        m.receiverNotReady(at: 104)
        #expect(m.owedReplies == 1 + 2, "the ACK of 100-103, the RNR NAK, the NAK of 105")
        m.responderExpects(104, outOfSequence: true)  // that NAK: nothing more is owed
        #expect(m.owedReplies == 3 && m.expectedPSN == 104)
        send(&m, from: 104, count: 8)  // the resend, accepted
        #expect(m.owedReplies == 5)
    }

    /// The capture began while the responder waited for PSN 49 (its NAK before the capture):
    /// the requester's go-back to 49, behind the first PSN seen and before any answer, says
    /// that what came before was not accepted and owed nothing.
    @Test func goingBackPastTheFirstPSNSeenBeforeAnyAnswerRebasesTheModel() {
        var m = ResponderModel()
        send(&m, from: 64, count: 8)  // 67 and 71 ask for an ACK: 2 owed, as the model sees it
        m.request(psn: 73, span: 1, ackRequested: false, answeredByResponse: false)  // 72 missing: a NAK
        #expect(m.owedReplies == 3)
        send(&m, from: 49, count: 4)  // the go-back round
        #expect(m.owedReplies == 1 && m.expectedPSN == 53, "only 52's ACK")
    }

    /// Going back to a PSN the capture saw sent (a ping-pong's first ACK lost, the message
    /// resent on the timeout) is a duplicate, owed an ACK again; so is any going back after
    /// the responder answered.
    @Test func aResendOfWhatTheCaptureSawIsADuplicate() {
        var m = ResponderModel()
        send(&m, from: 10, count: 4)
        send(&m, from: 10, count: 4)
        #expect(m.owedReplies == 1 + 4, "the lost ACK, and one per duplicate packet")
        var n = ResponderModel()
        send(&n, from: 64, count: 4)
        n.responderAnswered(through: 67)
        send(&n, from: 49, count: 4)
        #expect(n.owedReplies == 1 + 4)
    }

    /// Replies are due for the requests up to the furthest PSN answered so far: those past it
    /// are in flight (a capture that ends, a live snapshot), and a READ answered in part owes
    /// its later responses later.
    @Test func repliesOfRequestsPastTheLastAnswerAreNotDueYet() {
        var m = ResponderModel()
        for psn: UInt32 in 0..<8 { m.request(psn: psn, span: 1, ackRequested: true, answeredByResponse: false) }
        #expect(m.repliesDue == 8, "nothing answered yet: all counted")
        m.responderAnswered(through: 2)
        #expect(m.repliesDue == 3 && m.owedReplies == 8)
        m.responderAnswered(through: 1)
        #expect(m.repliesDue == 3, "an older answer moves nothing back")
        m.request(psn: 8, span: 4, ackRequested: false, answeredByResponse: true)  // a READ of 4 responses
        m.responderAnswered(through: 9)
        #expect(m.repliesDue == 8 + 2, "0-7, and the READ's first two responses")
        m.responderAnswered(through: 11)
        #expect(m.repliesDue == m.owedReplies)
    }

    /// The RNR NAK came before any request after the refused one: the first of them, when it
    /// comes, is owed the sequence NAK; a second round refused again owes the same again.
    @Test func theSequenceNAKIsOwedWhenTheNextRequestComes() {
        var m = ResponderModel()
        send(&m, from: 100, count: 4)
        m.receiverNotReady(at: 103)
        #expect(m.owedReplies == 1, "its ACK withdrawn, the RNR NAK owed")
        send(&m, from: 104, count: 4)
        #expect(m.owedReplies == 2, "one sequence NAK for 104-107")
        send(&m, from: 103, count: 5)  // resent from 103: refused again after 103-107 came
        m.receiverNotReady(at: 103)
        #expect(m.owedReplies == 4, "another RNR NAK and another sequence NAK")
    }
}
