import ArgumentParser
import Exporter
import Foundation
import Monitor
import Probe
import Report
import RoCE
import Stats

/// `rdmatop IFACE`: live capture through the probe.
struct LiveCommand {
    /// A netdev, or the RDMA device named on the command line, resolved to its netdev.
    let interface: String
    let rdmaDevice: String?
    let decoder: PacketDecoder
    let filter: PacketFilter
    let output: OutputOptions
    let live: LiveOptions
    let engine: EngineConfiguration

    func run() throws {
        var options = ProbeOptions(interface: interface)
        options.mode = live.mode
        options.port = decoder.udpPort
        options.snapLength = live.snapLength == 0 ? 4096 : live.snapLength
        options.ringBufferBytes = live.bufferMiB << 20
        // The kernel's flow map holds at least as many flows as the engine, within a bound
        // (its entries are per CPU and preallocated: 328 bytes x CPUs each).
        options.kernelFlows = min(max(self.engine.maxFlows, options.kernelFlows), 1 << 18)
        options.verifierLogPath = live.verifierLog
        let viewing = ViewCommand.wanted(output, live)
        options.sampling = live.sampling(everyPacketNeeded: output.dump || live.write != nil || (!filter.isEmpty && !viewing))
        if let path = live.bpfObject {
            guard let data = FileManager.default.contents(atPath: path) else {
                printError("cannot read BPF object \(path)")
                throw ExitCode.failure
            }
            options.objectOverride = [UInt8](data)
        }
        Probe.installSignalHandlers()
        // The view filters rows, not packets: its engine counts everything.
        var configuration = self.engine
        configuration.sampling = options.sampling
        let engine = StatsEngine(filter: viewing ? PacketFilter() : filter, configuration: configuration)
        let out = BufferedOutput()
        // The flow map's per-CPU values are allocated one by one when it is created: beyond
        // the default size that took over 90 s once, right after another large map was freed.
        if options.kernelFlows > ProbeOptions.defaultKernelFlows {
            printError("loading the probe with a flow map of \(options.kernelFlows) flows: this can take a while")
        }
        let source: LiveSource
        do {
            source = try LiveSource(options: options, decoder: decoder, engine: engine, savePath: live.write)
        } catch {
            printError("\(error)")
            throw ExitCode.failure
        }
        source.rdmaDevice = rdmaDevice
        for notice in source.probe.notices { printError(notice) }
        // The probe's own cost, for rdmatop_probe_run_seconds_total and the JSON's probe_run_ns.
        if !source.probe.enableRunStats() { printError("BPF run-time stats are off: probe_run_ns and probe_runs stay 0") }
        printError("watching \(interface) (\(source.probe.modeName))" + (rdmaDevice.map { ", RDMA device \($0)" } ?? "")
                   + ", UDP port \(decoder.udpPort), "
                   + "snaplen \(options.snapLength)" + (live.write.map { ", saving to \($0)" } ?? ""))
        // --listen: /metrics, refreshed every interval, headless (snapshots printed only when a
        // format is asked for) or, with --view, beside the view.
        var metrics: MetricsPublisher?
        if let listen = live.listen.flatMap(ListenAddress.init) {
            do {
                metrics = try MetricsPublisher(address: listen, topK: output.metricsQPs)
            } catch {
                try? source.close()
                printError("\(error)")
                throw ExitCode.failure
            }
            printError("serving /metrics on \(listen)")
        }
        defer { metrics?.stop() }
        if viewing {
            var failure: Error?
            do {
                try ViewCommand.runLive(source: source, engine: engine, filter: filter, live: live,
                                        notices: source.probe.notices, metrics: metrics)
            } catch {
                failure = error
            }
            do {
                try source.close()
            } catch {
                printError("\(error)")
                failure = failure ?? ExitCode.failure
            }
            if let failure { throw failure }
            return
        }
        if output.dump {
            let json = output.json, preview = output.preview
            source.onFrame = { frame, bytes, result in
                if let line = PacketDump.render(result, frame: frame, bytes: bytes, filter: filter,
                                                json: json, previewBytes: preview) {
                    out.line(line)
                }
            }
        }
        let printing = metrics == nil || output.format != nil || output.jsonFlag
        let interval = Int64(max(0.05, live.interval ?? (metrics == nil ? 2 : 1)) * 1e9)
        let start = SystemClock.monotonic()
        let snapshots = output.once ? 1 : live.count
        var printed = 0
        var failure: Error?
        do {
            var deadline = start + interval
            source.tick()
            while true {
                let keepGoing = try source.run(until: deadline)
                let exact = source.tick()
                if !output.dump {
                    let snapshot = source.snapshot(durationSeconds: Double(SystemClock.monotonic() - start) / 1e9,
                                                   exact: exact)
                    metrics?.publish(snapshot)
                    if printing {
                        snapshot.write(as: output.resolved, metricsQPs: output.metricsQPs,
                                       version: RdmaTop.version, to: out.write(bytes:))
                        if output.resolved == .text { out.write("\n") }
                    }
                }
                out.flush()
                printed += 1
                if !keepGoing || (snapshots > 0 && printed >= snapshots) { break }
                deadline += interval
            }
        } catch {
            failure = error
        }
        out.flush()
        // Like tcpdump's "dropped by kernel": what --dump and -w lack.
        let lost = source.probe.totalCounters.lost_events
        if lost > 0 && (output.dump || live.write != nil) {
            printError("\(lost) packets were counted but not handed over (ring buffer full): "
                       + "the \(output.dump ? "dump" : "capture") lacks them; a larger --buffer-size helps")
        }
        do {
            try source.close()
        } catch {
            failure = failure ?? error
        }
        if let failure {
            printError("\(failure)")
            throw ExitCode.failure
        }
    }
}

