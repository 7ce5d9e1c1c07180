import RoCE
import Stats
import Testing
@testable import View

/// Row order: the sort column, its direction, ties, and a selection that follows its flow.
@Suite struct SortingTests {
    @Test func packetsPerSecondDescendingByDefault() {
        var m = model(demoEngine())
        #expect(m.state.qpSort == SortOrder(.packetRate, descending: true))
        let rates = m.rowFlows.map(\.packetRate.last)
        #expect(rates.count == m.data.flows.count && rates.count >= 10)
        #expect(rates == rates.sorted(by: >))
        #expect(rates.first! > rates.last!, "the demo's flows differ in rate")
        _ = m.screen()
    }

    @Test func everySortableColumnOrdersTheRows() {
        var m = model(demoEngine())
        for column in QPColumn.sortable {
            m.state.qpSort = SortOrder(column, descending: column.descendingByDefault)
            m.rebuildRows()
            let flows = m.rowFlows
            for (a, b) in zip(flows, flows.dropFirst()) {
                switch column {
                case .source:
                    #expect(a.key.source <= b.key.source)
                case .destination:
                    #expect(a.key.destination <= b.key.destination)
                default:
                    let x = column.sortValue(a), y = column.sortValue(b)
                    #expect(column.descendingByDefault ? x >= y : x <= y, "\(column)")
                    if x == y { #expect(a.key < b.key, "ties in key order") }
                }
            }
        }
    }

    @Test func sKeysMoveTheSortColumnAndRReverses() {
        var m = model(demoEngine())
        m.type("s")
        #expect(m.state.qpSort == SortOrder(.byteRate, descending: true))
        m.type(">")
        #expect(m.state.qpSort.column == .messageRate)
        m.type("<<")
        #expect(m.state.qpSort.column == .packetRate)
        m.type("<<<<")
        #expect(m.state.qpSort == SortOrder(.qpn, descending: false), "identifiers sort ascending")
        m.type("<")
        #expect(m.state.qpSort.column == .rtt, "wraps around to the last sortable column")
        m.type(">")
        #expect(m.state.qpSort.column == .qpn)
        let ascending = m.rowKeys.map(\.qpn)
        #expect(ascending == ascending.sorted())
        m.type("r")
        #expect(m.state.qpSort == SortOrder(.qpn, descending: true))
        #expect(m.rowKeys.map(\.qpn) == ascending.sorted(by: >))
    }

    @Test func theSortedColumnIsMarkedInTheHeader() {
        var m = model(demoEngine())
        #expect(m.screen(120, 40)[3].contains("PKT/Sv"))
        m.type("s")
        let header = m.screen(120, 40)[3]
        #expect(header.contains("BYTES/Sv") && !header.contains("PKT/Sv"))
        m.type("r")
        #expect(m.screen(120, 40)[3].contains("BYTES/S^"))
        var u = model(demoEngine(), symbols: .unicode)
        #expect(u.screen(120, 40)[3].contains("PKT/S▼"))
    }

    @Test func theSelectionFollowsItsFlowWhenTheOrderChanges() {
        let engine = StatsEngine()
        engine.tick(at: at(0))
        // QPN 0x12 busier than 0x13 in the first second, quieter in the second.
        feed(engine, (0..<10).map { (packet(0x0A, qpn: 0x12, psn: UInt32($0), payload: [1]), Int64($0)) }
             + (0..<5).map { (packet(0x0A, qpn: 0x13, psn: UInt32($0), payload: [1]), Int64($0)) })
        engine.tick(at: at(1_000_000))
        var m = model(engine)
        #expect(m.rowKeys.map(\.qpn) == [0x12, 0x13])
        m.type("j")
        #expect(m.state.selectedFlow?.qpn == 0x13)
        feed(engine, (0..<50).map { (packet(0x0A, qpn: 0x13, psn: UInt32(5 + $0), payload: [1]), 1_000_000 + Int64($0)) })
        engine.tick(at: at(2_000_000))
        m.refresh(ViewData(engine: engine, status: fileStatus))
        #expect(m.rowKeys.map(\.qpn) == [0x13, 0x12])
        #expect(m.state.selectedFlow?.qpn == 0x13 && m.selectedRow == 0, "the selection moved with its flow")
    }

    @Test func theOpcodeTableSortsToo() {
        var m = model(demoEngine())
        m.press([.tab])
        #expect(m.state.focus == .opcodes)
        let rates = m.opcodeRows.map(\.rate)
        #expect(rates == rates.sorted(by: >))
        m.type("<")
        #expect(m.state.opcodeSort == SortOrder(.name, descending: false))
        m.type("<")
        #expect(m.state.opcodeSort.column == .opcode)
        #expect(m.opcodeRows.map(\.opcode) == m.opcodeRows.map(\.opcode).sorted())
        #expect(m.state.qpSort.column == .packetRate, "the QP table keeps its own order")
    }

    @Test func aThousandFlowsRenderOnlyTheVisibleRows() {
        let engine = StatsEngine()
        engine.tick(at: at(0))
        var batch: [((RoCEPacket, [UInt8]), Int64)] = []
        for q in 0..<1000 {
            for i in 0...(q % 7) { batch.append((packet(0x0A, qpn: UInt32(0x100 + q), psn: UInt32(i), payload: [1]), Int64(q))) }
        }
        feed(engine, batch)
        engine.tick(at: at(1_000_000))
        var m = model(engine)
        #expect(m.rows.count == 1000)
        let lines = m.render(width: 80, height: 24)
        #expect(lines.count == 24)
        #expect(m.rowFlows.first!.packets == 7)
        m.press([.end])
        #expect(m.selectedRow == 999)
        let last = m.screen()
        #expect(last.contains { $0.hasPrefix(Format.qpn(m.state.selectedFlow!.qpn)) }, "scrolled to the selection")
    }
}
