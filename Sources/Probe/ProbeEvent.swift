import CProbe
import RoCE

/// One packet handed over by the probe.
public struct ProbeEvent {
    /// Nanoseconds since the epoch.
    public var timestampNanoseconds: Int64
    public var ifindex: Int
    public var originalLength: Int
    /// Received (XDP, RDMA mode) or sent (tc egress) by the interface.
    public var direction: PacketDirection
    /// What the bytes start with: the Ethernet header, or the IP header (RDMA mode).
    public var linkType: LinkType
    public var hook: UInt8
    /// The captured bytes: valid only during the handler call.
    public var data: UnsafeRawBufferPointer
}

extension ProbeEvent {
    /// Parses one ring-buffer record: the `rdmatop_event` header (bpf/rdmatop.h) and the
    /// captured bytes after it, which `data` borrows from `record`. Nil for a record shorter
    /// than the header; a `cap_len` beyond the record is cut to what the record holds.
    /// `clockOffset` moves the kernel's monotonic timestamp to the epoch (wrapping, never trapping).
    public init?(record raw: UnsafeRawBufferPointer, clockOffset: Int64) {
        let start = MemoryLayout<rdmatop_event>.size
        guard raw.count >= start else { return nil }
        let header = raw.loadUnaligned(as: rdmatop_event.self)
        let captured = min(Int(header.cap_len), raw.count - start)
        self.init(timestampNanoseconds: Int64(truncatingIfNeeded: header.timestamp_ns) &+ clockOffset,
                  ifindex: Int(header.ifindex), originalLength: Int(header.orig_len), direction: PacketDirection(probe: header.direction),
                  linkType: UInt32(header.framing) == RDMATOP_FRAMING_IP.rawValue ? .rawIP : .ethernet, hook: header.hook,
                  data: UnsafeRawBufferPointer(rebasing: raw[start..<(start + captured)]))
    }
}

extension PacketDirection {
    /// The direction of the shared header's `enum rdmatop_direction` (bpf/rdmatop.h): events
    /// and the kernel's flow keys carry it.
    init(probe direction: UInt8) {
        self = UInt32(direction) == RDMATOP_DIR_TX.rawValue ? .outbound : .inbound
    }
}
