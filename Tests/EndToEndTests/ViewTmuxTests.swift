import Foundation
import Testing

/// rdmatop's interactive view in a real terminal: tmux, on a server of its own per test,
/// driven with send-keys and read with capture-pane.
final class TmuxView {
    nonisolated(unsafe) static var counter = 0
    let tmux: String
    let socket: String
    let session = "view"
    /// The server's socket file, removed with the server.
    private var socketPath = ""

    /// Starts `arguments` (rdmatop's) in a detached session of `width` x `height`. The pane's
    /// shell prints `EXIT=<status>` when rdmatop ends and `TTY=restored` when the terminal's
    /// settings are what they were before it started, then waits to be read.
    init(_ arguments: [String], width: Int = 120, height: Int = 40, environment: String = "",
         prefix: [String] = []) throws {
        tmux = try tool("tmux")
        TmuxView.counter += 1
        socket = "rdmatop-view-\(getpid())-\(TmuxView.counter)"
        let command = (prefix + [Paths.rdmatop] + arguments).map(TmuxView.quote).joined(separator: " ")
        let script = "s=$(stty -g); env -u NO_COLOR LANG=C.UTF-8 \(environment) \(command); echo EXIT=$?; "
            + "[ \"$(stty -g)\" = \"$s\" ] && echo TTY=restored; sleep 120"
        // The server must not inherit the test runner's blocked signals (Process spawns with
        // them: kill-server and the panes' SIGHUP would go unheard), nor the descriptor
        // Process watches to see its child end (the server would hold it open for good).
        // perl, essential on Debian, clears the mask and closes the descriptors.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/perl")
        p.arguments = ["-MPOSIX", "-e",
                       "sigprocmask(SIG_SETMASK, POSIX::SigSet->new) or die; POSIX::close($_) for 3..1023; exec @ARGV or die",
                       tmux, "-L", socket, "-f", "/dev/null", "new-session", "-d", "-s", session,
                       "-x", String(width), "-y", String(height), "/bin/sh", "-c", script]
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw LabError(message: "tmux new-session failed") }
        socketPath = try run(tmux, ["-L", socket, "display-message", "-p", "#{socket_path}"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    deinit { stop() }

    /// Ends the server, its panes and what runs in them.
    func stop() {
        _ = try? run(tmux, ["-L", socket, "kill-server"])
        if !socketPath.isEmpty { unlink(socketPath) }
    }

    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// Sends tmux key names ("Enter", "Escape", "Up", "q").
    func keys(_ names: String...) throws {
        _ = try run(tmux, ["-L", socket, "send-keys", "-t", session] + names)
    }

    /// Types `text` literally.
    func type(_ text: String) throws {
        _ = try run(tmux, ["-L", socket, "send-keys", "-t", session, "-l", text])
    }

    /// The pane's text, one string per row (`escapes`: with SGR attribute sequences).
    func screen(escapes: Bool = false) throws -> [String] {
        let r = try run(tmux, ["-L", socket, "capture-pane", "-p", "-t", session] + (escapes ? ["-e"] : []))
        return r.stdout.components(separatedBy: "\n").dropLast().map { $0 }
    }

    func resize(_ width: Int, _ height: Int) throws {
        let r = try run(tmux, ["-L", socket, "resize-window", "-t", session, "-x", String(width), "-y", String(height)])
        #expect(r.status == 0, "resize-window: \(r.stderr)")
    }

    /// Polls the screen until `condition` holds or `timeout` seconds pass; returns the last
    /// screen and records an issue on a timeout.
    @discardableResult
    func wait(for what: String, timeout: Double = 15, sourceLocation: SourceLocation = #_sourceLocation,
              _ condition: ([String]) -> Bool) throws -> [String] {
        let end = Date().addingTimeInterval(timeout)
        var last: [String] = []
        repeat {
            last = try screen()
            if condition(last) { return last }
            usleep(50_000)
        } while Date() < end
        Issue.record("timed out waiting for \(what); the screen:\n\(last.joined(separator: "\n"))",
                     sourceLocation: sourceLocation)
        return last
    }

    /// Waits until the screen contains `text`.
    @discardableResult
    func wait(forText text: String, timeout: Double = 15, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String] {
        try wait(for: "'\(text)'", timeout: timeout, sourceLocation: sourceLocation) { $0.contains { $0.contains(text) } }
    }

    /// The pid of rdmatop in the pane: the child of the pane's shell, found in /proc.
    func rdmatopPID() throws -> Int32? {
        let shell = try run(tmux, ["-L", socket, "display-message", "-p", "-t", session, "#{pane_pid}"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        for entry in try FileManager.default.contentsOfDirectory(atPath: "/proc") {
            guard let pid = Int32(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            // pid (comm) state ppid ...
            let comm = stat[stat.index(after: stat.firstIndex(of: "(")!)..<close]
            let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            if comm == "rdmatop", fields.count > 1, fields[1] == shell { return pid }
        }
        return nil
    }
}

/// Table rows of the QP table: lines that start with a QPN.
func qpRows(_ screen: [String]) -> [String] {
    screen.filter { $0.hasPrefix("0x") }
}

@Suite(.serialized, .timeLimit(.minutes(2))) struct ViewTmuxTests {
    static var rping: String { Paths.captures.appendingPathComponent("rping.pcap").path }

    /// rping.pcap replayed as fast as possible, its four QP rows on screen.
    func rpingView(width: Int = 120, height: Int = 40, extra: [String] = [], environment: String = "") throws -> TmuxView {
        let view = try TmuxView(["--read", Self.rping, "--speed", "max"] + extra, width: width, height: height,
                                environment: environment)
        try view.wait(for: "the end of rping.pcap") { s in s.contains { $0.contains("end of file") } && qpRows(s).count >= 1 }
        return view
    }

    @Test func filterByQPN() throws {
        let view = try rpingView()
        defer { view.stop() }
        let before = try view.wait(for: "four QP rows") { qpRows($0).count == 4 }
        #expect(qpRows(before).contains { $0.hasPrefix("0x000001") })
        try view.keys("/")
        try view.wait(forText: "Filter")
        try view.type("0x11")
        try view.keys("Enter")
        let after = try view.wait(forText: "QPs 2 of 4")
        let rows = qpRows(after)
        #expect(rows.count == 2)
        #expect(rows.allSatisfy { $0.hasPrefix("0x000011") }, "\(rows)")
        #expect(after.contains { $0.contains("filter qpn 0x11") })
    }

    @Test func theCommandLineFiltersStartTheView() throws {
        let view = try TmuxView(["--read", Self.rping, "--speed", "max", "--qpn", "1", "--addr", "10.0.0.2"])
        defer { view.stop() }
        let s = try view.wait(forText: "QPs 2 of 4")
        #expect(qpRows(s).allSatisfy { $0.hasPrefix("0x000001") } && qpRows(s).count == 2, "\(qpRows(s))")
        #expect(s.contains { $0.contains("filter qpn 0x1, addr 10.0.0.2") })
        try view.keys("c")
        try view.wait(for: "every row") { qpRows($0).count == 4 }
    }

    @Test func filterByOpcodeAndClear() throws {
        let view = try rpingView()
        defer { view.stop() }
        try view.keys("/")
        try view.type("write")
        try view.keys("Enter")
        let after = try view.wait(forText: "QPs 1 of 4")
        #expect(qpRows(after).count == 1)
        #expect(qpRows(after).first?.hasPrefix("0x000011 10.0.0.2 10.0.0.1") == true, "\(qpRows(after))")
        let opcodes = after.filter { $0.hasPrefix("   0x") }
        #expect(opcodes.count == 1 && opcodes[0].contains("RC_RDMA_WRITE_ONLY"), "\(opcodes)")
        try view.keys("c")
        // The whole cleared screen: on a loaded machine tmux can capture a redraw half done
        // (the header's "filter none" over the old rows).
        let cleared = try view.wait(for: "the cleared view") { s in
            s.contains { $0.contains("filter none") } && s.contains { $0.contains("filter cleared") }
        }
        #expect(qpRows(cleared).count == 4)
    }

    @Test func aBadFilterIsAnErrorInTheFooter() throws {
        let view = try rpingView()
        defer { view.stop() }
        try view.keys("/")
        try view.type("bogus")
        try view.keys("Enter")
        let s = try view.wait(forText: "not a QPN, an address or an opcode")
        #expect(s.suffix(2).joined().contains("bogus"), "in the footer")
        #expect(qpRows(s).count == 4, "the rows stay")
        try view.keys("Escape")
        try view.wait(for: "the prompt to close") { !$0.contains { $0.hasPrefix("Filter") } }
    }

    @Test func sortColumnAndOrder() throws {
        let view = try rpingView()
        defer { view.stop() }
        func header(_ s: [String]) -> String { s.first { $0.hasPrefix("QPN") && $0.contains("SOURCE") } ?? "" }
        var s = try view.wait(forText: "PKT/S▼")
        #expect(header(s).contains("PKT/S▼"))
        // Busiest first: the RC QPs (60 packets each) above the UD ones.
        #expect(qpRows(s).prefix(2).allSatisfy { $0.hasPrefix("0x000011") }, "\(qpRows(s))")
        try view.keys("s")
        s = try view.wait(for: "BYTES/S sorted") { header($0).contains("BYTES/S▼") }
        #expect(!header(s).contains("PKT/S▼"), "one sorted column")
        try view.keys(">")
        try view.wait(for: "MSG/S sorted") { header($0).contains("MSG/S▼") }
        for _ in 0..<6 { try view.keys("<") }
        s = try view.wait(for: "QPN sorted") { header($0).contains("QPN▲") }
        var qpns = qpRows(s).map { String($0.prefix(8)) }
        #expect(qpns == ["0x000001", "0x000001", "0x000011", "0x000011"], "ascending QPNs")
        try view.keys("r")
        // (tmux may show the screen between two of ncurses' updates: wait for the rows too)
        let reversed = ["0x000011", "0x000011", "0x000001", "0x000001"]
        s = try view.wait(for: "QPN reversed") { header($0).contains("QPN▼") && qpRows($0).map { String($0.prefix(8)) } == reversed }
        qpns = qpRows(s).map { String($0.prefix(8)) }
        #expect(qpns == ["0x000011", "0x000011", "0x000001", "0x000001"], "reversed")
    }

    @Test func detailViewShowsThePayloadPreview() throws {
        let view = try rpingView()
        defer { view.stop() }
        try view.keys("/")
        try view.type("write")
        try view.keys("Enter")
        try view.wait(forText: "QPs 1 of 4")
        try view.keys("Enter")
        let s = try view.wait(forText: "rdma-ping-")
        #expect(s.contains { $0.hasPrefix("QP 0x000011  10.0.0.2 > 10.0.0.1  RC") })
        #expect(s.contains { $0.contains("RDMA_WRITE_ONLY") && $0.contains("64 bytes") })
        // xxd style: offset, hex, ASCII.
        #expect(s.contains { $0.hasPrefix("  0000  72 64 6d 61 2d 70 69 6e  67 2d") && $0.contains("  rdma-ping-") })
        #expect(s.contains { $0.hasPrefix("PSNs") } && s.contains { $0.hasPrefix("responses") })
        try view.keys("Escape")
        try view.wait(forText: "TOP OPCODES")
    }

    @Test func pauseFreezesAPacedReplay() throws {
        // write_bw.pcap spans 1.9 s of capture: at 0.05x, 38 s.
        let capture = Paths.captures.appendingPathComponent("write_bw.pcap").path
        let view = try TmuxView(["--read", capture, "--speed", "0.05", "--interval", "0.2"])
        defer { view.stop() }
        func packets(_ s: [String]) -> String? {
            s.first { $0.hasPrefix("packets ") }.map { String($0.split(separator: " ")[1]) }
        }
        try view.wait(for: "packets counted") { (packets($0).flatMap { Int($0) } ?? 0) > 0 }
        try view.keys("p")
        let paused = try view.wait(forText: "PAUSED")
        usleep(1_500_000)
        let later = try view.screen()
        // rdmatop's own CPU goes on being measured (it falls while paused); nothing else moves.
        func withoutCPU(_ s: [String]) -> [String] {
            s.map { $0.replacingOccurrences(of: #"CPU +[0-9]+%"#, with: "CPU n%", options: .regularExpression) }
        }
        #expect(paused[0].contains("CPU "), "the header shows rdmatop's CPU: \(paused[0])")
        #expect(withoutCPU(later) == withoutCPU(paused), "nothing moves while paused")
        #expect(packets(later) == packets(paused))
        try view.keys("p")
        try view.wait(for: "the replay to go on") { s in packets(s) != packets(paused) && !s.contains { $0.contains("PAUSED") } }
    }

    @Test func resizeAndATooSmallTerminal() throws {
        let view = try rpingView()
        defer { view.stop() }
        try view.resize(80, 24)
        let s = try view.wait(for: "the view at 80x24") { s in
            s.count == 24 && s[0].hasPrefix("rdmatop file rping.pcap") && s[23].hasPrefix("q Quit")
        }
        #expect(s.allSatisfy { $0.count <= 80 })
        #expect(qpRows(s).count == 4)
        #expect(s.contains { $0.hasPrefix("QPN ") })
        try view.resize(30, 6)
        try view.wait(forText: "terminal too small (30x6)")
        try view.resize(100, 30)
        let back = try view.wait(for: "the view at 100x30") { s in s.count == 30 && qpRows(s).count == 4 }
        #expect(back[29].hasPrefix("q Quit"))
    }

    @Test func helpAndBack() throws {
        let view = try rpingView()
        defer { view.stop() }
        try view.keys("?")
        let s = try view.wait(forText: "this help")
        #expect(s.contains { $0.contains("filter: QPN") })
        try view.keys("Escape")
        try view.wait(forText: "TOP OPCODES")
    }

    @Test func qQuitsAndRestoresTheTerminal() throws {
        let view = try rpingView()
        defer { view.stop() }
        try view.keys("q")
        let s = try view.wait(forText: "TTY=restored")
        #expect(s.contains("EXIT=0"))
        #expect(!s.contains { $0.contains("q Quit") || $0.contains("TOP OPCODES") }, "the view is gone")
    }

    @Test(arguments: [SIGINT, SIGTERM, SIGHUP])
    func aSignalRestoresTheTerminal(signal: Int32) throws {
        let view = try rpingView()
        defer { view.stop() }
        let pid = try #require(try view.rdmatopPID())
        kill(pid, signal)
        let s = try view.wait(forText: "TTY=restored")
        #expect(s.contains("EXIT=0"))
    }

    @Test func monochromeWithNoColor() throws {
        let color = try rpingView()
        defer { color.stop() }
        let colored = try color.screen(escapes: true).joined()
        #expect(colored.contains("\u{1B}[42m") || colored.contains(";42m"), "a green header bar")
        let mono = try rpingView(environment: "NO_COLOR=1")
        defer { mono.stop() }
        let plain = try mono.screen(escapes: true).joined()
        #expect(plain.contains("\u{1B}[7m") || plain.contains(";7m"), "reverse video")
        let colorCode = try Regex("\u{1B}\\[(?:[0-9]+;)*(3[0-7]|4[0-7])(?:;[0-9]+)*m")
        #expect(!plain.contains(colorCode), "no color under NO_COLOR")
    }

    @Test func withoutATerminalTheSnapshotIsPrinted() throws {
        let r = try rdmatop("--read", Self.rping)
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("rdmatop: file "))
        #expect(!r.stdout.contains("\u{1B}"), "no escape sequences in a pipe")
    }

    @Test func aLiveErrorIsOneLineBeforeTheTerminalIsTaken() throws {
        let view = try TmuxView(["nosuchif0"])
        defer { view.stop() }
        // TTY=restored comes after EXIT=: waiting for it sees both.
        let s = try view.wait(forText: "TTY=restored")
        let errors = s.filter { $0.hasPrefix("rdmatop: ") }
        #expect(errors.count == 1, "\(s)")
        #expect(s.contains("EXIT=1"))
    }

    /// A trap in the view (a Swift runtime failure is SIGILL or SIGTRAP; abort() is
    /// SIGABRT) skips atexit: the handler gives the terminal back, then the process dies of
    /// the signal as it would have.
    @Test(arguments: [SIGILL, SIGTRAP, SIGABRT, SIGSEGV])
    func aTrapRestoresTheTerminal(signal: Int32) throws {
        let view = try rpingView()
        defer { view.stop() }
        let pid = try #require(try view.rdmatopPID())
        kill(pid, signal)
        let s = try view.wait(forText: "TTY=restored", timeout: 20)
        #expect(s.contains("EXIT=\(128 + signal)"), "died of the signal: \(s.filter { $0.contains("EXIT") })")
        #expect(!s.contains { $0.contains("q Quit") }, "the view's screen is gone")
    }

    /// rping.pcap through a pipe whose writer stays open 25 s more: the view shows what
    /// came, says it waits, and answers keys and signals at once instead of sitting in read(2).
    func slowPipeView() throws -> TmuxView {
        // bash execs rdmatop ($0) on a pipe from a subshell that outlives the file by 25 s.
        let script = "exec \"$0\" -r - --speed max < <(cat \"$1\"; sleep 25)"
        let view = try TmuxView([Self.rping], prefix: ["/bin/bash", "-c", script])
        try view.wait(for: "rping's packets, read from the pipe") { s in
            s.contains { $0.contains("waiting for input") } && qpRows(s).count >= 1
        }
        return view
    }

    @Test func aSlowPipeLeavesTheViewResponsive() throws {
        let view = try slowPipeView()
        defer { view.stop() }
        try view.keys("?")
        try view.wait(forText: "Keys", timeout: 3)
        try view.keys("q")
        try view.keys("q")
        let s = try view.wait(forText: "TTY=restored", timeout: 5)
        #expect(s.contains("EXIT=0"))
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func aSignalStopsTheViewWaitingOnAPipe(signal: Int32) throws {
        let view = try slowPipeView()
        defer { view.stop() }
        let pid = try #require(try view.rdmatopPID())
        kill(pid, signal)
        let s = try view.wait(forText: "TTY=restored", timeout: 5)
        #expect(s.contains("EXIT=0"), "a stop, not an error")
    }

    /// A trap in the live view: the terminal is given back, the XDP program goes with its
    /// bpf_link, and the next start removes the tc filter and the qdisc left behind.
    @Test(.enabled(if: NetworkLab.available, "needs root for network namespaces and BPF"))
    func aTrapInTheLiveViewLeavesNothingAfterTheNextStart() throws {
        let lab = try NetworkLab()
        defer { lab.remove() }
        let view = try TmuxView([lab.ifA], prefix: ["/usr/sbin/ip", "netns", "exec", lab.a])
        defer { view.stop() }
        try view.wait(forText: "rdmatop interface \(lab.ifA) (xdp+tc)")
        let pid = try #require(try view.rdmatopPID())
        kill(pid, SIGILL)
        let s = try view.wait(forText: "TTY=restored")
        #expect(s.contains("EXIT=\(128 + SIGILL)"))
        let left = try lab.attachments(lab.a, lab.ifA)
        #expect(left.xdp.isEmpty, "the bpf_link went with the process")
        let next = try lab.startRdmatop(lab.a, [lab.ifA, "--mode", "xdp", "--once", "--interval", "0.2"])
        #expect(next.wait() == 0, "\(next.stderr)")
        #expect(left.tcFilters.contains("rdmatop_tc"), "a netlink filter outlives its process")
        #expect(next.stderr.contains("removed a leftover rdmatop tc filter"), "\(next.stderr)")
        let after = try lab.attachments(lab.a, lab.ifA)
        #expect(after.xdp.isEmpty && after.tcFilters.isEmpty && !after.qdiscs.contains("clsact"), "\(after)")
    }

    /// The view over the live probe, on a veth pair in namespaces: rows appear as traffic
    /// arrives, q detaches everything.
    @Test(.enabled(if: NetworkLab.available, "needs root for network namespaces and BPF"))
    func liveViewOnAVethPair() throws {
        let lab = try NetworkLab()
        defer { lab.remove() }
        let view = try TmuxView([lab.ifB, "--mode", "xdp"], prefix: ["/usr/sbin/ip", "netns", "exec", lab.b])
        defer { view.stop() }
        try view.wait(forText: "rdmatop interface \(lab.ifB) (xdp)")
        try lab.replay(Self.rping)
        let s = try view.wait(for: "the replayed QPs") { s in qpRows(s).count == 4 }
        #expect(s.contains { $0.contains("lost events 0") })
        try view.keys("q")
        let after = try view.wait(forText: "TTY=restored")
        #expect(after.contains("EXIT=0"))
        let b = try lab.attachments(lab.b, lab.ifB)
        #expect(b.xdp.isEmpty, "XDP left attached: \(b.xdp)")
    }

    /// With sampled events the header says so, and the QP rows show the kernel's packet
    /// counts with "-" where the analysis would need every packet (no opcode breakdown).
    @Test(.enabled(if: NetworkLab.available, "needs root for network namespaces and BPF"))
    func liveViewWithSampledEvents() throws {
        let file = try parseJSON(try rdmatop("--read", Self.rping, "--once", "--json").stdout)
        let packets = Set((file["qps"] as! [[String: Any]]).map { String(uint($0["packets"])!) })
        let lab = try NetworkLab()
        defer { lab.remove() }
        let view = try TmuxView([lab.ifB, "--mode", "xdp", "--sample", "0"], width: 200,
                                prefix: ["/usr/sbin/ip", "netns", "exec", lab.b])
        defer { view.stop() }
        try view.wait(forText: "events sampled")
        try lab.replay(Self.rping)
        let s = try view.wait(for: "the replayed QPs with the file's packet counts") { s in
            let rows = qpRows(s)
            return rows.count == 4 && rows.allSatisfy { row in packets.contains { row.split(separator: " ").contains(Substring($0)) } }
        }
        #expect(qpRows(s).allSatisfy { !$0.contains("SEND") && !$0.contains("READ") && $0.contains(" - ") }, "\(qpRows(s))")
        try view.keys("q")
        #expect(try view.wait(forText: "TTY=restored").contains("EXIT=0"))
    }
}
