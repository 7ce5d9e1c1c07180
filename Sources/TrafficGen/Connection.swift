import RoCE

/// One simulated QP pair: A's QP `qpA` sends requests to B's QP `qpB`.
struct Connection {
    let gen: TrafficGenerator
    let spec: ConnectionSpec
    let qpA: UInt32
    let qpB: UInt32
    var t: Int64
    /// Next request PSN.
    var psn: UInt32
    /// Responder's message sequence number.
    var msn: UInt32 = 0
    /// Highest request PSN the observer has seen (nil before the first).
    var highestSeen: UInt32?
    /// Lost request PSNs not yet refilled, with whether a later packet revealed them.
    var pendingLost: [UInt32: Bool] = [:]
    var lastCNP: Int64?

    let mtu: Int
    let fill: UInt8
    /// The UDP source port of both directions: RoCEv2 derives it from the two QPNs
    /// symmetrically (Linux rdma_get_udp_sport()), so a QP's requests and responses share it.
    let sourcePort: UInt16

    init(generator: TrafficGenerator, index: Int, spec: ConnectionSpec) {
        gen = generator
        self.spec = spec
        qpA = UInt32(0x11 + 2 * index)
        qpB = UInt32(0x12 + 2 * index)
        t = generator.config.startTime + Int64(index) * 1_000
        mtu = max(64, generator.config.pathMTU)
        // The first connection starts just below 2^24 so its PSNs wrap; the others at fixed
        // places of their own. Lap K starts where lap K-1 ended, so laps replayed one after
        // the other look like one long session.
        let start: UInt32 = index == 0 ? 0xFF_FFF0 : UInt32(truncatingIfNeeded: (UInt64(index) &* 0x9E37_79B9_7F4A_7C15) >> 40)
        let perLap = UInt32(truncatingIfNeeded: Connection.psnsPerLap(spec, mtu: max(64, generator.config.pathMTU)))
        psn = (start &+ UInt32(truncatingIfNeeded: generator.config.lap) &* perLap) & 0xFF_FFFF
        fill = UInt8(truncatingIfNeeded: index)
        var flowLabel = UInt64(qpA) * UInt64(qpB)
        flowLabel ^= flowLabel >> 20
        flowLabel ^= flowLabel >> 40
        sourcePort = UInt16(0xC000 | (flowLabel & 0x3FFF))
    }

    /// The PSNs one lap of `spec` consumes: one per packet of each request message (a READ:
    /// one per response packet).
    static func psnsPerLap(_ spec: ConnectionSpec, mtu: Int) -> Int {
        let perMessage: Int
        switch spec.workload {
        case .send, .write, .writeImmediate, .read: perMessage = max(1, (spec.messageSize + mtu - 1) / mtu)
        case .atomic, .ud: perMessage = 1
        }
        return perMessage * max(0, spec.messages)
    }

    mutating func run() {
        for m in 0..<max(0, spec.messages) {
            switch spec.workload {
            case .send: sendMessage(kind: .send)
            case .write: sendMessage(kind: .write)
            case .writeImmediate: sendMessage(kind: .writeImmediate)
            case .read: readMessage()
            case .atomic: atomic(compareSwap: m % 2 == 1)
            case .ud: datagram()
            }
            t += 2_000 + Int64(gen.rng.next() % 20_000)
        }
    }

    // MARK: - PSN bookkeeping of what the observer sees

    static func ahead(_ a: UInt32, of b: UInt32) -> Bool {
        let d = (a &- b) & 0xFF_FFFF
        return d != 0 && d < 0x80_0000
    }

    /// Records that the observer saw request PSN `p`; returns whether it is a retransmission
    /// from the observer's point of view (at or behind the highest PSN seen).
    mutating func observe(_ p: UInt32, fromB: Bool = false, qpn: UInt32) -> Bool {
        var behind = false
        if let h = highestSeen {
            behind = !Connection.ahead(p, of: h)
        }
        if !behind { highestSeen = p }
        // Losses a later packet reveals become PSN gaps.
        for (lost, revealed) in pendingLost where !revealed && Connection.ahead(p, of: lost) {
            pendingLost[lost] = true
            gen.updateTruth(fromB: false, qpn: qpn) { $0.psnGaps += 1 }
        }
        pendingLost[p] = nil
        return behind
    }

