import Foundation
import Testing

/// The probe's exit paths and errors: signals, SIGKILL, missing privileges, a missing
/// interface, another XDP program, a verifier rejection, RDMA mode on a stock kernel.
@Suite(.serialized, .enabled(if: NetworkLab.available, "needs root for network namespaces and BPF"))
struct LiveErrorTests {
    /// Nothing of rdmatop's is left on the interface.
    func expectClean(_ lab: NetworkLab, _ ns: String, _ ifname: String, _ comment: Comment? = nil) throws {
        let a = try lab.attachments(ns, ifname)
        #expect(a.xdp.isEmpty, "XDP left: \(a.xdp) \(comment?.rawValue ?? "")")
        #expect(a.tcFilters.isEmpty, "tc filter left: \(a.tcFilters) \(comment?.rawValue ?? "")")
        #expect(!a.qdiscs.contains("clsact"), "clsact left: \(a.qdiscs) \(comment?.rawValue ?? "")")
    }

    @Test(arguments: [SIGINT, SIGTERM, SIGHUP])
    func aSignalDetachesEverything(signal: Int32) throws {
        let lab = try NetworkLab()
        defer { lab.remove() }
        let p = try lab.startRdmatop(lab.a, [lab.ifA, "--interval", "0.2"])  // refreshed snapshots
        let during = try lab.attachments(lab.a, lab.ifA)
        #expect(during.xdp.contains("rdmatop_xdp"))
        #expect(during.tcFilters.contains("rdmatop_tc"))
        usleep(500_000)
        #expect(p.stop(signal: signal) == 0, "\(p.stderr)")
        #expect(p.stdout.components(separatedBy: "rdmatop: interface").count >= 2, "snapshots were printed")
        try expectClean(lab, lab.a, lab.ifA, "after signal \(signal)")
    }

    @Test func afterSIGKILLNoXDPRemainsAndTheNextStartRemovesTheTCFilter() throws {
        let lab = try NetworkLab()
        defer { lab.remove() }
        let p = try lab.startRdmatop(lab.a, [lab.ifA, "--once", "--interval", "120"])
        #expect(p.stop(signal: SIGKILL) == SIGKILL || true)
        usleep(200_000)
        let after = try lab.attachments(lab.a, lab.ifA)
        #expect(after.xdp.isEmpty, "the bpf_link went with the process")
        #expect(after.tcFilters.contains("rdmatop_tc"), "a netlink tc filter outlives its process")
        let next = try lab.startRdmatop(lab.a, [lab.ifA, "--once", "--interval", "0.3"])
        #expect(next.wait() == 0)
        #expect(next.stderr.contains("removed a leftover rdmatop tc filter"), "\(next.stderr)")
        try expectClean(lab, lab.a, lab.ifA)
    }

