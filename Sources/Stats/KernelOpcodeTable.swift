import CFlow
import RoCE

/// What the per-packet flow logic (bpf/rdmatop_flow.h) needs of each opcode
/// (`struct rdmatop_opcode_info`), derived from rdmatop's opcode table. The engine counts
/// capture files with it, and the probe hands it to the BPF programs in their load-time
/// configuration, so the kernel and the files classify and size packets by the same table
/// the decoder reads.
public enum KernelOpcodeTable {
    /// The kernel's class of an opcode (`enum rdmatop_opclass`).
    static func opclass(_ info: OpcodeInfo) -> rdmatop_opclass {
        let c = info.classes
        if c.contains(.cnp) { return RDMATOP_CLASS_CNP }
        if c.contains(.atomic) { return RDMATOP_CLASS_ATOMIC }
        if c.contains(.acknowledge) { return RDMATOP_CLASS_ACKNOWLEDGE }
        if c.contains(.read) { return c.contains(.request) ? RDMATOP_CLASS_READ_REQUEST : RDMATOP_CLASS_READ_RESPONSE }
        if c.contains(.send) { return RDMATOP_CLASS_SEND }
        if c.contains(.write) { return RDMATOP_CLASS_WRITE }
        return RDMATOP_CLASS_OTHER
    }

    /// What an opcode is to round trips (`enum rdmatop_rtt_role`): only the reliable
    /// transports (RC, XRC) are answered. A READ or atomic request is always answered; any
    /// other request when it sets AckReq. The answer that carries the request's PSN back is
    /// an ACKNOWLEDGE, an ATOMIC ACKNOWLEDGE, or the first (or only) READ response.
    static func roundTripRole(_ info: OpcodeInfo) -> rdmatop_rtt_role {
        let c = info.classes
        guard info.transport == .rc || info.transport == .xrc else { return RDMATOP_RTT_NONE }
        if c.contains(.request) {
            return c.contains(.read) || c.contains(.atomic) ? RDMATOP_RTT_ASKS : RDMATOP_RTT_ASKS_IF_ACKREQ
        }
        if c.contains(.response) && (c.contains(.acknowledge) || (c.contains(.read) && !c.isDisjoint(with: OpcodeClass.startOfMessage))) {
            return RDMATOP_RTT_ANSWERS
        }
        return RDMATOP_RTT_NONE
    }

    /// What an opcode is to the PSN window (`enum rdmatop_psn_role`): the packets the engine
    /// counts in a flow's request ledger (`StatsEngine.analyseRequest`), a READ request apart.
    /// READ responses and atomic acknowledgements, which the engine counts in a response
    /// ledger, only mark the flow (its messages are not only its requests').
    static func psnRole(_ info: OpcodeInfo) -> rdmatop_psn_role {
        let c = info.classes
        guard !c.contains(.undefined) else { return RDMATOP_PSN_NONE }
        if c.contains(.request) { return c.contains(.read) ? RDMATOP_PSN_READ : RDMATOP_PSN_REQUEST }
        if c.contains(.response) && (c.contains(.read) || (c.contains(.atomic) && c.contains(.acknowledge))) {
            return RDMATOP_PSN_RESPONSE
        }
        return RDMATOP_PSN_NONE
    }

    /// Where an opcode stands in its message (`enum rdmatop_message_part`).
    static func messagePart(_ info: OpcodeInfo) -> rdmatop_message_part {
        let c = info.classes
        if c.contains(.only) { return RDMATOP_MESSAGE_ONLY }
        if c.contains(.first) { return RDMATOP_MESSAGE_FIRST }
        if c.contains(.last) { return RDMATOP_MESSAGE_LAST }
        return RDMATOP_MESSAGE_MIDDLE
    }

    /// The entry of one opcode.
    public static func entry(_ info: OpcodeInfo) -> rdmatop_opcode_info {
        var e = rdmatop_opcode_info()
        e.opclass = UInt8(opclass(info).rawValue)
        e.headers = UInt8(info.headersLength)
        e.aeth = info.offset(of: .aeth).map { UInt8($0 + 1) } ?? 0
        e.rtt = UInt8(roundTripRole(info).rawValue)
        e.psn = UInt8(psnRole(info).rawValue)
        e.message = UInt8(messagePart(info).rawValue)
        return e
    }

    /// Every opcode's entry, indexed by opcode (as `OpcodeTable.entries`, all 256).
    public static let entries: [rdmatop_opcode_info] = OpcodeTable.entries.map(entry)

    /// Writes the table into `config.opcodes` (the BPF programs' `struct rdmatop_config`).
    public static func fill(_ config: inout rdmatop_config) {
        withUnsafeMutableBytes(of: &config.opcodes) { raw in
            let table = raw.bindMemory(to: rdmatop_opcode_info.self)
            for (opcode, e) in entries.enumerated() { table[opcode] = e }
        }
    }
}
