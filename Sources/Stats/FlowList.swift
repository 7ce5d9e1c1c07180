/// Flows in an order, read in place from the storage of the flow table they came from: the
/// table's slots are shared copy-on-write, not copied (100k flows of about a kilobyte each).
/// A snapshot of a table the engine no longer writes to (`--once` on a file) costs only the
/// order; while the engine goes on, its next write copies the slots once.
public struct FlowList: RandomAccessCollection, Sendable {
    @usableFromInline let slots: [FlowStats]
    @usableFromInline let order: [Int]

    init(slots: [FlowStats], order: [Int]) {
        self.slots = slots
        self.order = order
    }

    /// The flows of an array, in its order.
    public init(_ flows: [FlowStats]) {
        slots = flows
        order = Array(flows.indices)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { order.count }

    /// Inlinable: a reader in another module (the text and JSON snapshots) then copies the
    /// kilobyte of a flow once, where the call copied it twice (the text of 10k QPs, 12.5 →
    /// 11.0 ms). Once, not never: a large struct read from an array's storage and handed to
    /// a call is copied first, even through `withUnsafeBufferPointer` and a `borrowing`
    /// parameter (Swift 6.3), since the compiler cannot tell that the call leaves the
    /// storage alone.
    @inlinable
    public subscript(position: Int) -> FlowStats {
        _read { yield slots[order[position]] }
    }
}
