/// An IPv4 or IPv6 address held in 16 bytes, cheap to hash and compare.
///
/// IPv4 addresses live in the low 32 bits of `low` with `isIPv4` set; they are not
/// IPv4-mapped IPv6 addresses, so an IPv4 and an IPv6 flow never compare equal.
public struct IPAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The first eight bytes of an IPv6 address (big-endian order), zero for IPv4.
    public var high: UInt64
    /// The last eight bytes of an IPv6 address, or the IPv4 address in the low 32 bits.
    public var low: UInt64
    /// Whether this is an IPv4 address.
    public var isIPv4: Bool

    /// An IPv4 address from its 32-bit value (host order, 10.0.0.1 = 0x0A000001).
    public init(ipv4: UInt32) {
        high = 0
        low = UInt64(ipv4)
        isIPv4 = true
    }

    /// An IPv6 address from its two 64-bit halves (host order of the big-endian bytes).
    public init(ipv6High: UInt64, low: UInt64) {
        high = ipv6High
        self.low = low
        isIPv4 = false
    }

    /// The IPv4 value, when this is an IPv4 address.
    public var ipv4: UInt32? { isIPv4 ? UInt32(truncatingIfNeeded: low) : nil }

    /// The address in network byte order: 4 bytes for IPv4, 16 for IPv6.
    public var bytes: [UInt8] {
        if isIPv4 {
            let v = UInt32(truncatingIfNeeded: low)
            return [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
        }
        return (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
    }

    /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text; nil when it is neither.
    public init?(_ text: some StringProtocol) {
        if text.contains(":") {
            guard let v6 = IPAddress.parseIPv6(Substring(text)) else { return nil }
            self = v6
        } else {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4 else { return nil }
            var value: UInt32 = 0
            for part in parts {
                guard !part.isEmpty, part.count <= 3, let octet = UInt8(part) else { return nil }
                value = value << 8 | UInt32(octet)
            }
            self.init(ipv4: value)
        }
    }

    private static func parseIPv6(_ text: Substring) -> IPAddress? {
        let halves = text.split(separator: "::", omittingEmptySubsequences: false).map(String.init)
        guard halves.count <= 2 else { return nil }
        func groups(_ s: String) -> [UInt16]? {
            if s.isEmpty { return [] }
            var out: [UInt16] = []
            let parts = s.split(separator: ":", omittingEmptySubsequences: false)
            for (i, part) in parts.enumerated() {
                if i == parts.count - 1, part.contains("."), let v4 = IPAddress(part), let value = v4.ipv4 {
                    out.append(UInt16(value >> 16))
                    out.append(UInt16(value & 0xFFFF))
                } else {
                    guard !part.isEmpty, part.count <= 4, let g = UInt16(part, radix: 16) else { return nil }
                    out.append(g)
                }
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        var all = head
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count < 8 else { return nil }
            all += Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard all.count == 8 else { return nil }
        let hi = all[0..<4].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        let lo = all[4..<8].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        return IPAddress(ipv6High: hi, low: lo)
    }

    /// Dotted quad for IPv4, RFC 5952 compressed form for IPv6.
    public var description: String {
        if isIPv4 {
            // Written digit by digit into 16 bytes: at most 15, so the string is stored
            // inline, and a snapshot of 10,000 QPs formats 20,000 of them.
            let v = UInt32(truncatingIfNeeded: low)
            var text: (UInt64, UInt64) = (0, 0)
            return withUnsafeMutableBytes(of: &text) { b in
                var n = 0
                for shift in [24, 16, 8, 0] as [UInt32] {
                    let octet = UInt8(truncatingIfNeeded: v >> shift)
                    if octet >= 100 { b[n] = UInt8(ascii: "0") + octet / 100; n += 1 }
                    if octet >= 10 { b[n] = UInt8(ascii: "0") + octet / 10 % 10; n += 1 }
                    b[n] = UInt8(ascii: "0") + octet % 10
                    n += 1
                    if shift > 0 { b[n] = UInt8(ascii: "."); n += 1 }
                }
                return String(decoding: b[..<n], as: UTF8.self)
            }
        }
        let groups = (0..<4).map { UInt16(truncatingIfNeeded: high >> (48 - 16 * $0)) }
            + (0..<4).map { UInt16(truncatingIfNeeded: low >> (48 - 16 * $0)) }
        // The longest run (length >= 2) of zero groups is replaced by "::", the first one on ties.
        var bestStart = -1, bestLength = 0, runStart = -1
        for i in 0...8 {
            if i < 8 && groups[i] == 0 {
                if runStart < 0 { runStart = i }
            } else if runStart >= 0 {
                if i - runStart > bestLength { bestStart = runStart; bestLength = i - runStart }
                runStart = -1
            }
        }
        if bestLength < 2 { bestStart = -1 }
        // IPv4-mapped addresses read best with their IPv4 tail.
        if high == 0, low >> 32 == 0xFFFF {
            return "::ffff:" + IPAddress(ipv4: UInt32(truncatingIfNeeded: low)).description
        }
        var text = ""
        var i = 0
        while i < 8 {
            if i == bestStart {
                text += "::"
                i += bestLength
                continue
            }
            if !text.isEmpty && !text.hasSuffix(":") { text += ":" }
            text += String(groups[i], radix: 16)
            i += 1
        }
        return text
    }

    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        if a.isIPv4 != b.isIPv4 { return a.isIPv4 }
        return (a.high, a.low) < (b.high, b.low)
    }
}

/// A 48-bit Ethernet address.
public struct MACAddress: Hashable, Sendable, CustomStringConvertible {
    /// The address in the low 48 bits, first byte most significant.
    public var value: UInt64

    public init(_ value: UInt64) { self.value = value & 0xFFFF_FFFF_FFFF }

    /// Parses "aa:bb:cc:dd:ee:ff".
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ":")
        guard parts.count == 6 else { return nil }
        var v: UInt64 = 0
        for p in parts {
            guard p.count == 2, let b = UInt8(p, radix: 16) else { return nil }
            v = v << 8 | UInt64(b)
        }
        self.init(v)
    }

    /// The six bytes in wire order.
    public var bytes: [UInt8] { (0..<6).map { UInt8(truncatingIfNeeded: value >> (40 - 8 * $0)) } }

    public var description: String {
        bytes.map { b in
            let s = String(b, radix: 16)
            return b < 16 ? "0" + s : s
        }.joined(separator: ":")
    }
}