    // MARK: - Requests

    enum Kind { case send, write, writeImmediate }

    struct Request {
        var opcode: UInt8
        var psn: UInt32
        var payload: Int
        var ackRequest: Bool
        var reth: RETH?
        var immediate: UInt32?
    }

    func segments(kind: Kind, size: Int, firstPSN: UInt32) -> [Request] {
        let n = max(1, (size + mtu - 1) / mtu)
        let reth = RETH(virtualAddress: 0x7F00_0000_0000 + UInt64(qpA) << 24, rKey: 0x1000 + qpB, dmaLength: UInt32(size))
        return (0..<n).map { i in
            let first = i == 0, last = i == n - 1
            let payload = last ? size - (n - 1) * mtu : mtu
            var op: UInt8
            switch kind {
            case .send: op = n == 1 ? 0x04 : first ? 0x00 : last ? 0x02 : 0x01
            case .write: op = n == 1 ? 0x0A : first ? 0x06 : last ? 0x08 : 0x07
            case .writeImmediate: op = n == 1 ? 0x0B : first ? 0x06 : last ? 0x09 : 0x07
            }
            return Request(opcode: op, psn: (firstPSN &+ UInt32(i)) & 0xFF_FFFF, payload: payload, ackRequest: last,
                           reth: first && kind != .send ? reth : nil,
                           immediate: last && kind == .writeImmediate ? 0xC0DE_0000 | UInt32(i) : nil)
        }
    }

    /// Sends request packets with loss, NAKs and go-back-N; returns the time the last one
    /// arrived.
    mutating func transmit(_ requests: [Request], resend: Bool = false) -> Int64 {
        var next = 0
        var round = 0
        var arrival = t
        while next < requests.count {
            var firstLost: Int?
            var nakAt: Int64?
            for k in next..<requests.count {
                let r = requests[k]
                t += gen.wireTime(60 + r.payload)
                if round < 6, gen.rng.chance(gen.config.lossRate) {
                    if firstLost == nil { firstLost = k }
                    pendingLost[r.psn] = false  // lost again after being revealed: missing again
                    gen.updateTruth(fromB: false, qpn: qpB) { $0.lost += 1 }
                    continue
                }
                let ce = gen.rng.chance(gen.config.ecnRate)
                arrival = t + gen.oneWayDelay
                let behind = observe(r.psn, qpn: qpB)
                gen.emit(at: arrival, fromB: false, sourcePort: sourcePort,
                         bth: BTH(opcode: r.opcode, destQP: qpB, ackRequest: r.ackRequest, psn: r.psn),
                         payload: r.payload, ce: ce) { spec in
                    spec.reth = r.reth
                    spec.immediate = r.immediate
                }
                if (round > 0 || resend) && behind { gen.updateTruth(fromB: false, qpn: qpB) { $0.retransmissions += 1 } }
                if ce { congestionNotification(at: arrival) }
                if let lost = firstLost, nakAt == nil {
                    // The responder sees a PSN past the one it expects: one NAK per gap.
                    let at = arrival + gen.responseDelay
                    nakAt = at
                    gen.emit(at: at, fromB: true, sourcePort: sourcePort, bth: BTH(opcode: 0x11, destQP: qpA, psn: requests[lost].psn)) {
                        $0.aeth = AETH(.nak(.psnSequenceError), msn: self.msn)
                    }
                    gen.updateTruth(fromB: true, qpn: qpA) { $0.naks["psn_sequence_error", default: 0] += 1 }
                }
            }
            guard let lost = firstLost else { break }
            if let at = nakAt {
                t = max(t, at + gen.oneWayDelay)
            } else {
                t += gen.retransmitTimeout
                gen.updateTruth(fromB: false, qpn: qpB) { $0.timeouts += 1 }
            }
            next = lost
            round += 1
        }
        return arrival
    }

