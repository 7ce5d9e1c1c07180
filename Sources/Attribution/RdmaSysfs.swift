import Foundation
import RoCE

/// One port of an RDMA device, as /sys/class/infiniband shows it: its RoCE GIDs as IP
/// addresses and the network devices they belong to.
public struct RdmaPort: Sendable, Equatable {
    public var device: String
    public var port: UInt32
    /// The netdevs of the port's GIDs (gid_attrs/ndevs).
    public var netdevs: [String]
    /// The IP addresses the port's GIDs hold (IPv4-mapped GIDs as IPv4).
    public var addresses: Set<IPAddress>
}

/// The RDMA devices under a sysfs root (/sys/class/infiniband; a folder of the same shape in tests).
public struct RdmaSysfs: Sendable {
    public let root: String

    public init(root: String = "/sys/class/infiniband") {
        self.root = root
    }

    /// The device names, sorted; empty when there is no such folder.
    public var deviceNames: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted()
    }

    /// Every port of every device.
    public func ports() -> [RdmaPort] {
        deviceNames.flatMap(ports(of:))
    }

    /// The ports of one device.
    public func ports(of device: String) -> [RdmaPort] {
        let dir = "\(root)/\(device)/ports"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.compactMap(UInt32.init).sorted().map { port in
            var netdevs: [String] = []
            var addresses = Set<IPAddress>()
            let gids = "\(dir)/\(port)/gids"
            // The table is long (rxe: 1024 entries) and filled from the start: stop after a
            // run of empty entries rather than read a thousand files each second.
            var empty = 0
            for index in ((try? FileManager.default.contentsOfDirectory(atPath: gids)) ?? []).compactMap(Int.init).sorted() {
                if empty >= Self.emptyGIDRun { break }
                guard let text = Self.read("\(gids)/\(index)"), let address = Self.gidAddress(text) else {
                    empty += 1
                    continue
                }
                empty = 0
                addresses.insert(address)
                if let ndev = Self.read("\(dir)/\(port)/gid_attrs/ndevs/\(index)"), !ndev.isEmpty, !netdevs.contains(ndev) {
                    netdevs.append(ndev)
                }
            }
            return RdmaPort(device: device, port: port, netdevs: netdevs, addresses: addresses)
        }
    }

    /// The netdev an RDMA device runs over (the first of its ports' GID netdevs); nil when
    /// there is no such device or it has no netdev (an InfiniBand port).
    public func netdev(of device: String) -> String? {
        guard deviceNames.contains(device) else { return nil }
        return ports(of: device).lazy.compactMap(\.netdevs.first).first
    }

    /// Whether an RDMA device of that name exists.
    public func hasDevice(_ device: String) -> Bool { deviceNames.contains(device) }

    /// Empty GID entries in a row after which the rest of a GID table is taken as empty.
    public static let emptyGIDRun = 32

    /// The port's hw counters (ports/N/hw_counters), name to value; nil when it has none.
    public func hwCounters(device: String, port: UInt32) -> [String: UInt64]? {
        let dir = "\(root)/\(device)/ports/\(port)/hw_counters"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return nil }
        var counters: [String: UInt64] = [:]
        for name in names where name != "lifespan" {
            if let text = Self.read("\(dir)/\(name)"), let value = UInt64(text) { counters[name] = value }
        }
        return counters
    }

    /// A GID as sysfs writes it (eight groups of four hex digits) as an IP address: an
    /// IPv4-mapped GID (::ffff:a.b.c.d) as IPv4; nil for the zero GID and for text that is no GID.
    public static func gidAddress(_ text: String) -> IPAddress? {
        let groups = text.split(separator: ":")
        guard groups.count == 8 else { return nil }
        var high: UInt64 = 0, low: UInt64 = 0
        for (i, g) in groups.enumerated() {
            guard g.count == 4, let v = UInt16(g, radix: 16) else { return nil }
            if i < 4 { high = high << 16 | UInt64(v) } else { low = low << 16 | UInt64(v) }
        }
        if high == 0 && low == 0 { return nil }
        if high == 0 && low >> 32 == 0xFFFF { return IPAddress(ipv4: UInt32(truncatingIfNeeded: low)) }
        return IPAddress(ipv6High: high, low: low)
    }

    /// A sysfs file's first line, trimmed; nil when it cannot be read (an unused GID's
    /// gid_attrs answer EINVAL).
    static func read(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path),
              let text = String(data: data, encoding: .utf8) else { return nil }
        return text.split(separator: "\n", omittingEmptySubsequences: false).first
            .map { $0.trimmingCharacters(in: .whitespaces) }
    }
}
