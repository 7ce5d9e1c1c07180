import RoCE
import Stats

extension Snapshot {
    /// The snapshot as a JSON value, keys in schema order (docs/json-schema.md).
    public var json: JSONValue {
        var sourceMembers: [(String, JSONValue)] = [("kind", .string(source.kind))]
        if let file = source.file { sourceMembers.append(("file", .string(file))) }
        if let interface = source.interface { sourceMembers.append(("interface", .string(interface))) }
        sourceMembers += [("mode", .string(source.mode)), ("lost_events", .uint(source.lostEvents)),
                          ("qp_counts", .string(source.qpCounts))]
        if let evicted = source.kernelEvictedFlows { sourceMembers.append(("kernel_evicted_flows", .uint(evicted))) }
        var members: [(String, JSONValue)] = [
            ("version", .number(version)),
            ("source", .object(sourceMembers)),
            ("duration_s", .double(durationSeconds)),
            ("clocks", .array(clocks.map { c in
                .object([("first", .string(Units.isoTime(c.first))), ("last", .string(Units.isoTime(c.last))),
                         ("duration_s", .double(c.durationSeconds)), ("packets", .uint(c.packets)),
                         ("kind", .string(c.kind))])
            })),
        ]
        if let filter { members.append(("filter", .string(filter))) }
        members.append(("totals", .object([
            ("packets", .uint(totals.packets)), ("bytes", .uint(totals.bytes)),
            ("roce_packets", .uint(totals.rocePackets)), ("roce_bytes", .uint(totals.roceBytes)),
            ("matched", .uint(totals.matched)), ("malformed", .uint(totals.malformed)),
            ("icrc_checked", .uint(totals.icrcChecked)), ("icrc_errors", .uint(totals.icrcErrors)),
            ("evicted_flows", .uint(evictedFlows)),
            ("packets_per_s", .double(packetsPerSecond)), ("bytes_per_s", .double(bytesPerSecond)),
        ])))
        members.append(("qps", .array(flows.map(Snapshot.flowJSON))))
        members.append(("opcodes", .array(opcodes.map { op in
            .object([("opcode", .number(op.opcode)), ("name", .string(op.name)), ("transport", .string(op.transport)),
                     ("packets", .uint(op.packets)), ("bytes", .uint(op.bytes)),
                     ("packets_per_s", .double(op.packetsPerSecond))])
        })))
        members.append(("malformed", .array(malformed.map { m in
            .object([("kind", .string(m.kind)), ("detail", .string(m.detail)), ("count", .uint(m.count)),
                     ("first_frame", .uint(m.firstFrame))])
        })))
        return .object(members)
    }

    static func flowJSON(_ f: FlowStats) -> JSONValue {
        var m: [(String, JSONValue)] = [
            ("src", .string(f.key.source.description)), ("dst", .string(f.key.destination.description)),
            ("qpn", .number(f.key.qpn)), ("transport", .string(f.transport.name)),
        ]
        if let direction = f.direction.jsonName { m.append(("direction", .string(direction))) }
        m += [
            ("packets", .uint(f.packets)), ("bytes", .uint(f.bytes)), ("payload_bytes", .uint(f.payloadBytes)),
            ("icrc_errors", .uint(f.icrcErrors)), ("malformed", .uint(f.malformed)),
            ("opcodes", .object(f.opcodes.sorted.map { (OpcodeTable[$0.opcode].name, .uint($0.count)) })),
            ("rates", .object([
                ("packets_per_s", .double(f.packetRate.last)), ("bytes_per_s", .double(f.byteRate.last)),
                ("messages_per_s", .double(f.messageRate.last)),
                ("packets_per_s_smoothed", .double(f.packetRate.smoothed)),
                ("bytes_per_s_smoothed", .double(f.byteRate.smoothed)),
            ])),
            ("psns_of", .string(f.psn.started ? (f.carriesRequestPSNs ? "requests" : "responses") : "none")),
        ]
        m += AnalysisCounter.all.map { ($0.key, .uint($0.value(f))) }
        m += [
            ("acks", .uint(f.responses.acks)),
            ("naks", .object(f.responses.naks.sorted { $0.key < $1.key }.map { ($0.key, .uint($0.value)) })),
            ("rnr_naks", .uint(f.responses.rnrNaks)),
            ("rnr_timers", .object(f.responses.rnrTimers.sorted { $0.key < $1.key }
                .map { (String($0.key), .uint($0.value)) })),
            ("cnps", .uint(f.responses.cnps)),
            ("ecn_ce", .uint(f.responses.ecnCE)),
            ("fecn", .uint(f.responses.fecn)),
            ("becn", .uint(f.responses.becn)),
            ("messages", .uint(f.messages.count)),
            ("partial_messages", .uint(f.messages.partial)),
            ("message_bytes", f.messages.count == 0 ? .null : .object([
                ("min", .uint(f.messages.minBytes)), ("mean", .double(f.messages.meanBytes)),
                ("max", .uint(f.messages.maxBytes)),
            ])),
            ("rtt_us", f.rtt.count == 0 ? .null : .object([
                ("p50", .uint(f.rtt.percentile(50) ?? 0)), ("p99", .uint(f.rtt.percentile(99) ?? 0)),
                ("count", .uint(f.rtt.count)),
            ])),
            ("rtt_cross_clock", .uint(f.rtt.crossClock)),
            ("reverse", f.reverse.map { r in
                .object([("src", .string(r.source.description)), ("dst", .string(r.destination.description)),
                         ("qpn", .number(r.qpn))])
            } ?? .null),
        ]
        return .object(m)
    }

    /// The snapshot as one pretty-printed JSON document with a trailing newline.
    public func jsonText() -> String { json.render() + "\n" }
}
