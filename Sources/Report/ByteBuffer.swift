#if canImport(Glibc)
import Glibc
#endif

/// Growable bytes for text written piece by piece (JSON, text tables): one capacity check
/// and a copy per piece, where `Array.append(contentsOf:)` costs several times that for the
/// short pieces (a key, a number, a comma) a snapshot of 10,000 QPs appends millions of.
final class ByteBuffer {
    private(set) var start: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        start = .allocate(capacity: self.capacity)
    }

    deinit { start.deallocate() }

    /// The bytes written.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: start, count: count) }

    /// Forgets the bytes, keeping the memory.
    func removeAll() { count = 0 }

    /// Room for `n` more bytes.
    @inline(__always)
    private func reserve(_ n: Int) {
        if count + n > capacity { grow(to: count + n) }
    }

    private func grow(to needed: Int) {
        var bigger = capacity
        while bigger < needed { bigger *= 2 }
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: bigger)
        moved.update(from: start, count: count)
        start.deallocate()
        start = moved
        capacity = bigger
    }

    @inline(__always)
    func append(_ b: UInt8) {
        reserve(1)
        start[count] = b
        count += 1
    }

    @inline(__always)
    func append(_ p: UnsafeRawBufferPointer) {
        guard let base = p.baseAddress, !p.isEmpty else { return }
        reserve(p.count)
        memcpy(start + count, base, p.count)
        count += p.count
    }

    @inline(__always)
    func append(_ p: UnsafeBufferPointer<UInt8>) { append(UnsafeRawBufferPointer(p)) }

    /// A newline, then `spaces` spaces: the start of an indented line.
    @inline(__always)
    func appendLine(indentedBy spaces: Int) {
        reserve(1 + spaces)
        start[count] = UInt8(ascii: "\n")
        memset(start + count + 1, Int32(UInt8(ascii: " ")), spaces)
        count += 1 + spaces
    }

    /// `v` in decimal, written in place, with zeros before it up to `minimumDigits`.
    @inline(__always)
    func appendDecimal(_ v: UInt64, minimumDigits: Int = 1) {
        reserve(max(20, minimumDigits))
        count += Units.writeDecimal(v, minimumDigits: minimumDigits, to: start + count)
    }

    /// `n` copies of `b`.
    func append(repeating b: UInt8, count n: Int) {
        guard n > 0 else { return }
        reserve(n)
        memset(start + count, Int32(b), n)
        count += n
    }
}
