/// An RDMA port's hw counters over an interval: the values when rdmatop started and now.
public struct DeviceCounters: Sendable {
    public let device: String
    public let port: UInt32
    /// The netdev rdmatop watches on this port.
    public let netdev: String
    private let sysfs: RdmaSysfs
    private let start: [String: UInt64]

    /// Reads the baseline now; nil when the port has no hw counters.
    public init?(device: String, port: UInt32, netdev: String, sysfs: RdmaSysfs = RdmaSysfs()) {
        guard let start = sysfs.hwCounters(device: device, port: port), !start.isEmpty else { return nil }
        self.device = device
        self.port = port
        self.netdev = netdev
        self.sysfs = sysfs
        self.start = start
    }

    /// The increase of each counter since the baseline, by name (a counter that went
    /// backwards, reset under us, counts from 0).
    public func sinceStart() -> [(name: String, value: UInt64)] {
        let now = sysfs.hwCounters(device: device, port: port) ?? [:]
        return now.keys.sorted().map { name in
            let v = now[name] ?? 0, s = start[name] ?? 0
            return (name, v >= s ? v - s : v)
        }
    }

    /// The hw counters of every port that carries `netdev`'s GIDs.
    public static func watching(netdev: String, sysfs: RdmaSysfs = RdmaSysfs()) -> [DeviceCounters] {
        sysfs.ports().filter { $0.netdevs.contains(netdev) }.compactMap {
            DeviceCounters(device: $0.device, port: $0.port, netdev: netdev, sysfs: sysfs)
        }
    }
}
