import ArgumentParser
import RdmaTopCLI

/// `rdmatop --read FILE` exactly as the command line runs it: read, decode, count, tick, and
/// the text, JSON or Prometheus snapshot (once, or periodic on the capture's clock), or the dump.
///
/// Input: two option bytes, then the capture file. Output goes to standard output and errors
/// to standard error, as in the product (`make fuzz` runs libFuzzer with `-close_fd_mask=3`).
enum PipelineHarness {
    // Within --interval's bounds for a file (OptionBounds.fileInterval): the ends and between.
    static let intervals = ["0.001", "0.25", "1", "2", "60", "86400"]
    static let filters: [[String]] = [[], ["--opcode", "write"], ["--qpn", "0x11"], ["--addr", "10.0.0.2"],
                                      ["--opcode", "nak"], ["--opcode", "ce"]]

    static func arguments(_ input: inout FuzzInput, path: String) -> [String] {
        let a = input.byte(), b = input.byte()
        var args = ["--read", path]
        let mode = a >> 1 & 3
        if a & 1 != 0 {
            // The Prometheus exposition of a few top QPs (the rest summed as "other"), except
            // with --dump (a usage error: packets print as text or JSON).
            args += b & 4 != 0 && mode != 2 ? ["--format", "prometheus", "--metrics-qps", String(1 + Int(b >> 3 & 3))]
                                             : ["--json"]
        }
        switch mode {
        case 0: args.append("--once")
        case 1: args += ["--count", String(1 + b & 7), "--interval", intervals[Int(a >> 3 & 7) % intervals.count]]
        case 2: args += ["--dump", "--preview", String(Int(b >> 3) * 8)]
        default: break  // not a terminal: one snapshot of the whole capture
        }
        if a & 0x40 != 0 { args.append("--no-icrc") }
        args += filters[Int(b >> 3) % filters.count]
        if a & 0x80 != 0 {
            args += ["--max-flows", String(1 + Int(b & 3)), "--pmtu", ["256", "1024", "4096", "2048"][Int(b >> 6)]]
        }
        return args
    }

    /// Parsed command lines by their arguments: parsing is the slow part of a run and has a
    /// target of its own (`command-line`), so each option combination is parsed once.
    nonisolated(unsafe) static var parsed: [[String]: RdmaTop] = [:]

    static func command(_ args: [String]) throws -> RdmaTop {
        if let known = parsed[args] { return known }
        guard let command = try RdmaTop.parseAsRoot(args) as? RdmaTop else {
            fatalError("rdmatop \(args) parsed as another command")
        }
        parsed[args] = command
        return command
    }

    static func run(_ bytes: UnsafeRawBufferPointer) {
        var input = FuzzInput(bytes)
        let file = ScratchFile.shared
        let args = arguments(&input, path: file.path)
        file.write(input.rest())
        do {
            try command(args).run()
        } catch let exit as ExitCode {
            fuzzCheck(exit == .failure, "rdmatop \(args) exited \(exit.rawValue)")
        } catch {
            fuzzCheck(false, "rdmatop \(args) threw \(error)")
        }
    }
}
