import Attribution
import Foundation
import RoCE
import Testing

/// A folder shaped like /sys/class/infiniband, written by the test.
struct FakeSysfs {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("rdmatop-sysfs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    func write(_ path: String, _ text: String) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try (text + "\n").write(to: url, atomically: true, encoding: .utf8)
    }

    /// A port with GIDs (index -> (gid, ndev)).
    func port(_ device: String, _ port: Int, gids: [Int: (String, String?)]) throws {
        for (index, (gid, ndev)) in gids {
            try write("\(device)/ports/\(port)/gids/\(index)", gid)
            if let ndev { try write("\(device)/ports/\(port)/gid_attrs/ndevs/\(index)", ndev) }
        }
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
}

@Suite struct RdmaSysfsTests {
    @Test func gidTextBecomesAnAddress() {
        #expect(RdmaSysfs.gidAddress("0000:0000:0000:0000:0000:ffff:0a00:0002") == IPAddress("10.0.0.2"))
        #expect(RdmaSysfs.gidAddress("fe80:0000:0000:0000:a8b1:22ff:fe33:4455") == IPAddress("fe80::a8b1:22ff:fe33:4455"))
        #expect(RdmaSysfs.gidAddress("0000:0000:0000:0000:0000:0000:0000:0000") == nil)
        #expect(RdmaSysfs.gidAddress("0000:0000:0000:0000:0000:ffff:0a00") == nil)
        #expect(RdmaSysfs.gidAddress("zzzz:0000:0000:0000:0000:ffff:0a00:0002") == nil)
    }

    @Test func portsListTheirAddressesAndNetdevs() throws {
        let fs = try FakeSysfs()
        defer { fs.remove() }
        try fs.port("rxeB", 1, gids: [
            0: ("fe80:0000:0000:0000:a8b1:22ff:fe33:4455", "vethB"),
            1: ("0000:0000:0000:0000:0000:ffff:0a00:0002", "vethB"),
            2: ("0000:0000:0000:0000:0000:0000:0000:0000", nil),
        ])
        try fs.port("rxeA", 1, gids: [1: ("0000:0000:0000:0000:0000:ffff:0a00:0001", "vethA")])
        let sysfs = RdmaSysfs(root: fs.root.path)
        #expect(sysfs.deviceNames == ["rxeA", "rxeB"])
        let ports = sysfs.ports()
        #expect(ports.map(\.device) == ["rxeA", "rxeB"])
        #expect(ports[1].netdevs == ["vethB"])
        #expect(ports[1].addresses == [IPAddress("10.0.0.2")!, IPAddress("fe80::a8b1:22ff:fe33:4455")!])
        #expect(ports[0].addresses == [IPAddress("10.0.0.1")!])
    }

    @Test func deviceCountersCountFromTheBaseline() throws {
        let fs = try FakeSysfs()
        defer { fs.remove() }
        try fs.port("rxeB", 1, gids: [1: ("0000:0000:0000:0000:0000:ffff:0a00:0002", "vethB")])
        try fs.write("rxeB/ports/1/hw_counters/sent_pkts", "100")
        try fs.write("rxeB/ports/1/hw_counters/rcvd_pkts", "7")
        try fs.write("rxeB/ports/1/hw_counters/lifespan", "10")
        let sysfs = RdmaSysfs(root: fs.root.path)
        let watching = DeviceCounters.watching(netdev: "vethB", sysfs: sysfs)
        #expect(watching.count == 1)
        #expect(DeviceCounters.watching(netdev: "vethA", sysfs: sysfs).isEmpty)
        try fs.write("rxeB/ports/1/hw_counters/sent_pkts", "130")
        try fs.write("rxeB/ports/1/hw_counters/rcvd_pkts", "3")   // reset under us
        let delta = watching[0].sinceStart()
        #expect(delta.map(\.name) == ["rcvd_pkts", "sent_pkts"])
        #expect(delta.map(\.value) == [3, 30])
        #expect(watching[0].device == "rxeB" && watching[0].port == 1 && watching[0].netdev == "vethB")
    }

    @Test func anEmptyRootHasNoDevices() {
        let sysfs = RdmaSysfs(root: "/nonexistent/rdmatop-sysfs")
        #expect(sysfs.deviceNames.isEmpty && sysfs.ports().isEmpty)
        #expect(sysfs.hwCounters(device: "rxe0", port: 1) == nil)
    }
}

@Suite struct QPOwnerTests {
    @Test func labels() {
        #expect(QPOwner(kind: .process, pid: 42, comm: "ib_write_bw").label == "ib_write_bw/42")
        #expect(QPOwner(kind: .kernel, type: 1).label == "kernel")
        #expect(QPOwner(kind: .remote).label == "remote")
        #expect(QPOwner(kind: .kernel, type: 1).typeName == "GSI")
        #expect(QPOwner(kind: .process, type: 2, state: 3).typeName == "RC")
        #expect(QPOwner(kind: .process, type: 2, state: 3).stateName == "RTS")
    }

    /// On a host without RDMA netlink or without an RDMA device (this development machine),
    /// the resolver is absent; with one, it exists. Which one holds is read from the kernel.
    @Test func resolverExistsExactlyWhenNetlinkListsDevices() {
        let devices = RdmaNetlink()?.devices() ?? []
        #expect((QPResolver() != nil) == !devices.isEmpty)
    }
}

@Suite struct GIDTableTests {
    /// A GID table is read up to a run of empty entries, so a 1024-entry table (rxe) costs a
    /// few reads; entries after a short hole are still found.
    @Test func readingStopsAfterARunOfEmptyEntries() throws {
        let fs = try FakeSysfs()
        defer { fs.remove() }
        let zero = "0000:0000:0000:0000:0000:0000:0000:0000"
        var gids: [Int: (String, String?)] = [:]
        for i in 0..<200 { gids[i] = (zero, nil) }
        gids[0] = ("fe80:0000:0000:0000:a8b1:22ff:fe33:4455", "vethB")
        gids[5] = ("0000:0000:0000:0000:0000:ffff:0a00:0002", "vethB")
        gids[5 + RdmaSysfs.emptyGIDRun + 1] = ("0000:0000:0000:0000:0000:ffff:0a00:0009", "vethB")
        try fs.port("rxeB", 1, gids: gids)
        let port = RdmaSysfs(root: fs.root.path).ports()[0]
        #expect(port.addresses.contains(IPAddress("10.0.0.2")!))
        #expect(!port.addresses.contains(IPAddress("10.0.0.9")!))
    }
}
