import RoCE
import Attribution
import Report
import Stats
import Testing
@testable import View

/// The screen at 80x24 and other sizes: every line fits, header and footer stay.
@Suite struct LayoutTests {
    @Test(arguments: [(80, 24), (120, 40), (200, 60), (40, 8), (81, 13), (100, 15)])
    func everyLineFitsAndHeaderAndFooterStay(size: (Int, Int)) {
        let (w, h) = size
        var m = model(demoEngine())
        for keys in ["", "\t", "\t\n", "?", "/write", "d"] {
            var v = m
            v.type(keys)
            let lines = v.render(width: w, height: h)
            #expect(lines.count == h, "\(w)x\(h) \(keys)")
            #expect(lines.allSatisfy { $0.width <= w }, "\(w)x\(h) \(keys)")
            #expect(lines[0].text.hasPrefix("rdmatop file test.pcap | 1.5s replayed"), "\(w)x\(h) \(keys)")
            let footer = lines[h - 1].text
            #expect(footer.hasPrefix(v.state.prompt != nil ? "Enter Apply" : "q "), "\(w)x\(h) \(keys): \(footer)")
        }
        _ = m.screen(w, h)
    }

    @Test func at80x24TheEssentialColumnsFit() {
        var m = model(demoEngine())
        let layout = m.qpLayout(width: 80)
        #expect(layout.totalWidth <= 80)
        for column: QPColumn in [.qpn, .source, .destination, .packetRate, .byteRate, .lost, .retransmissions, .naks] {
            #expect(layout.contains(column), "\(column)")
        }
        let screen = m.screen()
        #expect(screen[1].hasPrefix("packets "))
        #expect(screen[2].hasPrefix("QPs "))
        #expect(screen[3].hasPrefix("QPN      SOURCE   DESTINATION"))
        #expect(screen[3].contains("PKT/Sv"))
        #expect(screen[4].hasPrefix(Format.qpn(m.rowKeys[0].qpn)))
        #expect(screen.contains { $0.hasPrefix(" OPCODE NAME") }, "both tables at 80x24")
        #expect(screen[23].contains("q Quit") && screen[23].contains("? Help"))
        #expect(screen.allSatisfy { $0.count <= 80 })
    }

    @Test func wideTerminalsShowEveryColumn() {
        let m = model(demoEngine())
        let layout = m.qpLayout(width: 200)
        // A capture file has no owners: every column but PROCESS.
        #expect(layout.columns == QPColumn.allCases.filter { $0 != .process })
        #expect(layout.totalWidth == 200, "the opcodes column takes the rest")
    }

