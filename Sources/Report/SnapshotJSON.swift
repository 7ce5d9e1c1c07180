import Attribution
import RoCE
import Stats

extension Snapshot {
    /// The snapshot as a JSON value, keys in schema order (docs/json-schema.md).
    public var json: JSONValue {
        var sourceMembers: [(String, JSONValue)] = [("kind", .string(source.kind))]
        if let file = source.file { sourceMembers.append(("file", .string(file))) }
        if let interface = source.interface { sourceMembers.append(("interface", .string(interface))) }
        if let device = source.rdmaDevice { sourceMembers.append(("rdma_device", .string(device))) }
        sourceMembers += [("mode", .string(source.mode)), ("qp_counts", .string(source.qpCounts)),
                          ("events", .string(source.events)), ("rtt", .string(source.roundTrips)),
                          ("psns", .string(source.psns))]
        sourceMembers += GlobalMetric.section(.source).map { ($0.key, .uint($0.value(self))) }
        let percent = source.cost?.cpuPercent, perPacket = source.cost?.probeNanosecondsPerPacket
        sourceMembers += [("cpu_percent", percent.map { .double(($0 * 10).rounded() / 10) } ?? .null),
                          ("probe_ns_per_packet", perPacket.map { .double($0.rounded()) } ?? .null)]
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
        members.append(("totals", .object(GlobalMetric.section(.totals).map { ($0.key, .uint($0.value(self))) } + [
            ("packets_per_s", .double(packetsPerSecond)), ("bytes_per_s", .double(bytesPerSecond)),
        ])))
        if !deviceCounters.isEmpty {
            members.append(("device_counters", .array(deviceCounters.map { d in
                .object([("device", .string(d.device)), ("port", .number(d.port)), ("netdev", .string(d.netdev)),
                         ("counters", .object(d.counters.map { ($0.name, .uint($0.value)) }))])
            })))
        }
        // One QP's object at a time: a snapshot of 100k QPs would hold 100k objects of ~100
        // members each.
        let flows = flows, owners = owners
        members.append(("qps", .generated(count: flows.count) { i in
            Snapshot.flowJSON(flows[i], owner: owners.map { $0[flows[i].key] ?? QPOwner(kind: .unknown) })
        }))
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

    /// A flow's object; `owner` adds the attribution keys (nil: attribution absent).
    static func flowJSON(_ f: FlowStats, owner: QPOwner? = nil) -> JSONValue {
        var m: [(String, JSONValue)] = [
            ("src", .string(f.key.source.description)), ("dst", .string(f.key.destination.description)),
            ("qpn", .number(f.key.qpn)), ("transport", .string(f.transport.name)),
        ]
        if let direction = f.direction.jsonName { m.append(("direction", .string(direction))) }
        // The table's rows in order; the flow's structured fields (not counters) where schema
        // v3 places them: after the traffic rows, and after the message counts.
        for row in FlowMetric.all {
            m.append((row.key, row.jsonValue(f)))
            if row.key == "malformed" {
                m += [
                    ("opcodes", f.sampled ? .null : .object(f.opcodes.sorted.map { (OpcodeTable[$0.opcode].name, .uint($0.count)) })),
                    ("rates", .object([
                        ("packets_per_s", .double(f.packetRate.last)), ("bytes_per_s", .double(f.byteRate.last)),
                        ("messages_per_s", f.sampled ? .null : .double(f.messageRate.last)),
                        ("packets_per_s_smoothed", .double(f.packetRate.smoothed)),
                        ("bytes_per_s_smoothed", .double(f.byteRate.smoothed)),
                    ])),
                    ("psns_of", .string(f.psn.started ? (f.carriesRequestPSNs ? "requests" : "responses") : "none")),
                ]
            } else if row.key == "partial_messages" {
                m += [
                    ("message_bytes", f.messages.count == 0 || f.sampled ? .null : .object([
                        ("min", .uint(f.messages.minBytes)), ("mean", .double(f.messages.meanBytes)),
                        ("max", .uint(f.messages.maxBytes)),
                    ])),
                    ("rtt_us", f.rtt.count == 0 || !f.roundTripsMeasured ? .null : .object([
                        ("p50", .uint(f.rtt.percentile(50) ?? 0)), ("p99", .uint(f.rtt.percentile(99) ?? 0)),
                        ("count", .uint(f.rtt.count)),
                    ])),
                ]
            }
        }
        m.append(("reverse", f.reverse.map { r in
            .object([("src", .string(r.source.description)), ("dst", .string(r.destination.description)),
                     ("qpn", .number(r.qpn))])
        } ?? .null))
        if let owner { m += owner.jsonMembers }
        return .object(m)
    }

    /// The snapshot as one pretty-printed JSON document with a trailing newline.
    public func jsonText() -> String { json.render() + "\n" }

    /// The same document handed to `sink` in pieces as it is written (`JSONValue.write(to:)`).
    public func writeJSON(to sink: @escaping (UnsafeRawBufferPointer) -> Void) {
        json.write(to: sink)
        var newline = "\n"
        newline.withUTF8 { sink(UnsafeRawBufferPointer($0)) }
    }
}
