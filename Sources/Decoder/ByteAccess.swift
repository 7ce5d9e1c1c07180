/// Bounds-checked big-endian loads from borrowed bytes.
///
/// Every accessor returns `nil` instead of trapping when the requested bytes are not all
/// inside the buffer, so the decoder can turn a short buffer into a typed error.
extension UnsafeRawBufferPointer {
    @inline(__always)
    func has(_ count: Int, at offset: Int) -> Bool {
        offset >= 0 && count >= 0 && offset <= self.count && count <= self.count &- offset
    }

    @inline(__always)
    func u8(_ offset: Int) -> UInt8? {
        has(1, at: offset) ? self[offset] : nil
    }

    @inline(__always)
    func be16(_ offset: Int) -> UInt16? {
        guard has(2, at: offset) else { return nil }
        return UInt16(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inline(__always)
    func be24(_ offset: Int) -> UInt32? {
        guard has(3, at: offset) else { return nil }
        return UInt32(self[offset]) << 16 | UInt32(self[offset + 1]) << 8 | UInt32(self[offset + 2])
    }

    @inline(__always)
    func be32(_ offset: Int) -> UInt32? {
        guard has(4, at: offset) else { return nil }
        return UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inline(__always)
    func be64(_ offset: Int) -> UInt64? {
        guard has(8, at: offset) else { return nil }
        return UInt64(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    @inline(__always)
    func le32(_ offset: Int) -> UInt32? {
        guard has(4, at: offset) else { return nil }
        return UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
}

/// Unchecked big-endian loads for code that has already validated the length of a header.
extension UnsafeRawBufferPointer {
    @inline(__always)
    func load16(_ offset: Int) -> UInt16 {
        UInt16(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inline(__always)
    func load24(_ offset: Int) -> UInt32 {
        UInt32(self[offset]) << 16 | UInt32(self[offset + 1]) << 8 | UInt32(self[offset + 2])
    }

    @inline(__always)
    func load32(_ offset: Int) -> UInt32 {
        UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inline(__always)
    func load64(_ offset: Int) -> UInt64 {
        UInt64(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
}
