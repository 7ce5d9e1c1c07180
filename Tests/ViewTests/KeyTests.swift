import RoCE
import Stats
import Testing
@testable import View

/// Key sequences and the state they leave.
@Suite struct KeyTests {
    @Test func selectionMovesAndStopsAtTheEnds() {
        var m = model(demoEngine())
        let n = m.rows.count
        #expect(m.selectedRow == 0 && m.state.selectedFlow == m.rowKeys[0])
        m.type("jj")
        #expect(m.selectedRow == 2)
        m.press([.up])
        #expect(m.selectedRow == 1 && m.state.selectedFlow == m.rowKeys[1])
        m.press([.down, .down, .down, .down])
        m.type("k")
        #expect(m.selectedRow == 4)
        m.press([.end])
        #expect(m.selectedRow == n - 1)
        m.press([.down])
        #expect(m.selectedRow == n - 1)
        m.type("g")
        #expect(m.selectedRow == 0)
        m.pageSize = 5
        m.press([.pageDown])
        #expect(m.selectedRow == 5)
        m.press([.pageUp, .pageUp])
        #expect(m.selectedRow == 0)
    }

    @Test func slashFiltersAndCClears() {
        var m = model(demoEngine())
        let all = m.rows.count
        let qpn = m.rowKeys[3].qpn
        m.type("/")
        #expect(m.state.prompt == .filter && m.state.promptText.isEmpty)
        m.type("0x" + String(qpn, radix: 16))
        #expect(m.state.promptText == "0x" + String(qpn, radix: 16))
        #expect(m.rows.count == all, "nothing applies before Enter")
        m.press([.enter])
        #expect(m.state.prompt == nil)
        #expect(m.state.filter.qpns == [qpn])
        #expect(!m.rows.isEmpty && m.rowKeys.allSatisfy { $0.qpn == qpn })
        #expect(m.state.selectedFlow?.qpn == qpn)
        m.type("c")
        #expect(m.state.filter.isEmpty && m.rows.count == all)
        #expect(m.state.message == StatusMessage("filter cleared"))
    }

    @Test func opcodeFilterByClass() {
        var m = model(demoEngine())
        m.type("/write\n")
        #expect(m.state.filter.opcodes.map(\.selector) == [.classes(.write)])
        #expect(!m.rows.isEmpty)
        for f in m.rowFlows {
            #expect(f.opcodes.sorted.contains { OpcodeTable[$0.opcode].classes.contains(.write) })
        }
        #expect(m.opcodeRows.allSatisfy { OpcodeTable[$0.opcode].classes.contains(.write) })
    }

    @Test func aBadFilterKeepsThePromptAndSaysWhy() {
        var m = model(demoEngine())
        m.type("/0x11\n")
        m.type("/bogus\n")
        #expect(m.state.prompt == .filter)
        #expect(m.state.message?.isError == true)
        #expect(m.state.message?.text.contains("bogus") == true)
        #expect(m.state.filter.qpns == [0x11], "the filter in force stays")
        let footer = m.screen().suffix(2).joined()
        #expect(footer.contains("not a QPN, an address or an opcode"))
        m.press([.backspace, .backspace, .backspace, .backspace, .backspace])
        #expect(m.state.promptText.isEmpty)
        m.press([.escape])
        #expect(m.state.prompt == nil && m.state.message == nil)
        #expect(m.state.filter.qpns == [0x11])
        m.type("/\n")
        #expect(m.state.filter.isEmpty, "an empty filter shows everything")
    }

    @Test func pauseAndDelay() {
        var m = model(demoEngine())
        #expect(m.type("p") == [.pause(true)])
        #expect(m.state.paused)
        #expect(m.type(" ") == [.pause(false)])
        #expect(!m.state.paused)
        let effects = m.type("d0.5\n")
        #expect(effects.last == .delay(0.5))
        #expect(m.state.delay == 0.5 && m.state.prompt == nil)
        m.type("d0\n")
        #expect(m.state.prompt == .delay && m.state.message?.isError == true && m.state.delay == 0.5)
        m.press([.escape])
        m.type("dabc\n")
        #expect(m.state.delay == 0.5 && m.state.message?.isError == true)
    }

    @Test func detailAndBack() {
        var m = model(demoEngine())
        m.type("j")
        let key = m.state.selectedFlow
        m.press([.enter])
        #expect(m.state.mode == .detail)
        m.type("jj")
        #expect(m.state.detailScroll == 2)
        #expect(m.type("q") == [ViewEffect.none], "q in the detail view goes back, it does not quit")
        #expect(m.state.mode == .tables && m.state.selectedFlow == key)
        m.press([.enter, .escape])
        #expect(m.state.mode == .tables)
        m.press([.enter])
        m.press([.enter])
        #expect(m.state.mode == .tables)
    }

    @Test func helpAndBackToWhereItCameFrom() {
        var m = model(demoEngine())
        m.type("?")
        #expect(m.state.mode == .help)
        m.type("x")
        #expect(m.state.mode == .help, "other keys keep the help")
        m.press([.escape])
        #expect(m.state.mode == .tables)
        m.press([.enter])
        m.type("?")
        m.type("q")
        #expect(m.state.mode == .detail)
    }

    @Test func tabSwitchesTablesAndEnterOnAnOpcodeFiltersQPs() {
        var m = model(demoEngine())
        m.press([.tab])
        #expect(m.state.focus == .opcodes)
        m.type("j")
        let op = m.state.selectedOpcode!
        #expect(op == m.opcodeRows[1].opcode)
        m.press([.enter])
        #expect(m.state.focus == .qps)
        #expect(m.state.filter.opcodes.map(\.selector) == [.opcodes([op])])
        #expect(!m.rows.isEmpty && m.rowFlows.allSatisfy { $0.opcodes[op] > 0 })
        m.press([.backTab])
        #expect(m.state.focus == .opcodes)
    }

    @Test func qQuitsFromTheTables() {
        var m = model(demoEngine())
        #expect(m.type("q") == [.quit])
        #expect(m.state.quitting)
    }

    @Test func resizeChangesNothing() {
        var m = model(demoEngine())
        let before = m.state
        #expect(m.handle(.resize) == .none)
        #expect(m.state == before)
    }

    @Test func keysOnAnEmptyTableAreHarmless() {
        var m = ViewModel(status: fileStatus)
        m.press([.down, .up, .end, .enter, .tab, .down, .enter])
        #expect(m.state.mode == .tables && m.state.selectedFlow == nil)
        #expect(m.screen().joined().contains("no RoCEv2 traffic yet"))
    }
}
