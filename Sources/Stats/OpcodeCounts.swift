/// Packet counts per opcode for one flow: a short list, since a flow uses few opcodes.
public struct OpcodeCounts: Sendable, Hashable {
    private var opcodes: [UInt8] = []
    private var counts: [UInt64] = []

    public init() {}

    /// Adds `n` packets of `opcode`.
    public mutating func add(_ opcode: UInt8, _ n: UInt64 = 1) {
        if let i = opcodes.firstIndex(of: opcode) {
            counts[i] &+= n
        } else {
            opcodes.append(opcode)
            counts.append(n)
        }
    }

    /// The count for `opcode`.
    public subscript(opcode: UInt8) -> UInt64 {
        opcodes.firstIndex(of: opcode).map { counts[$0] } ?? 0
    }

    /// (opcode, count) pairs, most packets first, then by opcode.
    public var sorted: [(opcode: UInt8, count: UInt64)] {
        zip(opcodes, counts).map { (opcode: $0, count: $1) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.opcode < $1.opcode }
    }

    /// Calls `body` with each opcode and its packets in `sorted`'s order, without making
    /// the array when there is one opcode, as in most flows.
    public func forEachBusiestFirst(_ body: (_ opcode: UInt8, _ count: UInt64) -> Void) {
        if opcodes.count == 1 {
            body(opcodes[0], counts[0])
        } else {
            for op in sorted { body(op.opcode, op.count) }
        }
    }

    /// The number of distinct opcodes.
    public var count: Int { opcodes.count }
    /// Packets of every opcode.
    public var total: UInt64 { counts.reduce(0, &+) }
}