    mutating func sendMessage(kind: Kind) {
        let requests = segments(kind: kind, size: spec.messageSize, firstPSN: psn)
        psn = (psn &+ UInt32(requests.count)) & 0xFF_FFFF
        if kind == .send, gen.rng.chance(gen.config.rnrRate) { receiverNotReady(requests) }
        let arrival = transmit(requests, resend: highestSeen.map { !Connection.ahead(requests[0].psn, of: $0) } ?? false)
        gen.updateTruth(fromB: false, qpn: qpB) { $0.messages += 1 }
        msn = (msn &+ 1) & 0xFF_FFFF
        let last = requests[requests.count - 1].psn
        gen.emit(at: arrival + gen.responseDelay, fromB: true, sourcePort: sourcePort, bth: BTH(opcode: 0x11, destQP: qpA, psn: last)) {
            $0.aeth = AETH(.ack(credits: 31), msn: self.msn)
        }
        gen.updateTruth(fromB: true, qpn: qpA) { $0.acks += 1 }
        t = max(t, arrival + gen.responseDelay + gen.oneWayDelay)
    }

    /// The responder has no receive buffer: it answers the SEND with an RNR NAK; the rest of
    /// the message is then out of sequence, and the first of it gets a PSN sequence error NAK
    /// for the refused PSN (as rxe does: a real ib_send_bw capture, Tests/Fixtures/rxe-rnr-ecn,
    /// has one after each RNR NAK); the requester waits the RNR timer and sends the message again.
    mutating func receiverNotReady(_ requests: [Request]) {
        var arrival = t
        for r in requests {
            t += gen.wireTime(60 + r.payload)
            arrival = t + gen.oneWayDelay
            _ = observe(r.psn, qpn: qpB)
            gen.emit(at: arrival, fromB: false, sourcePort: sourcePort,
                     bth: BTH(opcode: r.opcode, destQP: qpB, ackRequest: r.ackRequest, psn: r.psn), payload: r.payload)
            if r.psn == requests[0].psn {
                let timer: UInt8 = 14  // 1.28 ms
                gen.emit(at: arrival + gen.responseDelay, fromB: true, sourcePort: sourcePort,
                         bth: BTH(opcode: 0x11, destQP: qpA, psn: r.psn)) {
                    $0.aeth = AETH(.rnrNak(timer: timer), msn: self.msn)
                }
                gen.updateTruth(fromB: true, qpn: qpA) { $0.rnrNaks += 1 }
            } else if r.psn == requests[1].psn {
                gen.emit(at: arrival + gen.responseDelay, fromB: true, sourcePort: sourcePort,
                         bth: BTH(opcode: 0x11, destQP: qpA, psn: requests[0].psn)) {
                    $0.aeth = AETH(.nak(.psnSequenceError), msn: self.msn)
                }
                gen.updateTruth(fromB: true, qpn: qpA) { $0.naks["psn_sequence_error", default: 0] += 1 }
            }
        }
        t = max(t, arrival) + Int64(AETHSyndrome.rnrTimerMicroseconds[14]) * 1000
    }

    mutating func readMessage() {
        let size = max(1, spec.messageSize)
        let n = (size + mtu - 1) / mtu
        let request = Request(opcode: 0x0C, psn: psn, payload: 0, ackRequest: true,
                              reth: RETH(virtualAddress: 0x7F80_0000_0000 + UInt64(qpB) << 24, rKey: 0x2000 + qpA,
                                         dmaLength: UInt32(size)))
        let first = psn
        psn = (psn &+ UInt32(n)) & 0xFF_FFFF
        var at = transmit([request]) + gen.responseDelay
        gen.updateTruth(fromB: false, qpn: qpB) { $0.messages += 1 }
        msn = (msn &+ 1) & 0xFF_FFFF
        for i in 0..<n {
            let isFirst = i == 0, isLast = i == n - 1
            let op: UInt8 = n == 1 ? 0x10 : isFirst ? 0x0D : isLast ? 0x0F : 0x0E
            let payload = isLast ? size - (n - 1) * mtu : mtu
            let p = (first &+ UInt32(i)) & 0xFF_FFFF
            let length = gen.emit(at: at, fromB: true, sourcePort: sourcePort, bth: BTH(opcode: op, destQP: qpA, psn: p), payload: payload) {
                if isFirst || isLast { $0.aeth = AETH(.ack(credits: 31), msn: self.msn) }
            }
            if isFirst || isLast { gen.updateTruth(fromB: true, qpn: qpA) { $0.acks += 1 } }
            at += gen.wireTime(length)
        }
        gen.updateTruth(fromB: true, qpn: qpA) { $0.messages += 1 }
        t = max(t, at + gen.oneWayDelay)
    }

