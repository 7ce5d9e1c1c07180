/// Converts an interface's raw timestamp counts to nanoseconds since the epoch, precomputed
/// once per interface so that the per-packet work is one multiply or divide.
///
/// Every path saturates instead of overflowing: a timestamp that cannot be represented becomes
/// `Int64.max` (or `Int64.min`), never a trap.
struct TimestampScale: Sendable {
    private enum Kind: Sendable {
        /// counts * factor (units of 10^-e with e <= 9).
        case multiply(UInt64)
        /// counts / divisor (units of 10^-e with 9 < e < 29).
        case divide(UInt64)
        /// (counts * 10^9) >> shift (units of 2^-shift).
        case binary(Int)
        /// Units so small that every 64-bit count is under a nanosecond.
        case zero
    }

    private let kind: Kind
    private let offsetNanoseconds: Int64

    init(resolution: TimestampResolution, offsetSeconds: Int64) {
        let e = max(resolution.exponent, 0)
        if resolution.isPowerOfTwo {
            kind = e >= 128 ? .zero : .binary(e)
        } else if e <= 9 {
            var factor: UInt64 = 1
            for _ in 0..<(9 - e) { factor &*= 10 }
            kind = .multiply(factor)
        } else if e - 9 <= 19 {
            var divisor: UInt64 = 1
            for _ in 0..<(e - 9) { divisor &*= 10 }
            kind = .divide(divisor)
        } else {
            kind = .zero
        }
        let (nanos, overflow) = offsetSeconds.multipliedReportingOverflow(by: 1_000_000_000)
        offsetNanoseconds = overflow ? (offsetSeconds < 0 ? .min : .max) : nanos
    }

    /// The nanoseconds since the epoch of a raw timestamp of `counts` units.
    @inline(__always)
    func nanoseconds(_ counts: UInt64) -> Int64 {
        let base: UInt64
        switch kind {
        case .multiply(let factor):
            let (product, overflow) = counts.multipliedReportingOverflow(by: factor)
            base = overflow ? .max : product
        case .divide(let divisor):
            base = counts / divisor
        case .binary(let shift):
            let (high, low) = counts.multipliedFullWidth(by: 1_000_000_000)
            if shift >= 64 {
                base = shift >= 128 ? 0 : high >> UInt64(shift - 64)
            } else if shift == 0 {
                base = high == 0 ? low : .max
            } else {
                // The 128-bit value shifted right must fit in 64 bits.
                if high >> UInt64(shift) != 0 {
                    base = .max
                } else {
                    base = (high << UInt64(64 - shift)) | (low >> UInt64(shift))
                }
            }
        case .zero:
            base = 0
        }
        let signed = base > UInt64(Int64.max) ? Int64.max : Int64(base)
        let (sum, overflow) = signed.addingReportingOverflow(offsetNanoseconds)
        if overflow { return offsetNanoseconds < 0 ? .min : .max }
        return sum
    }
}
