import RoCE
import Stats
import Testing
@testable import View

/// The `/` filter: what it accepts and which rows it keeps.
@Suite struct ViewFilterTests {
    @Test func numbersAreQPNs() throws {
        #expect(try ViewFilter.parse("0x11").qpns == [0x11])
        #expect(try ViewFilter.parse("17").qpns == [17])
        #expect(try ViewFilter.parse("qpn:0x12").qpns == [0x12])
        #expect(try ViewFilter.parse("0x11 0x12").qpns == [0x11, 0x12])
        #expect(throws: ViewFilter.ParseError.self) { try ViewFilter.parse("0x1000000") }
    }

    @Test func addressesOfEitherFamily() throws {
        #expect(try ViewFilter.parse("10.0.0.2").addresses == [hostB])
        #expect(try ViewFilter.parse("fd00::1").addresses == [IPAddress("fd00::1")!])
        #expect(try ViewFilter.parse("addr:10.0.0.1").addresses == [hostA])
        #expect(throws: ViewFilter.ParseError.self) { try ViewFilter.parse("addr:10.0.0") }
    }

    @Test func opcodesByNameClassOrTaggedNumber() throws {
        #expect(try ViewFilter.parse("RC_RDMA_WRITE_FIRST").opcodes.map(\.selector) == [.opcodes([0x06])])
        #expect(try ViewFilter.parse("write").opcodes.map(\.selector) == [.classes(.write)])
        #expect(try ViewFilter.parse("nak").opcodes.map(\.selector) == [.nak])
        #expect(try ViewFilter.parse("op:0x11").opcodes.map(\.selector) == [.opcodes([0x11])])
        #expect(try ViewFilter.parse("op:0x11").qpns.isEmpty)
        let combined = try ViewFilter.parse("0x11, write  10.0.0.2")
        #expect(combined.qpns == [0x11] && combined.addresses == [hostB] && combined.opcodes.count == 1)
        #expect(combined.text == "0x11 write 10.0.0.2")
        #expect(combined.description == "qpn 0x11, addr 10.0.0.2, opcode write")
    }

    @Test func nonsenseIsAnErrorNamingTheTerm() {
        #expect(throws: ViewFilter.ParseError(term: "bogus", reason: "not a QPN, an address or an opcode")) {
            try ViewFilter.parse("write bogus")
        }
        #expect(throws: ViewFilter.ParseError.self) { try ViewFilter.parse("op:teleport") }
        #expect(throws: ViewFilter.ParseError.self) { try ViewFilter.parse("qpn:x") }
    }

    @Test func emptyTextIsTheEmptyFilter() throws {
        #expect(try ViewFilter.parse("").isEmpty)
        #expect(try ViewFilter.parse("   ").isEmpty)
    }

    /// A WRITE flow A→B QPN 0x12, its ACKs B→A QPN 0x11 (one a NAK), a SEND flow A→C QPN
    /// 0x13 with a CE mark.
    static func engine() -> StatsEngine {
        let e = StatsEngine()
        feed(e, [(packet(0x06, psn: 1, payload: Array(repeating: 1, count: 1024)), 0),
                 (packet(0x08, psn: 2, payload: [1, 2, 3, 4], ackRequest: true), 1),
                 (packet(0x11, from: hostB, to: hostA, qpn: 0x11, psn: 2, syndrome: .nak(.psnSequenceError)), 5),
                 (packet(0x04, to: hostC, qpn: 0x13, psn: 9, payload: [9], ecn: .ce), 7)])
        return e
    }

    @Test func rowsMatchByQPNAddressAndOpcode() throws {
        let flows = Self.engine().flows
        func keep(_ text: String) throws -> Set<UInt32> {
            let f = try ViewFilter.parse(text)
            return Set(flows.filter { f.matches($0) }.map(\.key.qpn))
        }
        #expect(try keep("") == [0x11, 0x12, 0x13])
        #expect(try keep("0x12") == [0x12])
        #expect(try keep("18") == [0x12])
        #expect(try keep("10.0.0.3") == [0x13])
        #expect(try keep("10.0.0.1") == [0x11, 0x12, 0x13], "either end of the flow")
        #expect(try keep("write") == [0x12])
        #expect(try keep("RC_RDMA_WRITE_LAST") == [0x12])
        #expect(try keep("send") == [0x13])
        #expect(try keep("ack") == [0x11])
        #expect(try keep("nak") == [0x11], "a NAK, not every AETH")
        #expect(try keep("ce") == [0x13])
        #expect(try keep("rnr") == [])
        #expect(try keep("write 10.0.0.3") == [], "kinds must all match")
        #expect(try keep("0x12 0x13") == [0x12, 0x13], "terms of one kind are alternatives")
    }

    @Test func theOpcodeTableKeepsTheSelectedOpcodes() throws {
        let f = try ViewFilter.parse("0x12 write")
        #expect(f.matches(opcode: 0x06) && f.matches(opcode: 0x0A))
        #expect(!f.matches(opcode: 0x04) && !f.matches(opcode: 0x11))
        #expect(ViewFilter().matches(opcode: 0x04))
        #expect(f.selectsFlows)
    }

    @Test func theCommandLineFilterStartsTheView() {
        var pf = PacketFilter(qpn: 0x11, address: hostB)
        pf.opcode = PacketFilter.parseOpcode("write")
        pf.opcodeText = "write"
        let f = ViewFilter(pf)
        #expect(f.qpns == [0x11] && f.addresses == [hostB] && f.opcodes.map(\.selector) == [.classes(.write)])
        #expect(ViewFilter(PacketFilter()).isEmpty)
    }
}