    /// The lock file of an interface in a namespace: /run/rdmatop/tc-NETNS-IFINDEX.lock.
    func lockPath(_ lab: NetworkLab, _ ns: String, _ ifname: String) throws -> String {
        let netns = try lab.exec(ns, ["stat", "-L", "-c", "%i", "/proc/self/ns/net"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let link = try lab.exec(ns, ["ip", "-o", "link", "show", ifname]).stdout
        let ifindex = link.split(separator: ":").first.map(String.init) ?? "?"
        return "/run/rdmatop/tc-\(netns)-\(ifindex).lock"
    }

    /// A lock file naming a live process called rdmatop… (this test runner) is not trusted:
    /// the flock is free, so the filter is a leftover.
    @Test func aReusedPIDInTheLockFileIsNotTrusted() throws {
        let lab = try NetworkLab()
        defer { lab.remove() }
        let p = try lab.startRdmatop(lab.a, [lab.ifA, "--mode", "tc", "--once", "--interval", "120"])
        let lock = try lockPath(lab, lab.a, lab.ifA)
        #expect(FileManager.default.fileExists(atPath: lock), "held while rdmatop runs")
        _ = p.stop(signal: SIGKILL)
        usleep(200_000)
        #expect(try lab.attachments(lab.a, lab.ifA).tcFilters.contains("rdmatop_tc"))
        let comm = try String(contentsOfFile: "/proc/self/comm", encoding: .utf8)
        try "\(getpid())\ncreated-qdisc\n".write(toFile: lock, atomically: false, encoding: .utf8)
        let next = try lab.startRdmatop(lab.a, [lab.ifA, "--mode", "tc", "--once", "--interval", "0.3"])
        #expect(next.wait() == 0, "\(next.stderr) (the lock named pid \(getpid()), \(comm))")
        #expect(next.stderr.contains("removed a leftover rdmatop tc filter"), "\(next.stderr)")
        try expectClean(lab, lab.a, lab.ifA)
        #expect(!FileManager.default.fileExists(atPath: lock), "a clean exit removes the lock file")
    }

    /// Only rdmatop's own filter is removed, and the clsact qdisc only when rdmatop created
    /// it and nothing else is on it.
    @Test func othersFiltersAndQdiscsStay() throws {
        let lab = try NetworkLab()
        defer { lab.remove() }
        // A clsact qdisc and a filter of someone else's before rdmatop starts.
        try lab.sh("ip netns exec \(lab.a) tc qdisc add dev \(lab.ifA) clsact")
        try lab.sh("ip netns exec \(lab.a) tc filter add dev \(lab.ifA) egress pref 1 bpf bytecode '1,6 0 0 0'")
        let p = try lab.startRdmatop(lab.a, [lab.ifA, "--mode", "tc", "--once", "--interval", "0.3"])
        #expect(p.wait() == 0, "\(p.stderr)")
        var after = try lab.attachments(lab.a, lab.ifA)
        #expect(!after.tcFilters.contains("rdmatop_tc"))
        #expect(after.tcFilters.contains("bytecode"), "the other filter stays: \(after.tcFilters)")
        #expect(after.qdiscs.contains("clsact"), "a qdisc rdmatop did not create stays")
        try lab.sh("ip netns exec \(lab.a) tc qdisc del dev \(lab.ifA) clsact")

        // rdmatop creates the qdisc; someone adds an ingress filter to it meanwhile.
        let q = try lab.startRdmatop(lab.a, [lab.ifA, "--mode", "tc", "--once", "--interval", "120"])
        try lab.sh("ip netns exec \(lab.a) tc filter add dev \(lab.ifA) ingress pref 1 bpf bytecode '1,6 0 0 0'")
        #expect(q.stop() == 0, "\(q.stderr)")
        after = try lab.attachments(lab.a, lab.ifA)
        #expect(after.qdiscs.contains("clsact"), "not empty: kept")
        #expect(try lab.exec(lab.a, ["tc", "filter", "show", "dev", lab.ifA, "ingress"]).stdout.contains("bytecode"))
        #expect(!after.tcFilters.contains("rdmatop_tc"))
    }

    /// After a SIGKILL, the next start removes the leftover filter and the qdisc rdmatop
    /// created, whatever mode it runs in.
    @Test(arguments: ["xdp", "tc", "auto"])
    func theNextStartInAnyModeCleansUpAfterSIGKILL(mode: String) throws {
        let lab = try NetworkLab()
        defer { lab.remove() }
        let p = try lab.startRdmatop(lab.a, [lab.ifA, "--mode", "tc", "--once", "--interval", "120"])
        _ = p.stop(signal: SIGKILL)
        usleep(200_000)
        let left = try lab.attachments(lab.a, lab.ifA)
        #expect(left.tcFilters.contains("rdmatop_tc") && left.qdiscs.contains("clsact"))
        let next = try lab.startRdmatop(lab.a, [lab.ifA, "--mode", mode, "--once", "--interval", "0.3"])
        #expect(next.wait() == 0, "\(next.stderr)")
        #expect(next.stderr.contains("removed a leftover rdmatop tc filter"), "\(next.stderr)")
        try expectClean(lab, lab.a, lab.ifA, "mode \(mode)")
    }

    /// `-w` never writes through a symbolic link nor replaces a file, and refuses before
    /// anything is attached.
    @Test func aCaptureIsNeverWrittenThroughALinkNorOverAFile() throws {
        let lab = try NetworkLab()
        defer { lab.remove() }
        let dir = try Paths.temporaryDirectory()
        let precious = dir.appendingPathComponent("precious").path
        try "keep\n".write(toFile: precious, atomically: false, encoding: .utf8)
        let link = dir.appendingPathComponent("capture.pcapng").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: precious)
        for (path, words) in [(link, "symbolic link"), (precious, "never replaces")] {
            let p = try lab.startRdmatop(lab.a, [lab.ifA, "--once", "-w", path])
            #expect(p.wait() == 1)
            #expect(p.stderr.contains(words) && p.stderr.filter { $0 == "\n" }.count == 1, "\(p.stderr)")
            #expect(try String(contentsOfFile: precious, encoding: .utf8) == "keep\n")
            try expectClean(lab, lab.a, lab.ifA)
        }
    }

    @Test func withoutPrivilegesTheCapabilitiesAreNamed() throws {
        let lab = try NetworkLab()
        defer { lab.remove() }
        let p = try lab.startRdmatop(lab.a, [lab.ifA, "--once"], user: "65534")
        #expect(p.wait() == 1)
        #expect(p.stderr == "rdmatop: attaching the probe needs CAP_BPF and CAP_NET_ADMIN, which this process lacks; run rdmatop as root\n")
        try expectClean(lab, lab.a, lab.ifA)
    }

    @Test func aMissingInterfaceIsNamed() throws {
        let r = try rdmatop("rdt-nosuch0", "--once")
        #expect(r.status == 1)
        #expect(r.stderr == "rdmatop: no such interface: rdt-nosuch0\n")
    }

    @Test func rdmaModeOnAStockKernelNamesTheSeries() throws {
        let lab = try NetworkLab()
        defer { lab.remove() }
        let p = try lab.startRdmatop(lab.a, [lab.ifA, "--mode", "rdma", "--once"])
        #expect(p.wait() == 1)
        #expect(p.stderr.contains("does not support XDP RDMA mode (XDP_FLAGS_RDMA): it needs rdmatop's kernel series (kernel-patches/)"))
        #expect(p.stderr.filter { $0 == "\n" }.count == 1)
        try expectClean(lab, lab.a, lab.ifA)
    }

    /// A BPF object of the test's own, compiled with clang.
    func compileBPF(_ source: String, name: String) throws -> String {
        let dir = try Paths.temporaryDirectory()
        let c = dir.appendingPathComponent("\(name).bpf.c").path
        let o = dir.appendingPathComponent("\(name).bpf.o").path
        try source.write(toFile: c, atomically: true, encoding: .utf8)
        let r = try run(try tool("clang"), ["-O2", "-g", "-target", "bpf", "-I", Paths.root.appendingPathComponent("bpf").path,
                                             "-idirafter", "/usr/include/x86_64-linux-gnu", "-c", c, "-o", o])
        guard r.status == 0 else { throw LabError(message: "clang: \(r.stderr)") }
        return o
    }

    @Test func anotherXDPProgramIsNamedAndLeftAlone() throws {
        let lab = try NetworkLab()
        defer { lab.remove() }
        let other = try compileBPF("""
            #include <linux/bpf.h>
            #include <bpf/bpf_helpers.h>
            SEC("xdp") int xdp_other(struct xdp_md *ctx) { return XDP_PASS; }
            char LICENSE[] SEC("license") = "GPL";
            """, name: "other")
        try lab.sh("ip -n \(lab.b) link set dev \(lab.ifB) xdpgeneric obj \(other) sec xdp")
        for mode in ["xdp", "auto"] {
            let p = try lab.startRdmatop(lab.b, [lab.ifB, "--mode", mode, "--once"])
            #expect(p.wait() == 1)
            #expect(p.stderr.contains("\(lab.ifB) already has an XDP program attached (generic mode, id "), "\(p.stderr)")
            #expect(p.stderr.contains("\"xdp_other\"); rdmatop does not replace it. Remove it with: ip link set dev \(lab.ifB) xdpgeneric off"))
            #expect(p.stderr.filter { $0 == "\n" }.count == 1)
            let after = try lab.attachments(lab.b, lab.ifB)
            #expect(after.xdp.contains("xdp_other"), "the other program stays")
            #expect(after.tcFilters.isEmpty && !after.qdiscs.contains("clsact"), "nothing half-attached")
        }
        // A second rdmatop on the same interface is another XDP program too, and a live
        // rdmatop's tc filter is not mistaken for a leftover.
        try lab.sh("ip -n \(lab.b) link set dev \(lab.ifB) xdpgeneric off")
        let first = try lab.startRdmatop(lab.b, [lab.ifB, "--once", "--interval", "120"])
        let second = try lab.startRdmatop(lab.b, [lab.ifB, "--mode", "xdp", "--once"])
        #expect(second.wait() == 1)
        #expect(second.stderr.contains("\"rdmatop_xdp\""))
        let third = try lab.startRdmatop(lab.b, [lab.ifB, "--mode", "tc", "--once"])
        #expect(third.wait() == 1)
        #expect(third.stderr.contains("rdmatop (pid \(first.pid)) is already watching it"), "\(third.stderr)")
        #expect(first.stop() == 0)
        try expectClean(lab, lab.b, lab.ifB)
    }

    @Test func aVerifierRejectionSavesTheLog() throws {
        let lab = try NetworkLab()
        defer { lab.remove() }
        // The maps and configuration rdmatop expects, and an XDP program that reads the
        // packet without a bounds check.
        let bad = try compileBPF("""
            #include <linux/bpf.h>
            #include <bpf/bpf_helpers.h>
            #include "rdmatop.h"
            const volatile struct rdmatop_config config = { .port = 4791 };
            struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 1 << 20); } events SEC(".maps");
            struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 2); __type(key, __u32);
                     __type(value, struct rdmatop_counters); } counters SEC(".maps");
            SEC("xdp") int rdmatop_xdp(struct xdp_md *ctx) {
                unsigned char *p = (void *)(long)ctx->data;
                return p[40] == config.port ? XDP_DROP : XDP_PASS;
            }
            SEC("tc") int rdmatop_tc(struct __sk_buff *skb) { return 0; }
            char LICENSE[] SEC("license") = "GPL";
            """, name: "unchecked")
        let p = try lab.startRdmatop(lab.a, [lab.ifA, "--once", "--bpf-object", bad])
        #expect(p.wait() == 1)
        let message = p.stderr
        #expect(message.hasPrefix("rdmatop: the kernel's BPF verifier rejected rdmatop_xdp (Permission denied); its log is in /run/rdmatop/verifier-"), "\(message)")
        #expect(message.filter { $0 == "\n" }.count == 1)
        let path = String(message.split(separator: " ").last!.dropLast())
        let log = try String(contentsOfFile: path, encoding: .utf8)
        #expect(log.contains("invalid access to packet"), "the verifier's own words are in the log")
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect(attributes[.posixPermissions] as? Int == 0o600)
        #expect(try FileManager.default.attributesOfItem(atPath: "/run/rdmatop")[.posixPermissions] as? Int == 0o700)
        try? FileManager.default.removeItem(atPath: path)
        try expectClean(lab, lab.a, lab.ifA)

        // A path the user gives: written, but never through a symbolic link.
        let dir = try Paths.temporaryDirectory()
        let given = dir.appendingPathComponent("verifier.log").path
        let q = try lab.startRdmatop(lab.a, [lab.ifA, "--once", "--bpf-object", bad, "--verifier-log", given])
        #expect(q.wait() == 1)
        #expect(q.stderr.hasSuffix("its log is in \(given)\n"), "\(q.stderr)")
        #expect(try String(contentsOfFile: given, encoding: .utf8).contains("invalid access to packet"))
        let precious = dir.appendingPathComponent("precious").path
        try "keep\n".write(toFile: precious, atomically: false, encoding: .utf8)
        let link = dir.appendingPathComponent("link.log").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: precious)
        let r = try lab.startRdmatop(lab.a, [lab.ifA, "--once", "--bpf-object", bad, "--verifier-log", link])
        #expect(r.wait() == 1)
        #expect(r.stderr.contains("symbolic link"), "\(r.stderr)")
        #expect(try String(contentsOfFile: precious, encoding: .utf8) == "keep\n")
        try expectClean(lab, lab.a, lab.ifA)
    }

    @Test func optionsAreValidated() throws {
        for args in [["lo", "-s", "50"], ["lo", "-s", "5000"], ["lo", "--buffer-size", "3"], ["lo", "--interval", "0"],
                     ["lo", "--mode", "bogus"], ["lo", "--sample", "-1"], ["lo", "--sample", "2000000"],
                     ["lo", "--sample", "0", "--dump"], ["lo", "--sample", "0", "-w", "/nonexistent/x.pcapng"],
                     ["lo", "--sample", "0", "--qpn", "0x11", "--once"], ["--read", "/nonexistent.pcap", "--sample", "0"],
                     ["lo", "--sample", "sometimes"], ["lo", "--sample", "auto", "--dump"],
                     ["lo", "--sample", "auto", "-w", "/nonexistent/x.pcapng"], ["--read", "/nonexistent.pcap", "--sample", "off"]] {
            let r = try rdmatop(args)
            #expect(r.status == 64, "\(args): \(r.stderr)")
        }
    }
}
