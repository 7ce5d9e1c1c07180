import CDeflate

/// CRC-32 with the IEEE 802.3 / zlib polynomial (reflected 0xEDB88320), the ICRC's, by
/// libdeflate (folding with carry-less multiplication where the CPU has it).
public enum CRC32 {
    /// The CRC register before any byte (the standard initial value).
    public static let initial: UInt32 = 0xFFFF_FFFF

    /// Feeds `bytes` into a running CRC register (not yet final-xored). libdeflate, like
    /// zlib, takes and returns the final-xored value: the register is its complement.
    public static func update(_ register: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return register }
        return ~libdeflate_crc32(~register, base, bytes.count)
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
