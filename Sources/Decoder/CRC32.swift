/// CRC-32 with the IEEE 802.3 / zlib polynomial (reflected 0xEDB88320), computed
/// slicing-by-8.
public enum CRC32 {
    /// Eight 256-entry tables, one after the other.
    static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            t[i] = c
        }
        for k in 1..<8 {
            for i in 0..<256 {
                let prev = t[(k - 1) * 256 + i]
                t[k * 256 + i] = (prev >> 8) ^ t[Int(prev & 0xFF)]
            }
        }
        return t
    }()

    /// The CRC register before any byte (the standard initial value).
    public static let initial: UInt32 = 0xFFFF_FFFF

    /// Feeds `bytes` into a running CRC register (not yet final-xored).
    public static func update(_ register: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        tables.withUnsafeBufferPointer { update(register, bytes, tables: $0) }
    }

    static func update(_ register: UInt32, _ bytes: UnsafeRawBufferPointer,
                       tables t: UnsafeBufferPointer<UInt32>) -> UInt32 {
        guard let base = bytes.baseAddress, t.count == 8 * 256 else { return register }
        var c = register
        var p = base
        var n = bytes.count
        while n >= 8 {
            let lo = UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)) ^ c
            let hi = UInt32(littleEndian: (p + 4).loadUnaligned(as: UInt32.self))
            c = t[1792 + Int(lo & 0xFF)] ^ t[1536 + Int(lo >> 8 & 0xFF)]
                ^ t[1280 + Int(lo >> 16 & 0xFF)] ^ t[1024 + Int(lo >> 24)]
                ^ t[768 + Int(hi & 0xFF)] ^ t[512 + Int(hi >> 8 & 0xFF)]
                ^ t[256 + Int(hi >> 16 & 0xFF)] ^ t[Int(hi >> 24)]
            p += 8
            n -= 8
        }
        while n > 0 {
            c = t[Int((c ^ UInt32(p.load(as: UInt8.self))) & 0xFF)] ^ (c >> 8)
            p += 1
            n -= 1
        }
        return c
    }

    /// The CRC-32 of `bytes` (initial value and final xor applied), as zlib's `crc32()`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        update(initial, bytes) ^ 0xFFFF_FFFF
    }

    /// The CRC-32 of a byte array.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }
}
