/// `--listen ADDR:PORT`: `127.0.0.1:9464`, `[::1]:9464`, or `:9464` (every IPv4 address).
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// The IP address, nil for every address.
    public let host: String?
    public let port: UInt16
    /// Whether `host` is an IPv6 address.
    public let isIPv6: Bool

    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else { return nil }
        var host = String(text[..<colon])
        isIPv6 = host.hasPrefix("[") && host.hasSuffix("]")
        if isIPv6 { host = String(host.dropFirst().dropLast()) }
        guard isIPv6 || !host.contains(":") else { return nil }
        self.host = host.isEmpty ? nil : host
        self.port = port
    }

    public var description: String {
        guard let host else { return ":\(port)" }
        return isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
