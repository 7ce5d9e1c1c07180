import RoCE
import Stats
import Testing
@testable import View

/// The detail view of one QP.
@Suite struct DetailTests {
    static let ping = Array("rdma-ping-0: ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqr".utf8) + [0]

    /// A WRITE ONLY with rping's payload A→B (QPN 0x12), ACKed; a NAK and an RNR NAK.
    static func engine() -> StatsEngine {
        let e = StatsEngine()
        e.tick(at: at(0))
        feed(e, [(packet(0x0A, psn: 1, payload: ping, ackRequest: true), 0),
                 (packet(0x11, from: hostB, to: hostA, qpn: 0x11, psn: 1, syndrome: .ack(credits: 31)), 40),
                 (packet(0x0A, psn: 2, payload: ping, ackRequest: true), 100),
                 (packet(0x11, from: hostB, to: hostA, qpn: 0x11, psn: 2, syndrome: .ack(credits: 31)), 1100),
                 (packet(0x0A, psn: 4, payload: ping, ackRequest: true), 1200),
                 (packet(0x11, from: hostB, to: hostA, qpn: 0x11, psn: 3, syndrome: .nak(.psnSequenceError)), 1300),
                 (packet(0x11, from: hostB, to: hostA, qpn: 0x11, psn: 3, syndrome: .rnrNak(timer: 14)), 1400)])
        e.tick(at: at(1_000_000))
        return e
    }

    @Test func everyCounterOfTheSelectedFlow() throws {
        var m = model(Self.engine())
        m.type("/0x12\n")
        m.press([.enter])
        #expect(m.state.mode == .detail)
        let text = m.detailLines(width: 80).map(\.text)
        #expect(text.allSatisfy { $0.count <= 80 })
        let all = text.joined(separator: "\n")
        #expect(text[0].hasPrefix("QP 0x000012  10.0.0.1 > 10.0.0.2  RC"))
        #expect(all.contains("reverse    flow 10.0.0.2 > 10.0.0.1 qpn 0x000011  packets 4  ACKs 2  NAKs 1"))
        #expect(all.contains("RNR NAKs 1"))
        #expect(all.contains("packets 3"))
        #expect(all.contains("RDMA_WRITE_ONLY 3"))
        #expect(all.contains("MISS 1") && all.contains("LOST 1"))
        #expect(all.contains("p50 40us") || all.contains("p50 1.00ms"), "\(all)")
        #expect(all.contains("samples 2"))
        #expect(all.contains("pkt/s"))
        let reverse = try #require(m.data.flow(FlowKey(source: hostB, destination: hostA, qpn: 0x11)))
        #expect(reverse.counts.rnrNaks == 1)
    }

    @Test func theResponderFlowShowsNAKsByCodeAndRNRByTimer() {
        var m = model(Self.engine())
        m.type("/0x11\n")
        m.press([.enter])
        let all = m.detailLines(width: 100).map(\.text).joined(separator: "\n")
        #expect(all.contains("psn_sequence_error 1"))
        #expect(all.contains("timer 14"))
        #expect(all.contains("RNR NAKs 1"))
    }

    @Test func payloadPreviewsInHexAndASCII() {
        var m = model(Self.engine())
        m.type("/0x12\n")
        m.press([.enter])
        let text = m.detailLines(width: 80).map(\.text)
        let i = text.firstIndex { $0.hasPrefix("payload") }!
        #expect(text[i].contains("last 3"))
        #expect(text[i + 1].contains("RDMA_WRITE_ONLY  PSN 0x000004  64 bytes"))
        #expect(text[i + 2] == "  0000  72 64 6d 61 2d 70 69 6e  67 2d 30 3a 20 41 42 43  rdma-ping-0: ABC")
    }

    @Test func roundTripHistogramBuckets() {
        var m = model(Self.engine())
        m.type("/0x12\n")
        m.press([.enter])
        let text = m.detailLines(width: 80).map(\.text)
        let buckets = text.filter { $0.contains("us-") || $0.contains("ms-") }
        #expect(buckets.count >= 2, "\(text)")
        #expect(buckets.first!.contains("32us-64us") && buckets.first!.hasSuffix(" 1"))
        #expect(buckets.last!.hasSuffix(" 1"))
    }

    @Test func scrollingStopsAtTheEnd() {
        var m = model(Self.engine())
        m.type("/0x12\n")
        m.press([.enter])
        let all = m.detailLines(width: 80).map(\.text)
        m.press(Array(repeating: .down, count: 200))
        let screen = m.screen(80, 24)
        #expect(screen.count == 24)
        #expect(all.count > 20)
        #expect(m.state.detailScroll == all.count - (24 - 3 - 1))
        #expect(screen[22] == all.last!, "the last line of the detail is in view")
        #expect(screen[22] == "  0030  64 65 66 67 68 69 6a 6b  6c 6d 6e 6f 70 71 72 00  defghijklmnopqr.")
    }

    @Test func aFlowThatLeftTheTable() {
        var m = model(Self.engine())
        m.press([.enter])
        m.refresh(ViewData(engine: StatsEngine(), status: fileStatus))
        let text = m.detailLines(width: 80).map(\.text).joined()
        #expect(text.contains("no QP selected") || text.contains("no longer in the table"))
    }
}
