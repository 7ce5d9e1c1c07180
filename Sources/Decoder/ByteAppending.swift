/// Big-endian appends used by the encoder.
extension Array where Element == UInt8 {
    @inline(__always)
    mutating func appendBE16(_ v: UInt16) {
        append(UInt8(v >> 8))
        append(UInt8(v & 0xFF))
    }

    @inline(__always)
    mutating func appendBE24(_ v: UInt32) {
        append(UInt8(v >> 16 & 0xFF))
        append(UInt8(v >> 8 & 0xFF))
        append(UInt8(v & 0xFF))
    }

    @inline(__always)
    mutating func appendBE32(_ v: UInt32) {
        appendBE16(UInt16(v >> 16))
        appendBE16(UInt16(v & 0xFFFF))
    }

    @inline(__always)
    mutating func appendBE64(_ v: UInt64) {
        appendBE32(UInt32(v >> 32))
        appendBE32(UInt32(v & 0xFFFF_FFFF))
    }

    mutating func setBE16(_ v: UInt16, at i: Int) {
        self[i] = UInt8(v >> 8)
        self[i + 1] = UInt8(v & 0xFF)
    }
}