    /// With owners (a live feed where RDMA netlink tells), PROCESS shows `comm/pid` when it
    /// fits, and the detail view names the owner.
    @Test func ownersAddTheProcessColumnAndTheDetail() {
        var m = model(demoEngine())
        var data = m.data
        let key = data.flows[0].key
        data.owners = [key: QPOwner(kind: .process, pid: 4242, comm: "ib_write_bw", type: 2, state: 3,
                                    device: "rxeB", port: 1)]
        m.refresh(data)
        #expect(m.qpLayout(width: 200).columns == QPColumn.allCases)
        let screen = m.screen(200, 40)
        #expect(screen.contains { $0.contains("PROCESS") })
        #expect(screen.contains { $0.contains("ib_write_bw/4242") })
        #expect(m.qpLayout(width: 80).columns.contains(.process) == false || m.qpLayout(width: 80).totalWidth <= 80)
        m.state.selectedFlow = key
        let detail = m.detailLines(width: 120).map(\.text).joined(separator: "\n")
        #expect(detail.contains("pid 4242") && detail.contains("comm ib_write_bw") && detail.contains("type RC")
                && detail.contains("state RTS") && detail.contains("device rxeB port 1"), "\(detail)")
    }

    @Test func columnsGoByPriority() {
        let candidates = [TableLayout.Candidate("a", width: 10, priority: 0), .init("b", width: 10, priority: 2),
                          .init("c", width: 10, priority: 1), .init("d", width: 5, priority: 3, flexible: true)]
        let narrow = TableLayout(candidates, width: 21)
        #expect(narrow.columns == ["a", "c"])
        let mid = TableLayout(candidates, width: 30)
        #expect(mid.columns == ["a", "c", "d"] && mid.widths["d"] == 8)
        let tiny = TableLayout(candidates, width: 6)
        #expect(tiny.columns == ["a"] && tiny.widths["a"] == 6)
    }

    @Test func aTerminalTooSmallGetsAMessage() {
        var m = model(demoEngine())
        let lines = m.screen(30, 6)
        #expect(lines.count == 6)
        #expect(lines[0].hasPrefix("terminal too small (30x6)"))
        #expect(lines.allSatisfy { $0.count <= 30 })
        #expect(m.screen(5, 2).count == 2)
        #expect(m.screen(0, 0).isEmpty)
    }

    @Test func shortTerminalsShowOneTable() {
        var m = model(demoEngine())
        let lines = m.screen(80, 12)
        #expect(!lines.contains { $0.contains(" OPCODE NAME") })
        m.press([.tab])
        #expect(m.screen(80, 12).contains { $0.hasPrefix(" OPCODE NAME") })
    }

    @Test func theHeaderSaysWhatTheSourceIsDoing() {
        let engine = demoEngine()
        var status = FeedStatus(kind: .file, name: "/captures/some/long/directory/name/that/goes/on/rping.pcap",
                                mode: "file", elapsedSeconds: 3.2, ended: true, notes: ["speed max", "1 clock jump skipped"])
        var m = model(engine, status: status)
        m.type("p")
        var first = m.screen(80, 24)[0]
        #expect(first.contains("rping.pcap") && !first.contains("/captures"), "a long path shows its file name: \(first)")
        #expect(first.contains("PAUSED") && first.contains("end of file"))
        #expect(m.screen(200, 24)[0].contains("/captures/some/long"))
        status = FeedStatus(kind: .interface, name: "veth0", mode: "xdp+tc", lostEvents: 3,
                            exactTotals: ExactTotals(packets: 1_000_000, bytes: 5, rocePackets: 7, roceBytes: 8),
                            elapsedSeconds: 75)
        m = model(engine, status: status)
        let lines = m.screen(120, 30)
        first = lines[0]
        #expect(first.hasPrefix("rdmatop interface veth0 (xdp+tc) | 1:15 up"))
        #expect(lines[1].contains("packets 1.00M") && lines[1].contains("RoCE 7") && lines[1].contains("lost events 3 (--sample N)"))
        // No hint without a loss, nor when the events are already sampled.
        var whole = status
        whole.lostEvents = 0
        var quiet = model(engine, status: whole)
        #expect(!quiet.screen(120, 30)[1].contains("--sample"))
        var sampled = model(StatsEngine.demo(messagesPerConnection: 40, sampled: true), status: status)
        #expect(sampled.screen(120, 30)[1].contains("lost events 3") && !sampled.screen(120, 30)[1].contains("(--sample"))

        // The tool's own cost: rdmatop's CPU, and live the probe's time per packet.
        status.cost = ToolCost(cpuNanoseconds: 1, cpuPercent: 41.6, probeNanosecondsPerPacket: 239.6)
        m = model(engine, status: status)
        #expect(m.screen(120, 30)[0].hasPrefix("rdmatop interface veth0 (xdp+tc) | 1:15 up | CPU  42% probe   240 ns/pkt"))
        status.cost = ToolCost(cpuNanoseconds: 1)
        m = model(engine, status: status)
        #expect(m.screen(120, 30)[0].hasSuffix("| CPU    - probe     - ns/pkt"))
        var file = FeedStatus(kind: .file, name: "f.pcap", mode: "file", elapsedSeconds: 1)
        file.cost = ToolCost(cpuNanoseconds: 1, cpuPercent: 99.5)
        m = model(engine, status: file)
        #expect(m.screen(120, 30)[0].hasSuffix("replayed | CPU 100%"))
        // The header keeps its layout whatever the figures: a path shortened at one CPU
        // figure is shortened at every other.
        var long = FeedStatus(kind: .file, name: "/captures/some/long/directory/name/that/goes/on/rping.pcap", mode: "file",
                              elapsedSeconds: 1)
        var widths: Set<Int> = []
        for percent in [0.4, 9.6, 42, 100, 180, 5000] {
            long.cost = ToolCost(cpuNanoseconds: 1, cpuPercent: percent)
            m = model(engine, status: long)
            widths.insert(m.screen(80, 30)[0].count)
        }
        #expect(widths.count == 1, "\(widths)")
    }

    @Test func monochromeUsesOnlyBoldAndReverse() {
        for style in Style.allCases {
            let mono = Palette.look(style).monoAttributes
            #expect(mono & ~3 == 0, "\(style): bold (1) and reverse (2) only")
        }
        #expect(Palette.look(.selected).monoAttributes == 2)
        #expect(Palette.look(.columnHeader).monoAttributes == 2)
    }
}

/// The opcodes column with sampled events: the kinds of opcode the kernel counts exactly
/// stand in for the opcodes, which are not measured.
@Suite struct SampledOpcodesColumnTests {
    @Test func kindsOfOpcodeStandIn() {
        var configuration = EngineConfiguration()
        configuration.sampling = .always(perSecond: 10)
        let sampled = StatsEngine(configuration: configuration), every = StatsEngine()
        for engine in [sampled, every] {
            feed(engine, [(packet(0x0A, psn: 1, payload: [1, 2, 3, 4]), 0), (packet(0x0A, psn: 2), 10),
                          (packet(0x0A, psn: 3), 20), (packet(0x04, psn: 4), 30)])
        }
        let key = FlowKey(source: hostA, destination: hostB, qpn: 0x12)
        #expect(QPColumn.opcodes.cell(sampled.flow(key)!) == "write 75%, send 25%")
        #expect(QPColumn.opcodes.cell(every.flow(key)!) == "RDMA_WRITE_ONLY 75%, SEND_ONLY 25%")
    }
}