/// Options of live capture.
struct LiveOptions: ParsableArguments {
    @Option(help: "Attach mode: auto (RDMA mode on kernels with rdmatop's series, else xdp+tc), xdp (ingress), tc (egress), rdma.")
    var mode: AttachMode = .auto

    @Option(help: "Seconds per snapshot (live; default 2), or between refreshes of the interactive view (default 1).")
    var interval: Double?

    @Option(help: "Print this many snapshots, then exit (0: until interrupted).")
    var count: Int = 0

    @Option(name: [.customShort("s"), .customLong("snaplen")],
            help: "Bytes of each packet to capture (default: all headers and a 64-byte payload preview; 0: up to 4096).")
    var snapLength: Int = 186

    @Option(name: [.customShort("w"), .customLong("write")], help: "Also save the captured packets to this pcapng file.")
    var write: String?

    @Option(name: .customLong("verifier-log"),
            help: "Where to save the kernel verifier's log if it rejects the probe (default: a new file under /run/rdmatop).")
    var verifierLog: String?

    @Option(name: .customLong("buffer-size"), help: "Ring buffer size in MiB (a power of two).")
    var bufferMiB: Int = 8

    @Option(name: .customLong("sample"),
            help: ArgumentHelp("Which packets become events. N, for line rate: the kernel hands over only each flow's first packets, every NAK, RNR NAK, CNP and CE-marked packet, and N more per flow and second (previews); per-QP counts stay exact (the kernel's), and so are round trips and the distinct, retransmitted and missing PSNs and the messages of requests (READs apart), counted in the kernel; the rest of the PSN analysis, message sizes and opcodes are not measured. auto (the default): every packet, but sampled as with 10 while the ring buffer is seven eighths full, rather than losing events at random; the QPs sampled say so. off: every packet (the default with -w, --dump or a filter).", valueName: "N|auto|off"))
    var sample: SampleChoice?

    /// The sampling a run with these options gets: `--sample`, else `auto`, or `off` when
    /// every packet is needed (`-w`, `--dump`, a filter the engine applies to packets).
    func sampling(everyPacketNeeded: Bool) -> EventSampling {
        switch sample {
        case .off: .off
        case .auto: .underBacklog
        case .perSecond(let n): .always(perSecond: n)
        case nil: everyPacketNeeded ? .off : .underBacklog
        }
    }

    @Option(help: "Serve /metrics (Prometheus) on ADDR:PORT: 127.0.0.1:9464, [::1]:9464, :9464. Headless (snapshots are printed only with --format or --json) unless --view.")
    var listen: String?

    @Flag(help: "With --listen: keep the interactive view, serving /metrics beside it.")
    var view = false

    @Option(name: .customLong("bpf-object"), help: .hidden)
    var bpfObject: String?
}

extension AttachMode: ExpressibleByArgument {}

/// `--sample`'s value: N events per flow and second, `auto` or `off`.
enum SampleChoice: Equatable, ExpressibleByArgument {
    case off, auto, perSecond(Int)

    init?(argument: String) {
        switch argument.lowercased() {
        case "off": self = .off
        case "auto": self = .auto
        default:
            guard let n = Int(argument) else { return nil }
            self = .perSecond(n)  // its range is checked by validate(), which names it
        }
    }
}

/// `--listen`'s exporter and server: each snapshot handed to `publish` becomes the exposition
/// the next scrapes get.
final class MetricsPublisher {
    private let server: MetricsServer
    private let exporter: PrometheusExporter

    init(address: ListenAddress, topK: Int) throws {
        server = try MetricsServer(address: address)
        exporter = PrometheusExporter(topK: topK, version: RdmaTop.version)
    }

    func publish(_ snapshot: Snapshot) {
        exporter.update(snapshot)
        server.publish(exporter.render())
    }

    func stop() { server.stop() }
}
