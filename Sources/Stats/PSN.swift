/// PSN arithmetic modulo 2^24.
public enum PSN {
    public static let mask: UInt32 = 0xFF_FFFF
    /// Half the PSN space: a difference below it is "ahead", at or above it "behind".
    public static let half: UInt32 = 0x80_0000

    /// `a - b` modulo 2^24.
    @inlinable
    public static func distance(_ a: UInt32, from b: UInt32) -> UInt32 { (a &- b) & mask }

    /// Whether `a` is strictly ahead of `b` (within half the space).
    @inlinable
    public static func isAhead(_ a: UInt32, of b: UInt32) -> Bool {
        let d = distance(a, from: b)
        return d != 0 && d < half
    }

    /// `a + n` modulo 2^24.
    @inlinable
    public static func add(_ a: UInt32, _ n: UInt32) -> UInt32 { (a &+ n) & mask }
}
