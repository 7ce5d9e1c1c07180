import CProbe
import RoCE

/// What the BPF programs need of each opcode (`struct rdmatop_opcode_info`), derived from
/// rdmatop's opcode table and handed to the programs in their load-time configuration, so
/// that the kernel classifies and sizes packets by the same table the decoder reads.
enum KernelOpcodeTable {
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

    static func entry(_ info: OpcodeInfo) -> rdmatop_opcode_info {
        var e = rdmatop_opcode_info()
        e.opclass = UInt8(opclass(info).rawValue)
        e.headers = UInt8(info.headersLength)
        e.aeth = info.offset(of: .aeth).map { UInt8($0 + 1) } ?? 0
        return e
    }

    /// Writes the table into `config.opcodes`.
    static func fill(_ config: inout rdmatop_config) {
        withUnsafeMutableBytes(of: &config.opcodes) { raw in
            let table = raw.bindMemory(to: rdmatop_opcode_info.self)
            for info in OpcodeTable.entries { table[Int(info.opcode)] = entry(info) }
        }
    }
}
