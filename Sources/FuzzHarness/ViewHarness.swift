import Attribution
import RoCE
import Stats
import TestSupport
import View

/// The view model without a terminal: keys (including typed filters and delays), refreshes
/// and renders at any size, over counters of rocegen's demo mix or none, with or without
/// the QPs' owners (the PROCESS column and the detail's owner), counted from every packet or
/// as if the events were sampled (`--sample`).
///
/// Input: a byte of status, glyphs, owners and sampling, width and height, then one byte per event: a
/// printable character, a special key (0x80-0x8F), a non-ASCII character (0x90-0x9F), a
/// refresh with new counters (0xA0-0xAF), a render of the screen (0xEF), a resize (0xF0-0xFF,
/// two bytes follow), else a Latin-1 character. The screen is rendered first, at the first
/// `maxRenders` 0xEF and last. A render is most of an input's cost (a screen of up to
/// 1020×255 from every flow), so the fuzzer asks for one where it finds something new there,
/// rather than after every key; the cap keeps it from piling up renders for the hit counts
/// of the same edges (a campaign's rate fell from 895 to 160 inputs a second as it did).
enum ViewHarness {
    static let specialKeys: [Key] = [.up, .down, .left, .right, .pageUp, .pageDown, .home, .end, .enter, .escape,
                                     .tab, .backTab, .backspace, .delete, .resize, .other]
    static let wideCharacters: [Character] = ["é", "ß", "▼", "…", "🙂", "\u{301}", "中", "\u{200B}",
                                              "\u{0}", "\u{7F}", "\u{1B}", "\n", "\t", "👩‍👩‍👧", "Ａ", "\u{FEFF}"]

    /// Counters of rocegen's demo mix (loss, ECN, every workload), built once.
    // Built once, read only afterwards (a harness runs on one thread).
    nonisolated(unsafe) static let demoEngine = StatsEngine.demo(messagesPerConnection: 12)
    /// The same, counted as if the events were sampled.
    nonisolated(unsafe) static let sampledDemoEngine = StatsEngine.demo(messagesPerConnection: 12, sampled: true)

    /// Owners of every kind for the demo flows, with awkward names: long, wide, empty, control
    /// characters, no pid, a destroyed QP, types and states outside the kernel's enums.
    static let demoOwners: [FlowKey: QPOwner] = {
        var destroyed = QPOwner(kind: .process, pid: 1, comm: "ib_write_bw", type: 2, state: 6, device: "rxe0", port: 1)
        destroyed.destroyed = true
        let variants = [
            QPOwner(kind: .process, pid: 4_294_967_295, comm: String(repeating: "very-long-comm", count: 8), type: 2,
                    state: 3, device: "rxe0", port: 1),
            QPOwner(kind: .kernel, comm: "rdma_cm", type: 1, state: 3, device: "rxe0", port: 1),
            QPOwner(kind: .remote), QPOwner(kind: .unknown), destroyed,
            QPOwner(kind: .process, comm: "中文🙂\u{1B}[2J\t", type: 255, state: 200, device: "", port: 0),
            QPOwner(kind: .process, pid: 7),
        ]
        var owners: [FlowKey: QPOwner] = [:]
        for (i, flow) in demoEngine.flows.enumerated() where i % (variants.count + 1) != 0 {
            owners[flow.key] = variants[i % variants.count]
        }
        return owners
    }()

    static let statuses: [FeedStatus] = [
        FeedStatus(kind: .file, name: "fuzz.pcap", mode: "file", elapsedSeconds: 1.5, notes: ["speed 1x"]),
        FeedStatus(kind: .interface, name: "enp8s0", mode: "xdp+tc", lostEvents: 12,
                   exactTotals: ExactTotals(packets: 1 << 40, bytes: 1 << 50, rocePackets: 7, roceBytes: 9),
                   elapsedSeconds: 1e9),
        FeedStatus(kind: .file, name: String(repeating: "very-long-name/", count: 20), mode: "file",
                   elapsedSeconds: -1, ended: true, notes: ["stopped: truncated record at byte 1234", "3 clock jumps skipped"]),
    ]

    /// The most renders an input asks for.
    static let maxRenders = 4

    static func run(_ bytes: UnsafeRawBufferPointer) {
        var input = FuzzInput(bytes)
        let options = input.byte()
        var status = statuses[Int(options & 3) % statuses.count]
        var width = Int(input.byte()), height = Int(input.byte())
        var model = ViewModel(status: status, symbols: options & 4 == 0 ? .ascii : .unicode)
        let owned = options & 0x10 != 0, sampled = options & 0x20 != 0
        func data(demo: Bool) -> ViewData {
            var data = ViewData(engine: demo ? (sampled ? sampledDemoEngine : demoEngine) : StatsEngine(), status: status)
            if owned { data.owners = demo ? demoOwners : [:] }
            return data
        }
        model.refresh(data(demo: options & 8 == 0))
        func render() {
            let lines = model.render(width: width, height: height)
            fuzzCheck(lines.count <= max(height, 0), "\(lines.count) lines rendered for a height of \(height)")
        }
        render()
        var renders = 0
        while !input.isEmpty {
            let b = input.byte()
            switch b {
            case 0x80...0x8F: _ = model.handle(specialKeys[Int(b - 0x80)])
            case 0x90...0x9F: _ = model.handle(.character(wideCharacters[Int(b - 0x90)]))
            case 0xA0...0xAF:
                status = statuses[Int(b & 3) % statuses.count]
                if b & 4 != 0 {
                    model.updateStatus(status)
                } else {
                    model.refresh(data(demo: b & 8 == 0))
                }
            case 0xF0...0xFF:
                width = Int(input.byte()) * (b & 1 == 0 ? 1 : 4)
                height = Int(input.byte())
                _ = model.handle(.resize)
            case 0xEF:
                if renders < maxRenders { render() }
                renders += 1
            default:
                _ = model.handle(.character(Character(Unicode.Scalar(b))))
            }
        }
        render()
    }
}
