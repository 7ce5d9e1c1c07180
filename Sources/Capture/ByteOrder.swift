/// The byte order of the multi-byte fields in a capture file (or in one pcapng section).
///
/// Capture files are written in the writer's native byte order and announce it with a magic
/// number; the reader keeps one of these per file (classic pcap) or per section (pcapng) and
/// reads every field through it.
enum ByteOrder: Sendable, Equatable {
    case littleEndian
    case bigEndian

    /// Loads an unaligned `UInt16` at `offset` bytes past `base`.
    @inline(__always)
    func u16(_ base: UnsafeRawPointer, _ offset: Int) -> UInt16 {
        let raw = base.loadUnaligned(fromByteOffset: offset, as: UInt16.self)
        return self == .littleEndian ? UInt16(littleEndian: raw) : UInt16(bigEndian: raw)
    }

    /// Loads an unaligned `UInt32` at `offset` bytes past `base`.
    @inline(__always)
    func u32(_ base: UnsafeRawPointer, _ offset: Int) -> UInt32 {
        let raw = base.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
        return self == .littleEndian ? UInt32(littleEndian: raw) : UInt32(bigEndian: raw)
    }

    /// Loads an unaligned `UInt64` at `offset` bytes past `base`.
    @inline(__always)
    func u64(_ base: UnsafeRawPointer, _ offset: Int) -> UInt64 {
        let raw = base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        return self == .littleEndian ? UInt64(littleEndian: raw) : UInt64(bigEndian: raw)
    }
}
