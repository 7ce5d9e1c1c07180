import CFlow
import Testing
import TrafficGen

/// The arithmetic of the kernel's PSN window (bpf/rdmatop_flow.h) that its definition does not
/// spell out: the branch-free clearing of a run of bitmap positions, against clearing them one
/// by one. (What the window counts is checked against count.py: GroundTruthTests.)
@Suite struct PSNWindowTests {
    static let window = UInt32(RDMATOP_PSN_WINDOW)

    func bits(_ w: rdmatop_psn_window) -> [UInt64] { withUnsafeBytes(of: w.carried) { Array($0.bindMemory(to: UInt64.self)) } }

    func setBits(_ w: inout rdmatop_psn_window, _ words: [UInt64]) {
        withUnsafeMutableBytes(of: &w.carried) { raw in
            for (i, v) in words.enumerated() { raw.storeBytes(of: v, toByteOffset: i * 8, as: UInt64.self) }
        }
    }

    @Test func clearingARunEqualsClearingEachPosition() {
        var random = SplitMix64(seed: 0x5eed_0f_9)
        let words = Int(Self.window) / 64
        for round in 0..<20_000 {
            var w = rdmatop_psn_window()
            let before = (0..<words).map { _ in random.next() }
            setBits(&w, before)
            // Starts anywhere in the 24-bit PSN space; runs of every length up to the whole
            // window, the edges often.
            let start = UInt32(truncatingIfNeeded: random.next()) & 0xFF_FFFF
            let edges: [UInt32] = [0, 1, 63, 64, 65, Self.window - 64, Self.window - 1, Self.window]
            let count = round % 4 == 0 ? edges[Int(random.next() % UInt64(edges.count))]
                : UInt32(random.next() % UInt64(Self.window + 1))
            rdmatop_psn_clear(&w, start, count)
            var expected = before
            for k in 0..<count {
                let bit = Int((start &+ k) % Self.window)
                expected[bit / 64] &= ~(UInt64(1) << UInt64(bit % 64))
            }
            #expect(bits(w) == expected, "start \(start) count \(count)")
            if bits(w) != expected { return }
        }
    }

    /// The window's bound: a hole filled up to RDMATOP_PSN_WINDOW positions behind the next PSN
    /// is a distinct PSN; one filled further back counts as a retransmission (the window no
    /// longer remembers it missing).
    @Test func holesAreRememberedForTheWindowAndNoFurther() {
        for (late, distinct) in [(Self.window, true), (Self.window + 1, false)] {
            var w = rdmatop_psn_window()
            let role = UInt32(RDMATOP_PSN_REQUEST.rawValue)
            rdmatop_psn_observe(&w, role, 100, 0)
            rdmatop_psn_observe(&w, role, 102, 0)  // 101 missing
            for psn in 103..<(101 + late) { rdmatop_psn_observe(&w, role, psn, 0) }
            #expect(w.next == 101 + late)
            let first = rdmatop_psn_observe(&w, role, 101, 0)
            #expect((first == 1) == distinct, "101 filled \(late) positions behind the next PSN")
            #expect(w.counts.missing == 1)
        }
    }

    /// Messages: a LAST or ONLY first carried ends one; a LAST with no FIRST, LAST or ONLY
    /// before it is partial, until a boundary at an earlier PSN comes after all (the FIRST,
    /// lost and resent after its LAST: four real SoftRoCE runs under loss have one).
    @Test func aLastBeforeItsResentFirstBecomesWholeAgain() {
        let role = UInt32(RDMATOP_PSN_REQUEST.rawValue)
        let first = UInt32(RDMATOP_MESSAGE_FIRST.rawValue), middle = UInt32(RDMATOP_MESSAGE_MIDDLE.rawValue)
        let last = UInt32(RDMATOP_MESSAGE_LAST.rawValue), only = UInt32(RDMATOP_MESSAGE_ONLY.rawValue)
        var w = rdmatop_psn_window()
        rdmatop_psn_observe(&w, role, 11, middle)  // FIRST 10 lost before the capture point
        rdmatop_psn_observe(&w, role, 12, last)
        #expect(w.counts.messages == 0 && w.counts.partial_messages == 1)
        rdmatop_psn_observe(&w, role, 10, first)   // resent
        rdmatop_psn_observe(&w, role, 11, middle)
        rdmatop_psn_observe(&w, role, 12, last)    // resent: the same message
        #expect(w.counts.messages == 1 && w.counts.partial_messages == 0)
        rdmatop_psn_observe(&w, role, 13, only)
        rdmatop_psn_observe(&w, role, 13, only)
        #expect(w.counts.messages == 2 && w.counts.retransmitted == 3, "11 and 12 resent, 13 twice")

        var v = rdmatop_psn_window()
        rdmatop_psn_observe(&v, role, 21, last)    // the capture began inside a message
        rdmatop_psn_observe(&v, role, 22, first)
        rdmatop_psn_observe(&v, role, 23, last)
        #expect(v.counts.messages == 1 && v.counts.partial_messages == 1, "no earlier boundary ever came")
    }
}
