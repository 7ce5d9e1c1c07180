import CProbe
import RoCE

/// The kernel's flow map, read at once: each flow's key and its counts summed over the CPUs,
/// as the shared header lays them out (bpf/rdmatop.h), for the engine's flows to take.
public struct KernelFlowMap {
    public var keys: [rdmatop_flow_key]
    public var flows: [rdmatop_flow]
    /// Entries the map's LRU dropped to make room (created minus present, counted in the kernel).
    public var evicted: UInt64
    /// Added to the map's bpf_ktime_get_ns() stamps to make them wall-clock time.
    public var clockOffset: Int64
    /// Each flow's PSN window (the PSN map, bpf/rdmatop.h), by the index of its key: nil for
    /// a flow that has none (no requests yet, or the PSN map was full). Empty: no PSN map.
    public var psns: [rdmatop_psn_counts?] = []
}

extension rdmatop_flow_key {
    /// The key's bytes as the maps hold them: a dictionary key, and the key to delete.
    var bytes: [UInt8] { withUnsafeBytes(of: self) { Array($0) } }

    public var sourceAddress: IPAddress { rdmatop_flow_key.address(src, ipv6: ipv6 != 0) }
    public var destinationAddress: IPAddress { rdmatop_flow_key.address(dst, ipv6: ipv6 != 0) }
    public var packetDirection: PacketDirection { PacketDirection(probe: direction) }

    /// An address of the key (an IPv4 address in its last four bytes).
    static func address(_ bytes: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                                  UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8), ipv6: Bool) -> IPAddress {
        withUnsafeBytes(of: bytes) { raw in
            var high: UInt64 = 0, low: UInt64 = 0
            for i in 0..<8 { high = high << 8 | UInt64(raw[i]) }
            for i in 8..<16 { low = low << 8 | UInt64(raw[i]) }
            return ipv6 ? IPAddress(ipv6High: high, low: low) : IPAddress(ipv4: UInt32(truncatingIfNeeded: low))
        }
    }
}

extension rdmatop_flow {
    /// The kernel's round trips of this flow's requests per log2 bucket of microseconds
    /// (bucket i: [2^i, 2^(i+1)) us; bpf/rdmatop.h, RDMATOP_RTT_BUCKETS).
    public var roundTripBuckets: [UInt64] {
        withUnsafeBytes(of: rtt_log2_us) { raw in raw.bindMemory(to: UInt32.self).map(UInt64.init) }
    }
}
