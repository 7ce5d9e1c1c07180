import CFlow
import RoCE

/// What a flow's packets add up to (`struct rdmatop_flow_counts`): packets, bytes, payload
/// bytes, opcode classes, ACKs, NAKs by code, RNR NAKs, CNPs, ECN CE and FECN/BECN.
///
/// Counted by the per-packet flow logic the BPF programs run on live traffic
/// (`rdmatop_count_packet()`, bpf/rdmatop_flow.h): the engine runs the same C function on the
/// packets of a capture file, and the kernel's flow map holds the same struct, so a flow's
/// counts from a file and from the kernel come from one implementation.
public struct FlowCounts: Sendable {
    /// The counts, as the shared header lays them out.
    public var raw = rdmatop_flow_counts()

    public init() {}

    /// Counts already made (the kernel's, summed over its CPUs).
    public init(_ raw: rdmatop_flow_counts) { self.raw = raw }

    /// Counts one decoded RoCE packet of `frameLength` bytes on the wire, as the kernel counts
    /// it. Returns `enum rdmatop_count_result` flags.
    @discardableResult
    public mutating func count(_ p: RoCEPacket, frameLength: Int) -> UInt32 {
        var facts = rdmatop_packet_facts()
        facts.frame_len = UInt32(clamping: frameLength)
        facts.udp_len = UInt16(clamping: p.udp.length)
        facts.bth_flags = (p.bth.solicitedEvent ? 0x80 : 0) | (p.bth.migrationRequest ? 0x40 : 0)
            | (p.bth.padCount & 3) << 4 | p.bth.transportVersion & 0x0F
        facts.bth_becn_fecn = (p.bth.fecn ? 0x80 : 0) | (p.bth.becn ? 0x40 : 0)
        facts.ecn = p.ip.ecn.rawValue
        if let aeth = p.aeth {
            facts.has_aeth = 1
            facts.syndrome = aeth.syndromeByte
        }
        var op = KernelOpcodeTable.entries[Int(p.bth.opcode)]
        return rdmatop_count_packet(&raw, &op, &facts)
    }

    /// Adds `other`'s counts (another CPU's share, another entry of the same flow).
    public mutating func add(_ other: FlowCounts) {
        var from = other.raw
        rdmatop_add_counts(&raw, &from)
    }

    /// Packets counted.
    public var packets: UInt64 { raw.packets }
    /// Bytes on the wire (frame lengths).
    public var bytes: UInt64 { raw.bytes }
    /// Payload bytes: the UDP payload less BTH, extended headers, pad and ICRC.
    public var payloadBytes: UInt64 { raw.payload_bytes }
    /// AETH ACKs (Acknowledge, Atomic Acknowledge and READ responses with an AETH).
    public var acks: UInt64 { raw.acks }
    /// RNR NAKs.
    public var rnrNaks: UInt64 { raw.rnr_naks }
    /// CNPs (the opcode class of 0x81).
    public var cnps: UInt64 { raw.cnps }
    /// Packets with IP ECN = CE.
    public var ecnCE: UInt64 { raw.ecn_ce }
    /// Packets with the BTH FECN / BECN bits set.
    public var fecn: UInt64 { raw.fecn }
    public var becn: UInt64 { raw.becn }

    /// NAKs by code name (`NAKCode.name`; codes the IBTA does not define as "reserved").
    public var naks: [String: UInt64] {
        var named: [String: UInt64] = [:]
        withUnsafeBytes(of: raw.naks) { counts in
            for (code, n) in counts.bindMemory(to: UInt64.self).enumerated() where n > 0 {
                named[NAKCode(rawValue: UInt8(code)).name] = n
            }
        }
        if raw.naks_reserved > 0 { named["reserved"] = raw.naks_reserved }
        return named
    }

    /// The names of the kernel's opcode classes (`enum rdmatop_opclass`), by value.
    public static let classNames = ["send", "write", "read_request", "read_response", "atomic", "acknowledge", "cnp", "other"]

    /// Packets by opcode class (`KernelOpcodeTable.opclass`), the classes with packets, in
    /// the enum's order.
    public var byClass: [(name: String, packets: UInt64)] {
        var classes: [(name: String, packets: UInt64)] = []
        forEachClass { classes.append(($0, $1)) }
        return classes
    }

    /// Calls `body` with each class with packets and its count, in the enum's order: `byClass`
    /// without the array (the JSON snapshot writes it for every QP).
    @inlinable
    public func forEachClass(_ body: (_ name: String, _ packets: UInt64) -> Void) {
        withUnsafeBytes(of: raw.classes) { counts in
            for (i, n) in counts.bindMemory(to: UInt64.self).enumerated() where n > 0 && i < FlowCounts.classNames.count {
                body(FlowCounts.classNames[i], n)
            }
        }
    }

    /// `byClass`, most packets first.
    public var busiestClasses: [(name: String, packets: UInt64)] {
        byClass.enumerated().sorted { $0.element.packets != $1.element.packets ? $0.element.packets > $1.element.packets : $0.offset < $1.offset }
            .map(\.element)
    }

    /// `naks` in the order of their names, as the JSON and Prometheus write them; at once
    /// empty for the flows without NAKs (nearly all), with no dictionary made.
    public var naksByName: [(name: String, count: UInt64)] {
        guard nakCount > 0 else { return [] }
        return naks.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// All NAKs (RNR NAKs excluded).
    public var nakCount: UInt64 {
        withUnsafeBytes(of: raw.naks) { $0.bindMemory(to: UInt64.self).reduce(raw.naks_reserved, &+) }
    }
}
