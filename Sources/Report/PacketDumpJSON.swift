import RoCE
import Stats

/// The per-packet JSON Lines of `--dump --json`. Keys are Wireshark's display-filter field
/// names wherever Wireshark has one; rdmatop's own keys cover what it lacks (docs/json-schema.md).
public enum PacketDumpJSON {
    /// One JSON object (no trailing newline) for a decoded packet.
    public static func render(_ p: RoCEPacket, frame: FrameInfo, bytes: UnsafeRawBufferPointer) -> String {
        var j = JSONLine()
        addFrame(&j, frame)
        if let dir = frame.direction.jsonName ?? p.linkDirection.jsonName { j.add("direction", dir) }
        if let eth = p.ethernet {
            j.add("eth.src", eth.source.description)
            j.add("eth.dst", eth.destination.description)
            let tags = [eth.outerTag, eth.innerTag].compactMap { $0 }
            if !tags.isEmpty { j.addRaw("vlan.id", "[" + tags.map { String($0.vid) }.joined(separator: ",") + "]") }
        }
        if p.ip.version == 4 {
            j.add("ip.src", p.ip.source.description)
            j.add("ip.dst", p.ip.destination.description)
            j.add("ip.dsfield.dscp", p.ip.dscp)
            j.add("ip.dsfield.ecn", p.ip.ecn.rawValue)
            j.add("ip.ttl", p.ip.ttl)
            j.add("ip.id", p.ip.identification)
            j.add("ip.len", p.ip.totalLength)
        } else {
            j.add("ipv6.src", p.ip.source.description)
            j.add("ipv6.dst", p.ip.destination.description)
            j.add("ipv6.tclass.dscp", p.ip.dscp)
            j.add("ipv6.tclass.ecn", p.ip.ecn.rawValue)
            j.add("ipv6.hlim", p.ip.ttl)
            j.add("ipv6.flow", p.ip.flowLabel)
            j.add("ipv6.plen", p.ip.totalLength - 40)
        }
        j.add("udp.srcport", p.udp.sourcePort)
        j.add("udp.dstport", p.udp.destinationPort)
        j.add("udp.length", p.udp.length)
        let b = p.bth
        let info = p.opcodeInfo
        j.add("infiniband.bth.opcode", b.opcode)
        j.add("opcode_name", info.name)
        j.add("transport", info.transport.name)
        j.add("infiniband.bth.se", b.solicitedEvent)
        j.add("infiniband.bth.m", b.migrationRequest)
        j.add("infiniband.bth.padcnt", b.padCount)
        j.add("infiniband.bth.tver", b.transportVersion)
        j.add("infiniband.bth.p_key", b.partitionKey)
        j.add("fecn", b.fecn)
        j.add("becn", b.becn)
        j.add("infiniband.bth.destqp", b.destQP)
        j.add("infiniband.bth.a", b.ackRequest)
        j.add("infiniband.bth.psn", b.psn)
        if let h = p.rdeth { j.add("infiniband.rdeth.eecnxt", h.eeContext) }
        if let h = p.deth {
            j.add("infiniband.deth.q_key", h.qKey)
            j.add("infiniband.deth.srcqp", h.srcQP)
        }
        if let h = p.xrceth { j.add("xrceth.srqn", h.srqNumber) }
        if let h = p.feth {
            j.add("feth.selectivity_level", h.selectivityLevel)
            j.add("feth.placement_type", h.placementType)
        }
        if let h = p.reth {
            j.add("infiniband.reth.va", h.virtualAddress)
            j.add("infiniband.reth.r_key", h.rKey)
            j.add("infiniband.reth.dmalen", h.dmaLength)
        }
        if let h = p.atomicETH {
            // Wireshark shows the AtomicETH's address and key with the RETH's fields.
            j.add("infiniband.reth.va", h.virtualAddress)
            j.add("infiniband.reth.r_key", h.rKey)
            j.add("infiniband.atomiceth.swapdt", h.swapOrAdd)
            j.add("infiniband.atomiceth.cmpdt", h.compare)
        }
        if let h = p.aeth {
            j.add("infiniband.aeth.syndrome", h.syndromeByte)
            j.add("infiniband.aeth.msn", h.msn)
            switch h.syndrome {
            case .ack(let credits):
                j.add("aeth.type", "ack")
                j.add("infiniband.aeth.syndrome.credit_count", credits)
            case .rnrNak(let timer):
                j.add("aeth.type", "rnr_nak")
                j.add("infiniband.aeth.syndrome.timer", timer)
                j.add("rnr_timer_us", AETHSyndrome.rnrTimerMicroseconds[Int(timer)])
            case .nak(let code):
                j.add("aeth.type", "nak")
                j.add("infiniband.aeth.syndrome.error_code", code.rawValue)
                j.add("nak_code", code.name)
            case .reserved:
                j.add("aeth.type", "reserved")
            }
        }
        if let h = p.atomicAckETH { j.add("infiniband.atomicacketh.origremdt", h.originalRemoteData) }
        if let v = p.immediate { j.add("infiniband.immdt", v) }
        if let v = p.invalidateRKey { j.add("infiniband.ieth", v) }
        j.add("payload_len", p.payloadLength)
        if p.capturedPayloadLength > 0, p.payloadOffset + p.capturedPayloadLength <= bytes.count {
            j.add("infiniband.payload", HexDump.hex(UnsafeRawBufferPointer(
                rebasing: bytes[p.payloadOffset..<(p.payloadOffset + p.capturedPayloadLength)])))
        }
        if let icrc = p.icrc { j.add("infiniband.invariant.crc", icrc) }
        switch p.icrcStatus {
        case .valid: j.add("icrc_ok", true)
        case .invalid(_, let computed):
            j.add("icrc_ok", false)
            j.add("icrc_expected", computed)
        case .notCaptured, .notChecked: j.addRaw("icrc_ok", "null")
        }
        return j.result()
    }

    /// One JSON object for a packet that failed to decode.
    public static func render(error: DecodeError, frame: FrameInfo) -> String {
        var j = JSONLine()
        addFrame(&j, frame)
        j.add("error", error.description)
        j.add("error_kind", error.kind)
        return j.result()
    }

    static func addFrame(_ j: inout JSONLine, _ frame: FrameInfo) {
        j.add("frame.number", frame.number)
        j.addRaw("frame.time_epoch", Timestamps.epoch(frame.timestampNanoseconds))
        j.add("frame.len", frame.originalLength)
        j.add("frame.cap_len", frame.capturedLength)
        if let id = frame.interfaceID { j.add("frame.interface_id", id) }
    }
}
