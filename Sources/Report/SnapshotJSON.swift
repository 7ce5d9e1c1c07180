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
        // One QP's object at a time, written as it is made: a snapshot of 100k QPs would
        // hold 100k objects of ~100 members each.
        let flows = flows, owners = owners
        let rowKeys = RowKeys()
        members.append(("qps", .streamed(count: flows.count) { i, out in
            let flow = flows[i]  // read once: the subscript copies the flow
            Snapshot.writeFlow(flow, owner: owners.map { $0[flow.key] ?? QPOwner(kind: .unknown) },
                               rowKeys: &rowKeys.prefixes, addresses: &rowKeys.addresses, to: &out)
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
    /// `rowKeys` keeps the rows' member prefixes from one flow to the next (nil: not made yet),
    /// `addresses` the addresses already written.
    static func writeFlow(_ f: FlowStats, owner: QPOwner? = nil, rowKeys: inout MemberPrefixes?,
                          addresses: inout AddressStrings, to out: inout JSONWriter) {
        out.beginObject()
        if rowKeys?.fit(out) != true {
            rowKeys = MemberPrefixes(FlowMetric.all.map(\.quotedKey), level: out.level, of: out)
        }
        out.key("src"); addresses.write(f.key.source, to: &out)
        out.key("dst"); addresses.write(f.key.destination, to: &out)
        out.key("qpn"); out.value(UInt64(f.key.qpn))
        out.key("transport"); out.value(f.transport.name)
        if let direction = f.direction.jsonName { out.key("direction"); out.value(direction) }
        out.key("sampled"); out.value(f.sampled)
        // The table's rows in order; the flow's structured fields (not counters) where schema
        // v3 places them: after the traffic rows, and after the message counts.
        let rows = FlowMetric.all, malformedRow = FlowMetric.malformedRow, partialMessagesRow = FlowMetric.partialMessagesRow
        rowKeys!.withPrefixes { key in
            for (i, row) in rows.enumerated() {
                key(i, &out)
                row.writeJSON(f, to: &out)
                if i == malformedRow {
                    writeTrafficDetails(f, to: &out)
                } else if i == partialMessagesRow {
                    writeMessageDetails(f, to: &out)
                }
            }
        }
        out.key("reverse")
        if let r = f.reverse {
            out.beginObject()
            out.key("src"); addresses.write(r.source, to: &out)
            out.key("dst"); addresses.write(r.destination, to: &out)
            out.key("qpn"); out.value(UInt64(r.qpn))
            out.endObject()
        } else {
            out.null()
        }
        if let owner {
            for (key, value) in owner.jsonMembers {
                out.key(string: key)
                out.value(value)
            }
        }
        out.endObject()
    }

    /// The members after `malformed`: opcodes, rates and what the PSNs are of.
    private static func writeTrafficDetails(_ f: FlowStats, to out: inout JSONWriter) {
        out.key("opcodes")
        if f.sampled {
            out.null()
        } else {
            out.object { o in
                f.opcodes.forEachBusiestFirst { opcode, count in
                    o.key(string: OpcodeTable[opcode].name)
                    o.value(count)
                }
            }
        }
        out.key("rates")
        out.beginObject()
        out.key("packets_per_s"); out.value(f.packetRate.last)
        out.key("bytes_per_s"); out.value(f.byteRate.last)
        out.key("messages_per_s")
        if f.sampled { out.null() } else { out.value(f.messageRate.last) }
        out.key("packets_per_s_smoothed"); out.value(f.packetRate.smoothed)
        out.key("bytes_per_s_smoothed"); out.value(f.byteRate.smoothed)
        out.endObject()
        out.key("psns_of")
        out.value(f.psn.started ? (f.carriesRequestPSNs ? "requests" : "responses") : "none")
    }

    /// The members after `partial_messages`: message sizes and round trips.
    private static func writeMessageDetails(_ f: FlowStats, to out: inout JSONWriter) {
        out.key("message_bytes")
        if f.messages.count == 0 || f.sampled {
            out.null()
        } else {
            out.beginObject()
            out.key("min"); out.value(f.messages.minBytes)
            out.key("mean"); out.value(f.messages.meanBytes)
            out.key("max"); out.value(f.messages.maxBytes)
            out.endObject()
        }
        out.key("rtt_us")
        if f.rtt.count == 0 || !f.roundTripsMeasured {
            out.null()
        } else {
            out.beginObject()
            out.key("p50"); out.value(f.rtt.percentile(50) ?? 0)
            out.key("p99"); out.value(f.rtt.percentile(99) ?? 0)
            out.key("count"); out.value(f.rtt.count)
            out.endObject()
        }
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

/// The QP rows' member prefixes of one JSON snapshot, kept from the first QP written to the
/// next. Unchecked: the array of QPs that holds it is written by one writer, one QP at a time.
private final class RowKeys: @unchecked Sendable {
    var prefixes: MemberPrefixes?
    var addresses = AddressStrings()
}

/// Addresses as JSON strings, each quoted once a snapshot: the QPs of a fabric share a few
/// hosts. At most `limit` are kept; beyond, an address is written anew each time.
struct AddressStrings {
    private var quoted: [IPAddress: [UInt8]] = [:]
    static let limit = 4096

    mutating func write(_ a: IPAddress, to out: inout JSONWriter) {
        if let bytes = quoted[a] { return out.value(quoted: bytes) }
        let bytes = JSONWriter.quoted(a.description)
        if quoted.count < AddressStrings.limit { quoted[a] = bytes }
        out.value(quoted: bytes)
    }
}