    mutating func atomic(compareSwap: Bool) {
        let p = psn
        psn = (psn &+ 1) & 0xFF_FFFF
        let opcode: UInt8 = compareSwap ? 0x13 : 0x14
        let request = Request(opcode: opcode, psn: p, payload: 0, ackRequest: true)
        // transmit() writes no AtomicETH; atomics go through their own single-packet path.
        var sent = false
        var round = 0
        var arrival = t
        while !sent {
            t += gen.wireTime(88)
            if round < 6, gen.rng.chance(gen.config.lossRate) {
                gen.updateTruth(fromB: false, qpn: qpB) { $0.lost += 1 }
                t += gen.retransmitTimeout
                gen.updateTruth(fromB: false, qpn: qpB) { $0.timeouts += 1 }
                round += 1
                continue
            }
            arrival = t + gen.oneWayDelay
            _ = observe(p, qpn: qpB)
            gen.emit(at: arrival, fromB: false, sourcePort: sourcePort, bth: BTH(opcode: request.opcode, destQP: qpB, ackRequest: true, psn: p)) {
                $0.atomicETH = AtomicETH(virtualAddress: 0x7FC0_0000_0000 + UInt64(p) * 8, rKey: 0x3000 + self.qpB,
                                         swapOrAdd: compareSwap ? UInt64(p) : 1, compare: compareSwap ? UInt64(p) &- 1 : 0)
            }
            sent = true
        }
        gen.updateTruth(fromB: false, qpn: qpB) { $0.messages += 1 }
        msn = (msn &+ 1) & 0xFF_FFFF
        gen.emit(at: arrival + gen.responseDelay, fromB: true, sourcePort: sourcePort, bth: BTH(opcode: 0x12, destQP: qpA, psn: p)) {
            $0.aeth = AETH(.ack(credits: 31), msn: self.msn)
            $0.atomicAckETH = AtomicAckETH(originalRemoteData: UInt64(p) &* 3)
        }
        gen.updateTruth(fromB: true, qpn: qpA) { $0.acks += 1; $0.messages += 1 }
        t = max(t, arrival + gen.responseDelay + gen.oneWayDelay)
    }

    mutating func datagram() {
        let p = psn
        psn = (psn &+ 1) & 0xFF_FFFF
        t += gen.wireTime(60 + spec.messageSize)
        if gen.rng.chance(gen.config.lossRate) {
            pendingLost[p] = false
            gen.updateTruth(fromB: false, qpn: qpB) { $0.lost += 1 }
            return
        }
        let arrival = t + gen.oneWayDelay
        _ = observe(p, qpn: qpB)
        gen.emit(at: arrival, fromB: false, sourcePort: sourcePort, bth: BTH(opcode: 0x64, destQP: qpB, psn: p),
                 payload: min(spec.messageSize, mtu)) {
            $0.deth = DETH(qKey: 0x1111_1111, srcQP: self.qpA)
        }
        gen.updateTruth(fromB: false, qpn: qpB) { $0.messages += 1 }
    }

    /// The responder saw CE on a request: a CNP back to the requester's QP, rate-limited.
    mutating func congestionNotification(at arrival: Int64) {
        if let last = lastCNP, arrival - last < gen.cnpInterval { return }
        lastCNP = arrival
        gen.emit(at: arrival + 1_000, fromB: true, sourcePort: sourcePort, bth: BTH(opcode: OpcodeTable.cnp, partitionKey: 0xFFFF, becn: true,
                                                            destQP: qpA, psn: 0))
        gen.updateTruth(fromB: true, qpn: qpA) { $0.cnps += 1 }
    }
}
