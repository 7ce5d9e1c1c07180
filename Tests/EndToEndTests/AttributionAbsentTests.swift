import Foundation
import Testing

/// Process attribution where RDMA netlink has nothing to tell (this development machine and CI:
/// a kernel without RDMA devices): live snapshots carry no attribution keys, no device
/// counters and no PROCESS column, and rdmatop says nothing about it. The SoftRoCE VM test
/// (tests/lab/softroce-test) checks the other side, with real rxe devices.
/// Whether this host has no RDMA device.
var hostHasNoRDMADevices: Bool {
    ((try? FileManager.default.contentsOfDirectory(atPath: "/sys/class/infiniband")) ?? []).isEmpty
}

@Suite(.serialized, .enabled(if: NetworkLab.available && hostHasNoRDMADevices, "needs root, and a host without RDMA devices"))
struct AttributionAbsentTests {
    @Test func liveSnapshotsHaveNoAttributionAndNoError() throws {
        let capture = try Paths.realCaptures().map(\.path).first { $0.contains("rping") } ?? Paths.realCaptures()[0].path
        let lab = try NetworkLab()
        defer { lab.remove() }
        let json = try lab.startRdmatop(lab.b, [lab.ifB, "--mode", "xdp", "--once", "--interval", "120", "--json"])
        let text = try lab.startRdmatop(lab.a, [lab.ifA, "--mode", "tc", "--once", "--interval", "120"])
        try lab.replay(capture)
        usleep(300_000)
        #expect(json.stop() == 0, "\(json.stderr)")
        #expect(text.stop() == 0, "\(text.stderr)")
        let doc = try parseJSON(json.stdout)
        let qps = doc["qps"] as? [[String: Any]] ?? []
        #expect(!qps.isEmpty, "the replay reached the probe")
        for key in ["qp_owner", "process", "qp_type", "qp_state", "rdma_device", "rdma_port", "qp_destroyed"] {
            #expect(qps.allSatisfy { $0[key] == nil }, "\(key) present without RDMA devices")
        }
        #expect(doc["device_counters"] == nil)
        #expect((doc["source"] as? [String: Any])?["rdma_device"] == nil)
        let header = text.stdout.split(separator: "\n").first { $0.hasPrefix("QPN") } ?? ""
        #expect(header.contains("SOURCE") && !header.contains("PROCESS"), "\(header)")
        #expect(!text.stdout.contains("device counters"))
        // The only line on standard error is the one that says what is watched.
        for run in [json, text] {
            let lines = run.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("rdmatop: watching "), "\(run.stderr)")
        }
    }

    @Test func anRDMADeviceNameThatDoesNotExistIsNoSuchInterface() throws {
        let r = try rdmatop("rxe0", "--once", "--interval", "0.1")
        #expect(r.status == 1)
        #expect(r.stderr == "rdmatop: no such interface: rxe0\n", "\(r.stderr)")
    }
}
