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

    /// The same when the requester resent what the capture saw before it went back further
    /// (rxe's read_bw at 10 % loss cut 47 % in: three rounds from the first PSN seen, then
    /// one from 8 PSNs before it): the resends were as far out of sequence as the first
    /// round, owed nothing. Before, each resent READ stayed owed its responses (138 lost).
    @Test func resendsBeforeGoingBackPastTheFirstPSNSeenAreOwedNothing() {
        var m = ResponderModel()
        for round in 0..<3 {
            for psn in stride(from: UInt32(301), through: 421, by: 8) where round != 1 || psn != 357 {
                m.request(psn: psn, span: 8, ackRequested: false, answeredByResponse: true)
            }
        }
        m.request(psn: 293, span: 8, ackRequested: false, answeredByResponse: true)  // the go-back round
        #expect(m.owedReplies == 8 && m.expectedPSN == 301, "only 293's eight responses")
    }

    /// The responder took the first requests seen, but its answers were lost (netem on its
    /// side): the requester's timeout resends from before them, and the responder's first
    /// answer, for the first PSN seen, tells that the go-back was a resend. The requests
    /// were accepted and the resends duplicates, owed their responses again (rxe's read_bw
    /// at 10 % loss on the responder's side, cut 20 % in: 2 READs, then two resent rounds).
    @Test func aFirstAnswerForTheFirstPSNSeenMakesTheGoBackAResend() {
        func reads(_ m: inout ResponderModel) {
            m.request(psn: 75, span: 2, ackRequested: false, answeredByResponse: true)
            m.request(psn: 77, span: 2, ackRequested: false, answeredByResponse: true)
            for _ in 0..<2 {  // two timeout rounds from 50
                for psn in stride(from: UInt32(50), through: 79, by: 2) {
                    m.request(psn: psn, span: 2, ackRequested: false, answeredByResponse: true)
                }
            }
        }
        // Waiting for 50: 75 and 77 out of sequence, the first round accepted, the second resent.
        let waited: UInt64 = 2 * 15 + 2 * 15
        var m = ResponderModel()
        reads(&m)
        #expect(m.owedReplies == waited, "until an answer, as if the responder waited for 50")
        m.responderAnswered(through: 75, .response)
        #expect(m.owedReplies == 2 * 2 + 2 * 15 + 2 * 15, "75 and 77 accepted, then both rounds: 79 new, the rest resent")
        var n = ResponderModel()
        reads(&n)
        n.responderAnswered(through: 51, .response)
        #expect(n.owedReplies == waited, "an answer for 50: it waited for 50")
        var p = ResponderModel()
        reads(&p)
        p.responderAnswered(through: 60, .response)
        #expect(p.owedReplies == 2 * 2 + 2 * 15 + 2 * 15,
                "a response to 60, from before the capture: the responder was not waiting for 50")
        var o = ResponderModel()
        reads(&o)
        o.responderAnswered(through: 75, .ack)
        #expect(o.owedReplies == waited, "an ACK of 75 may answer the go-back round: it waited for 50")
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

    /// The capture reordered two requests (13 before 12), so the model owed a NAK for 13;
    /// the responder's NAK for 5 says it waited for 5 all along and sent that NAK alone (send_bw
    /// at 5 % loss cut 13 % in: one of rxeB's replies counted lost, where it lost none).
    @Test func aNAKBehindTheFirstRequestSeenWithdrawsTheNAKsTheModelOwed() {
        var m = ResponderModel()
        for psn: UInt32 in [10, 11, 13, 12, 14, 15] {
            m.request(psn: psn, span: 1, ackRequested: psn == 15, answeredByResponse: false)
        }
        #expect(m.owedReplies == 2, "NAKs for 13 and for 14 (13 was not taken, 12 was)")
        m.responderAnswered(through: 4, .nak)
        m.responderExpects(5, outOfSequence: true)
        #expect(m.owedReplies == 1 && m.expectedPSN == 5, "the NAK for 5 alone")
    }

    /// READs resent after a timeout are answered when the responder comes to them, once a
    /// response names them: the resends are in flight until then, even those behind the
    /// furthest PSN answered before they came (atomic_bw at 2 % loss on the responder's side,
    /// cut to end 83 % in: 35 lost replies, where the whole run loses 1).
    @Test func resendsAreNotDueUntilAResponseNamesThem() {
        var m = ResponderModel()
        for psn in stride(from: UInt32(0), through: 18, by: 2) {
            m.request(psn: psn, span: 2, ackRequested: false, answeredByResponse: true)
        }
        m.responderAnswered(through: 19, .response)
        for psn in stride(from: UInt32(4), through: 18, by: 2) {  // resent from 4 after a timeout
            m.request(psn: psn, span: 2, ackRequested: false, answeredByResponse: true)
        }
        #expect(m.owedReplies == 20 + 16)
        #expect(m.repliesDue == 20, "0-19: the resends, all behind 19, are in flight")
        m.responderAnswered(through: 6, .response)
        #expect(m.repliesDue == 20 + 3, "the resend of 6 (7 to come), and of 4 before it: its responses lost")
        m.responderAnswered(through: 7, .response)
        #expect(m.repliesDue == 20 + 4)
        m.responderAnswered(through: 19, .response)
        #expect(m.repliesDue == m.owedReplies)
    }

    /// A response naming a PSN that an accepted request not yet answered holds answers that
    /// request, not a resend of the same PSN that came after it (read_bw at 5 % on the
    /// responder's side: a second round of resends while the responder still answered the
    /// first, new requests between them).
    @Test func aResponseAnswersTheFirstRequestThatHoldsItsPSN() {
        var m = ResponderModel()
        for psn in stride(from: UInt32(0), through: 6, by: 2) {
            m.request(psn: psn, span: 2, ackRequested: false, answeredByResponse: true)
        }
        m.responderAnswered(through: 7, .response)
        for psn in stride(from: UInt32(8), through: 10, by: 2) {  // new: 8-11
            m.request(psn: psn, span: 2, ackRequested: false, answeredByResponse: true)
        }
        for psn in stride(from: UInt32(0), through: 10, by: 2) {  // resent from 0, 8 and 10 too
            m.request(psn: psn, span: 2, ackRequested: false, answeredByResponse: true)
        }
        #expect(m.repliesDue == 8)
        m.responderAnswered(through: 8, .response)
        m.responderAnswered(through: 9, .response)
        #expect(m.repliesDue == 8 + 2, "8-9 answer the new READ at 8, not the resend of 8 nor those before it")
        m.responderAnswered(through: 0, .response)
        #expect(m.repliesDue == 8 + 2 + 1, "the resends' round begins")
    }

    /// In a capture begun mid-session, the answers before those that reach the first request
    /// seen answer requests from before the capture, a first round of resends among them:
    /// none of the resends seen (read_bw at 5 % on the responder's side, cut to 20-60 % of the
    /// way in: 134 lost for a share of 44, the first round's answers taken for the second's).
    @Test func answersToRequestsFromBeforeTheCaptureAnswerNoResendSeen() {
        var m = ResponderModel()
        m.request(psn: 48, span: 2, ackRequested: false, answeredByResponse: true)  // the first seen
        m.request(psn: 50, span: 2, ackRequested: false, answeredByResponse: true)
        m.responderAnswered(through: 30, .response)  // a request from before the capture
        m.request(psn: 28, span: 2, ackRequested: false, answeredByResponse: true)  // resent
        m.request(psn: 30, span: 2, ackRequested: false, answeredByResponse: true)
        m.responderAnswered(through: 31, .response)
        #expect(m.owedReplies == 8)
        #expect(m.repliesDue == 0, "30-31 answered a request from before the capture, not the resend of 30")
        m.responderAnswered(through: 49, .response)
        #expect(m.repliesDue == 2, "48-49")
        m.responderAnswered(through: 51, .response)
        #expect(m.repliesDue == 4, "48-51; the resends still in flight")
        m.responderAnswered(through: 28, .response)
        #expect(m.repliesDue == 5, "and the resend of 28 has begun")
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
