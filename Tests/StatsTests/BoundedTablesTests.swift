import RoCE
import Testing
@testable import Stats

/// Every table that input can grow stays bounded, and what it drops is counted.
@Suite struct BoundedTablesTests {
    @Test func malformedTextsAreBoundedAndStillAddUp() {
        let e = StatsEngine()
        for i in 0..<3000 {
            let error: DecodeError = i % 2 == 0
                ? .inconsistentLength(.udp, .udpLength(i)) : .inconsistentLength(.ipv4, .ipTotalLength(i))
            e.ingestMalformed(error, frameLength: 100, timestamp: 1_000_000_000 + Int64(i), frameNumber: UInt64(i + 1))
        }
        #expect(e.malformed.count <= StatsEngine.maximumMalformedDetails + 1)
        #expect(e.malformed.values.reduce(0) { $0 + $1.count } == 3000, "the counts still add up")
        #expect(e.totals.malformed == 3000)
        let other = e.malformed["other inconsistent_length packets"]
        #expect(other?.count == 3000 - UInt64(StatsEngine.maximumMalformedDetails))
    }

    /// Spoofed addresses: FIRST packets from ever new host pairs.
    @Test func pathMTUsAreBoundedByTheFlowTable() {
        var config = EngineConfiguration()
        config.maxFlows = 100
        let e = StatsEngine(configuration: config)
        for i in 0..<1000 {
            let src = IPAddress("10.1.\(i / 256).\(i % 256)")!
            let p = packet(0x06, from: src, to: hostB, psn: 1, payload: 2048)
            e.ingest(p, frameLength: p.ip.totalLength + 14, timestamp: 1_000_000_000 + Int64(i), direction: .unknown)
        }
        #expect(e.pathMTUs.count == 100)
        #expect(e.forgottenPathMTUs == 900)
        #expect(e.pathMTU(between: IPAddress("10.1.3.231")!, and: hostB) == 2048, "the latest pairs are kept")
        #expect(e.flows.count == 100 && e.evictions == 900)
    }

    /// A QPN flood between two hosts: responses are paired by UDP source port through the
    /// index; without a port match among more than `maximumScan` flows they stay unpaired
    /// instead of every response comparing PSNs with every flow.
    @Test func pairingUnderAQPNFlood() {
        let e = StatsEngine()
        for qpn in 0..<5000 {
            feed(e, [(packet(0x04, qpn: UInt32(0x1000 + qpn), psn: 7, payload: 8, ackRequest: true,
                             sourcePort: UInt16(10_000 + qpn)), Int64(qpn))])
        }
        // The ACK of QPN 0x1000 + 1234 comes from its UDP source port.
        let ack = packet(0x11, from: hostB, to: hostA, qpn: 0x99, psn: 7, syndrome: .ack(credits: 31),
                         sourcePort: UInt16(10_000 + 1234))
        feed(e, [(ack, 6000)])
        let requester = FlowKey(source: hostA, destination: hostB, qpn: UInt32(0x1000 + 1234))
        #expect(e.flow(requester)?.rtt.count == 1, "paired by port: its round trip measured")
        // An ACK whose port matches none: 5000 candidates are not compared one by one.
        let stray = packet(0x11, from: hostB, to: hostA, qpn: 0x98, psn: 7, syndrome: .ack(credits: 31), sourcePort: 9)
        feed(e, [(stray, 7000)])
        #expect(e.flow(FlowKey(source: hostB, destination: hostA, qpn: 0x98))?.reverse == nil)
    }

    @Test func evictedRequestFlowsLeaveTheIndex() {
        var config = EngineConfiguration()
        config.maxFlows = 2
        let e = StatsEngine(configuration: config)
        feed(e, [(packet(0x04, qpn: 0x21, psn: 1, payload: 8, ackRequest: true, sourcePort: 1), 0),
                 (packet(0x04, qpn: 0x22, psn: 1, payload: 8, ackRequest: true, sourcePort: 2), 1),
                 (packet(0x04, qpn: 0x23, psn: 1, payload: 8, ackRequest: true, sourcePort: 3), 2)])
        // 0x21 was evicted: an ACK from its port pairs with the flow left that fits best, not with it.
        feed(e, [(packet(0x11, from: hostB, to: hostA, qpn: 0x50, psn: 1, syndrome: .ack(credits: 31), sourcePort: 1), 3)])
        let evicted = FlowKey(source: hostA, destination: hostB, qpn: 0x21)
        #expect(e.flow(evicted) == nil)
        #expect(e.flows.allSatisfy { $0.reverse != evicted })
    }
}
