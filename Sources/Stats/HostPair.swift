import RoCE

/// An ordered pair of hosts.
struct HostPair: Hashable {
    var a: IPAddress
    var b: IPAddress
    init(_ a: IPAddress, _ b: IPAddress) {
        self.a = a
        self.b = b
    }
    /// The same pair regardless of order.
    var unordered: HostPair { a < b ? self : HostPair(b, a) }
}
