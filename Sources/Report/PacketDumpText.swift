import RoCE
import Stats

/// The per-packet text of `--dump`, in the spirit of the talk's sample tool: addresses and
/// ports, the BTH, each extended header, and a hex/ASCII payload preview.
public enum PacketDumpText {
    /// Renders a decoded packet. `bytes` are the captured bytes the packet was decoded from.
    public static func render(_ p: RoCEPacket, frame: FrameInfo, bytes: UnsafeRawBufferPointer,
                              previewBytes: Int = 64) -> String {
        let info = p.opcodeInfo
        var lines: [String] = []
        var head = "#\(frame.number) \(Timestamps.utc(frame.timestampNanoseconds))"
        if let dir = frame.direction.jsonName ?? p.linkDirection.jsonName { head += " " + dir.uppercased() }
        head += " \(p.ip.source).\(p.udp.sourcePort) > \(p.ip.destination).\(p.udp.destinationPort)"
        head += " len \(frame.originalLength) \(info.name)"
        lines.append(head)
        if let eth = p.ethernet {
            var l = "  Ethernet \(eth.source) > \(eth.destination)"
            for tag in [eth.outerTag, eth.innerTag].compactMap({ $0 }) {
                l += " vlan \(tag.vid) pcp \(tag.priority)" + (tag.tpid == 0x8100 ? "" : " tpid " + Units.hex(tag.tpid, width: 4))
            }
            lines.append(l)
        }
        var ip = "  IPv\(p.ip.version) dscp \(p.ip.dscp) ecn \(p.ip.ecn.name) ttl \(p.ip.ttl) len \(p.ip.totalLength)"
        ip += p.ip.version == 4 ? " id " + Units.hex(p.ip.identification, width: 4) : " flow " + Units.hex(p.ip.flowLabel, width: 5)
        lines.append(ip)
        lines.append("  UDP \(p.udp.sourcePort) > \(p.udp.destinationPort) len \(p.udp.length) csum " + Units.hex(p.udp.checksum, width: 4))
        let b = p.bth
        lines.append("  BTH opcode \(Units.hex(b.opcode, width: 2)) \(info.name) se \(b.solicitedEvent ? 1 : 0)"
                     + " m \(b.migrationRequest ? 1 : 0) pad \(b.padCount) tver \(b.transportVersion)"
                     + " pkey \(Units.hex(b.partitionKey, width: 4)) fecn \(b.fecn ? 1 : 0) becn \(b.becn ? 1 : 0)"
                     + " dqpn \(Units.hex(b.destQP, width: 6)) ackreq \(b.ackRequest ? 1 : 0) psn \(b.psn)")
        for header in info.headers {
            if let line = headerLine(header, p) { lines.append("  " + line) }
        }
        lines.append("  payload \(p.payloadLength) bytes" + (p.capturedPayloadLength < p.payloadLength
            ? " (\(p.capturedPayloadLength) captured)" : ""))
        let shown = min(p.capturedPayloadLength, max(0, previewBytes))
        if shown > 0, p.payloadOffset + shown <= bytes.count {
            lines += HexDump.lines(UnsafeRawBufferPointer(rebasing: bytes[p.payloadOffset..<(p.payloadOffset + shown)]),
                                   indent: "    ")
        }
        lines.append("  ICRC " + icrcText(p))
        return lines.joined(separator: "\n") + "\n"
    }

    /// Renders a packet that failed to decode.
    public static func render(error: DecodeError, frame: FrameInfo) -> String {
        "#\(frame.number) \(Timestamps.utc(frame.timestampNanoseconds)) len \(frame.originalLength) MALFORMED: \(error)\n"
    }

    static func icrcText(_ p: RoCEPacket) -> String {
        switch p.icrcStatus {
        case .valid: return Units.hex(p.icrc ?? 0, width: 8) + " ok"
        case .invalid(let stored, let computed):
            return Units.hex(stored, width: 8) + " BAD (expected " + Units.hex(computed, width: 8) + ")"
        case .notCaptured: return "not captured"
        case .notChecked: return (p.icrc.map { Units.hex($0, width: 8) } ?? "-") + " not checked"
        }
    }

    static func headerLine(_ header: ExtendedHeader, _ p: RoCEPacket) -> String? {
        switch header {
        case .rdeth: return p.rdeth.map { "RDETH eecnxt \(Units.hex($0.eeContext, width: 6))" }
        case .deth: return p.deth.map { "DETH qkey \(Units.hex($0.qKey, width: 8)) srcqp \(Units.hex($0.srcQP, width: 6))" }
        case .xrceth: return p.xrceth.map { "XRCETH srq \(Units.hex($0.srqNumber, width: 6))" }
        case .reth:
            return p.reth.map { "RETH va \(Units.hex($0.virtualAddress, width: 16)) rkey \(Units.hex($0.rKey, width: 8)) len \($0.dmaLength)" }
        case .atomicETH:
            return p.atomicETH.map {
                "AtomicETH va \(Units.hex($0.virtualAddress, width: 16)) rkey \(Units.hex($0.rKey, width: 8))"
                    + " swap/add \(Units.hex($0.swapOrAdd, width: 16)) compare \(Units.hex($0.compare, width: 16))"
            }
        case .aeth: return p.aeth.map { "AETH syndrome \(Units.hex($0.syndromeByte, width: 2)) (\($0.syndrome)) msn \($0.msn)" }
        case .atomicAckETH: return p.atomicAckETH.map { "AtomicAckETH orig \(Units.hex($0.originalRemoteData, width: 16))" }
        case .immDt: return p.immediate.map { "ImmDt \(Units.hex($0, width: 8))" }
        case .ieth: return p.invalidateRKey.map { "IETH rkey \(Units.hex($0, width: 8))" }
        case .feth: return p.feth.map { "FETH selectivity \($0.selectivityLevel) placement \($0.placementType)" }
        case .cnpReserved: return "CNP (16 reserved bytes)"
        }
    }
}
