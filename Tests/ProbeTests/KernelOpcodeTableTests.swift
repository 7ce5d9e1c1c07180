import CFlow
import CProbe
import RoCE
import Testing
@testable import Stats

/// The opcode facts the BPF programs get at load time, checked against the IBTA's header
/// layouts (roce.md), so that the kernel's payload and AETH arithmetic reads the right bytes.
@Suite struct KernelOpcodeTableTests {
    func entry(_ opcode: UInt8) -> rdmatop_opcode_info { KernelOpcodeTable.entries[Int(opcode)] }

    @Test func aethOffsetsFollowTheExtendedHeadersBeforeIt() {
        #expect(entry(0x11).aeth == 1, "RC ACKNOWLEDGE: AETH right after the BTH")
        #expect(entry(0x0D).aeth == 1 && entry(0x0D).headers == 4, "RC READ RESPONSE FIRST: AETH only")
        #expect(entry(0x0E).aeth == 0 && entry(0x0E).headers == 0, "READ RESPONSE MIDDLE has no AETH")
        #expect(entry(0x12).aeth == 1 && entry(0x12).headers == 12, "ATOMIC ACKNOWLEDGE: AETH + AtomicAckETH")
        #expect(entry(0x51).aeth == 5 && entry(0x51).headers == 8, "RD ACKNOWLEDGE: RDETH, then AETH")
        #expect(entry(0x04).aeth == 0 && entry(0x04).headers == 0, "RC SEND ONLY")
        #expect(entry(0x64).headers == 8, "UD SEND ONLY: DETH")
        #expect(entry(0x0A).headers == 16, "RC RDMA WRITE ONLY: RETH")
        #expect(entry(0x81).headers == 16, "CNP: 16 reserved bytes, no payload")
    }

    @Test func classesComeFromTheTable() {
        let cases: [(UInt8, rdmatop_opclass)] = [
            (0x04, RDMATOP_CLASS_SEND), (0x0A, RDMATOP_CLASS_WRITE), (0x0C, RDMATOP_CLASS_READ_REQUEST),
            (0x10, RDMATOP_CLASS_READ_RESPONSE), (0x11, RDMATOP_CLASS_ACKNOWLEDGE), (0x13, RDMATOP_CLASS_ATOMIC),
            (0x12, RDMATOP_CLASS_ATOMIC), (0x81, RDMATOP_CLASS_CNP), (0x64, RDMATOP_CLASS_SEND),
            (0xE5, RDMATOP_CLASS_OTHER),
        ]
        for (opcode, expected) in cases {
            #expect(entry(opcode).opclass == UInt8(expected.rawValue), "opcode 0x\(String(opcode, radix: 16))")
        }
        #expect(FlowCounts.classNames.count == Int(RDMATOP_NUM_CLASSES.rawValue))
        #expect(FlowCounts.classNames[Int(RDMATOP_CLASS_ACKNOWLEDGE.rawValue)] == "acknowledge")
        #expect(FlowCounts.classNames[Int(RDMATOP_CLASS_OTHER.rawValue)] == "other")
    }

    /// Round trips (rdmatop.h): which requests the kernel and the engine time, and which
    /// answers end them, by the IBTA's rules of the reliable transports.
    @Test func roundTripRolesComeFromTheTable() {
        let cases: [(UInt8, rdmatop_rtt_role)] = [
            (0x04, RDMATOP_RTT_ASKS_IF_ACKREQ), (0x00, RDMATOP_RTT_ASKS_IF_ACKREQ), (0x0A, RDMATOP_RTT_ASKS_IF_ACKREQ),
            (0x0C, RDMATOP_RTT_ASKS), (0x13, RDMATOP_RTT_ASKS), (0x14, RDMATOP_RTT_ASKS),
            (0x0D, RDMATOP_RTT_ANSWERS), (0x10, RDMATOP_RTT_ANSWERS), (0x11, RDMATOP_RTT_ANSWERS),
            (0x12, RDMATOP_RTT_ANSWERS), (0x0E, RDMATOP_RTT_NONE), (0x0F, RDMATOP_RTT_NONE),
            (0xA4, RDMATOP_RTT_ASKS_IF_ACKREQ), (0xAC, RDMATOP_RTT_ASKS), (0xB1, RDMATOP_RTT_ANSWERS),
            (0x24, RDMATOP_RTT_NONE), (0x64, RDMATOP_RTT_NONE), (0x81, RDMATOP_RTT_NONE), (0xE5, RDMATOP_RTT_NONE),
        ]
        for (opcode, expected) in cases {
            #expect(entry(opcode).rtt == UInt8(expected.rawValue), "opcode 0x\(String(opcode, radix: 16))")
        }
        var send = entry(0x04), read = entry(0x0C), ack = entry(0x11)
        #expect(rdmatop_rtt_asks(&send, 0x80) != 0 && rdmatop_rtt_asks(&send, 0x7F) == 0, "AckReq is bit 7 of BTH byte 8")
        #expect(rdmatop_rtt_asks(&read, 0) != 0)
        #expect(rdmatop_rtt_asks(&ack, 0x80) == 0)
    }

    @Test func theWholeTableFitsTheConfiguration() {
        var config = rdmatop_config()
        KernelOpcodeTable.fill(&config)
        let table = withUnsafeBytes(of: config.opcodes) { Array($0.bindMemory(to: rdmatop_opcode_info.self)) }
        #expect(table.count == 256)
        for info in OpcodeTable.entries {
            let e = table[Int(info.opcode)]
            #expect(Int(e.headers) == info.headersLength)
            #expect(e.opclass < UInt8(RDMATOP_NUM_CLASSES.rawValue))
        }
    }
}
