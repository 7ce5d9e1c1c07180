/// The bytes of one fuzzing input, consumed from the front: a harness takes its choices
/// (option bytes, counts) first and hands the rest on as data. Past the end, choices read 0.
struct FuzzInput {
    private(set) var bytes: UnsafeRawBufferPointer

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var isEmpty: Bool { bytes.isEmpty }

    /// The next byte, or 0 past the end.
    mutating func byte() -> UInt8 {
        guard let first = bytes.first else { return 0 }
        bytes = UnsafeRawBufferPointer(rebasing: bytes.dropFirst())
        return first
    }

    /// The next `n` bytes as a little-endian number (fewer past the end).
    mutating func number(bytes n: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<min(n, 8) { value |= UInt64(byte()) << (8 * i) }
        return value
    }

    /// The next `n` bytes (fewer past the end), borrowed.
    mutating func take(_ n: Int) -> UnsafeRawBufferPointer {
        let k = max(0, min(n, bytes.count))
        let taken = UnsafeRawBufferPointer(rebasing: bytes.prefix(k))
        bytes = UnsafeRawBufferPointer(rebasing: bytes.dropFirst(k))
        return taken
    }

    /// Everything left.
    mutating func rest() -> UnsafeRawBufferPointer { take(bytes.count) }

    /// One of `choices`, picked by the next byte.
    mutating func pick<T>(_ choices: [T]) -> T { choices[Int(byte()) % choices.count] }
}

/// Stops the fuzzer on a broken invariant (libFuzzer reports the trap and saves the input).
func fuzzCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("fuzz invariant: " + message()) }
}

/// Whether `text` is one line: the project's rule for error messages.
func isOneLine(_ text: String) -> Bool { !text.isEmpty && !text.contains("\n") }
