/// Hex and ASCII renderings of payload bytes.
public enum HexDump {
    static let digits = Array("0123456789abcdef".utf8)

    /// Lowercase hex digits of `bytes`, no separators.
    public static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Printable ASCII, other bytes as ".".
    public static func ascii(_ bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: bytes.map { $0 >= 0x20 && $0 < 0x7F ? $0 : UInt8(ascii: ".") }, as: UTF8.self)
    }

    /// `xxd`-style lines: offset, 16 bytes of hex in two groups, ASCII.
    public static func lines(_ bytes: UnsafeRawBufferPointer, indent: String = "") -> [String] {
        var result: [String] = []
        var offset = 0
        while offset < bytes.count {
            let row = UnsafeRawBufferPointer(rebasing: bytes[offset..<min(offset + 16, bytes.count)])
            var hexPart = ""
            for i in 0..<16 {
                if i == 8 { hexPart += " " }
                if i < row.count {
                    let b = row[i]
                    hexPart += String(UnicodeScalar(digits[Int(b >> 4)])) + String(UnicodeScalar(digits[Int(b & 0xF)])) + " "
                } else {
                    hexPart += "   "
                }
            }
            var off = String(offset, radix: 16)
            while off.count < 4 { off = "0" + off }
            result.append(indent + off + "  " + hexPart + " " + ascii(row))
            offset += 16
        }
        return result
    }
}
