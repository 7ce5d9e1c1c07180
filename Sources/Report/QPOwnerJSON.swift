import Attribution

extension QPOwner {
    /// The flow's attribution keys in the JSON snapshot (schema v5, docs/json-schema.md).
    public var jsonMembers: [(String, JSONValue)] {
        [
            ("qp_owner", .string(kind.rawValue)),
            ("process", kind == .process || kind == .kernel
                ? .object([("pid", pid.map { .number($0) } ?? .null), ("comm", comm.map { .string($0) } ?? .null)])
                : .null),
            ("qp_type", typeName.map { .string($0) } ?? .null),
            ("qp_state", stateName.map { .string($0) } ?? .null),
            ("rdma_device", device.map { .string($0) } ?? .null),
            ("rdma_port", port.map { .number($0) } ?? .null),
            ("qp_destroyed", .bool(destroyed)),
        ]
    }
}
