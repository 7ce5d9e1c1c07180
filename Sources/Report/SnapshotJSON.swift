extension Snapshot {
    /// The snapshot as a JSON value, keys in schema order (docs/json-schema.md).
    public var json: JSONValue {
        var sourceMembers: [(String, JSONValue)] = [("kind", .string(source.kind))]
        if let file = source.file { sourceMembers.append(("file", .string(file))) }
        if let interface = source.interface { sourceMembers.append(("interface", .string(interface))) }
        sourceMembers += [("mode", .string(source.mode)), ("lost_events", .uint(source.lostEvents))]
        var members: [(String, JSONValue)] = [
            ("version", .number(version)),
            ("source", .object(sourceMembers)),
            ("duration_s", .double(durationSeconds)),
        ]
        if let filter { members.append(("filter", .string(filter))) }
        members.append(("totals", .object([
            ("packets", .uint(totals.packets)), ("bytes", .uint(totals.bytes)),
            ("roce_packets", .uint(totals.rocePackets)), ("roce_bytes", .uint(totals.roceBytes)),
            ("matched", .uint(totals.matched)), ("malformed", .uint(totals.malformed)),
            ("icrc_checked", .uint(totals.icrcChecked)), ("icrc_errors", .uint(totals.icrcErrors)),
        ])))
        members.append(("qps", .array(qps.map { qp in
            var m: [(String, JSONValue)] = [
                ("src", .string(qp.src)), ("dst", .string(qp.dst)), ("qpn", .number(qp.qpn)),
                ("transport", .string(qp.transport)),
            ]
            if let direction = qp.direction { m.append(("direction", .string(direction))) }
            m += [("packets", .uint(qp.packets)), ("bytes", .uint(qp.bytes)), ("payload_bytes", .uint(qp.payloadBytes)),
                  ("icrc_errors", .uint(qp.icrcErrors)), ("opcodes", qp.opcodes.json)]
            return .object(m)
        })))
        members.append(("opcodes", .array(opcodes.map { op in
            .object([("opcode", .number(op.opcode)), ("name", .string(op.name)), ("transport", .string(op.transport)),
                     ("packets", .uint(op.packets)), ("bytes", .uint(op.bytes))])
        })))
        members.append(("malformed", .array(malformed.map { m in
            .object([("kind", .string(m.kind)), ("detail", .string(m.detail)), ("count", .uint(m.count)),
                     ("first_frame", .uint(m.firstFrame))])
        })))
        return .object(members)
    }

    /// The snapshot as one pretty-printed JSON document with a trailing newline.
    public func jsonText() -> String { json.render() + "\n" }
}
