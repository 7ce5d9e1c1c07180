/// The RoCEv2 invariant CRC (IBTA annex A17.3.3).
///
/// CRC-32 over: eight 0xFF bytes standing for the absent LRH; the IP header with its
/// variant fields set to all ones (IPv4 TOS, TTL and header checksum; IPv6 traffic class,
/// flow label and hop limit); the UDP header with its checksum set to 0xFFFF; the BTH with
/// its byte 4 (FECN, BECN, reserved) set to 0xFF; and everything after the BTH up to the
/// ICRC. The packet stores the result little-endian.
public enum ICRC {
    /// Size of the ICRC trailer.
    public static let size = 4

    /// Computes the ICRC of a RoCEv2 datagram.
    ///
    /// - Parameters:
    ///   - datagram: the bytes from the first byte of the IP header to the end of the UDP
    ///     datagram, ICRC included.
    ///   - ipHeaderLength: length of the IP header (IPv6 extension headers included).
    ///   - ipVersion: 4 or 6.
    /// - Returns: the ICRC, or nil when `datagram` is too short to hold the headers and ICRC.
    public static func compute(datagram: UnsafeRawBufferPointer, ipHeaderLength: Int, ipVersion: UInt8) -> UInt32? {
        let fixed = ipHeaderLength + UDPHeader.size + BTH.size
        guard ipHeaderLength >= 20, fixed + size <= datagram.count else { return nil }
        var crc = CRC32.initial
        withUnsafeTemporaryAllocation(byteCount: 8 + fixed, alignment: 8) { scratch in
            for i in 0..<8 { scratch[i] = 0xFF }
            let headers = UnsafeMutableRawBufferPointer(rebasing: scratch[8...])
            headers.copyMemory(from: UnsafeRawBufferPointer(rebasing: datagram[0..<fixed]))
            if ipVersion == 4 {
                headers[1] = 0xFF  // TOS: DSCP and ECN
                headers[8] = 0xFF  // TTL
                headers[10] = 0xFF  // header checksum
                headers[11] = 0xFF
            } else {
                headers[0] |= 0x0F  // traffic class (high nibble) ...
                headers[1] = 0xFF  // ... traffic class (low nibble) and flow label
                headers[2] = 0xFF
                headers[3] = 0xFF
                headers[7] = 0xFF  // hop limit
            }
            headers[ipHeaderLength + 6] = 0xFF  // UDP checksum
            headers[ipHeaderLength + 7] = 0xFF
            headers[ipHeaderLength + UDPHeader.size + 4] = 0xFF  // BTH FECN, BECN, reserved
            crc = CRC32.update(crc, UnsafeRawBufferPointer(scratch))
        }
        let rest = UnsafeRawBufferPointer(rebasing: datagram[fixed..<(datagram.count - size)])
        return CRC32.update(crc, rest) ^ 0xFFFF_FFFF
    }
}
