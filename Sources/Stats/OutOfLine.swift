/// A value few flows need, kept out of line: 8 bytes in the flow until the first write
/// allocates it, copied on write when shared. Reads before then see `Value()`.
struct OutOfLine<Value: Sendable & DefaultInitializable>: Sendable {
    private final class Box: @unchecked Sendable {
        // Written only through `value`'s `_modify`, after the box is known unique.
        var value: Value
        init(_ value: Value) { self.value = value }
    }

    private var box: Box?

    init() {}

    var value: Value {
        get { box?.value ?? Value() }
        _modify {
            if box == nil {
                box = Box(Value())
            } else if !isKnownUniquelyReferenced(&box!) {
                box = Box(box!.value)
            }
            yield &box!.value
        }
    }
}

/// A type with an empty value (`OutOfLine` allocates one on first write).
protocol DefaultInitializable { init() }

extension PSNLedger: DefaultInitializable {}