/// Cells counted from events of which the ring buffer lost some of the flow's are dim: the
/// PSN analysis, messages, round trips and opcodes miss packets there (a lost event looks
/// like a missing PSN), while the kernel's own counts are whole.
@Suite struct LostEventsCellTests {
    @Test func whatTheEventsCountedIsDimWhereTheFlowLostSome() {
        let engine = StatsEngine()
        feed(engine, [(packet(0x04, psn: 1), 0), (packet(0x04, psn: 3), 10)])  // PSN 2 never came
        let key = FlowKey(source: hostA, destination: hostB, qpn: 0x12)
        let seen = engine.flow(key)!
        #expect(seen.lostEvents == 0)
        #expect(!QPColumn.missing.shortOfEvents(seen))
        // The kernel counted 4 packets of the flow, 2 of which never became events.
        var kernel = seen
        kernel.counts.add(seen.counts)
        var flows = [seen]
        flows.takeExactCounts(from: [kernel])
        let short = flows[0]
        #expect(short.lostEvents == 2)
        #expect(QPColumn.missing.shortOfEvents(short) && QPColumn.retransmissions.shortOfEvents(short))
        #expect(QPColumn.opcodes.shortOfEvents(short) && QPColumn.rtt.shortOfEvents(short))
        #expect(!QPColumn.packets.shortOfEvents(short) && !QPColumn.naks.shortOfEvents(short), "the kernel's counts")

        var m = ViewModel(status: fileStatus, symbols: .ascii)
        m.refresh(ViewData(engine: engine, status: fileStatus, exactFlows: [kernel]))
        let table = m.qpTable(width: 200, height: 5, focused: false)
        let layout = m.qpLayout(width: 200)
        // The style of the row at each column's first character (columns are one space apart).
        func style(at offset: Int, in line: StyledLine) -> Style? {
            var at = 0
            for segment in line.segments {
                if offset < at + segment.text.count { return segment.style }
                at += segment.text.count
            }
            return nil
        }
        var offset = 0
        for column in layout.columns {
            if column == .missing { #expect(style(at: offset, in: table[1]) == .dim, "MISS") }
            if column == .packets { #expect(style(at: offset, in: table[1]) == .normal, "PACKETS") }
            offset += (layout.widths[column] ?? 0) + 1
        }
        #expect(layout.columns.contains(.missing) && layout.columns.contains(.packets))
    }
}

/// Sampled under backlog (`--sample auto`): the header counts the QPs the kernel sampled, and
/// a sampled QP's detail says what is not measured, naming the round trips as what the kernel
/// still gives (its PSN window runs only with `--sample N`); a QP not sampled keeps its opcodes.
@Suite struct SampledUnderBacklogViewTests {
    @Test func theHeaderCountsTheQPsSampledAndTheDetailSaysWhatStandsIn() {
        var configuration = EngineConfiguration()
        configuration.sampling = .underBacklog
        let engine = StatsEngine(configuration: configuration)
        feed(engine, [(packet(0x04, psn: 1), 0), (packet(0x04, psn: 2), 10),
                      (packet(0x04, qpn: 0x13, psn: 1), 20), (packet(0x04, qpn: 0x13, psn: 2), 30)])
        var kernel = engine.flows.map { $0 }
        let i = kernel.firstIndex { $0.key.qpn == 0x13 }!
        kernel[i].counts.add(kernel[i].counts)  // 4 packets, 2 of them left out
        kernel[i].unsampledPackets = 2
        kernel[i].sampled = true
        var m = ViewModel(status: fileStatus, symbols: .ascii)
        m.refresh(ViewData(engine: engine, status: fileStatus, exactFlows: kernel))
        #expect(m.data.sampledQPs == 1)
        #expect(m.screen(160, 30)[1].contains("sampled under load 1 QPs"), "\(m.screen(160, 30)[1])")
        m.type("/0x13\n")
        m.press([.enter])
        let sampled = m.detailLines(width: 200).map(\.text).joined(separator: "\n")
        #expect(sampled.contains("events sampled") && sampled.contains("the round trips, which the kernel times"), "\(sampled)")
        #expect(!sampled.contains("distinct, RETX") && sampled.contains("unsampled 2"), "\(sampled)")
        m.press([.escape])
        m.type("/0x12\n")
        m.press([.enter])
        let whole = m.detailLines(width: 200).map(\.text).joined(separator: "\n")
        #expect(!whole.contains("events sampled") && whole.contains("SEND_ONLY 2"), "\(whole)")
    }
}
