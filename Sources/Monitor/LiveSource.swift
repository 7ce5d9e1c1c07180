import CProbe
import Attribution
import Capture
import Probe
import Report
import RoCE
import Stats
#if canImport(Glibc)
import Glibc
#endif

/// Live packets from the probe, decoded and counted, optionally saved as pcapng.
public final class LiveSource {
    public let probe: Probe
    private let decoder: PacketDecoder
    private let engine: StatsEngine
    private var writer: PcapNGWriter?
    private var writerInterfaces: [Int: Int] = [:]
    private var writeError: CaptureError?
    /// Events handed over so far (the live frame numbers).
    public private(set) var eventCount: UInt64 = 0
    /// Whose each flow's QP is (RDMA netlink); nil where that is out of reach.
    public let resolver: QPResolver?
    /// The hw counters of the RDMA ports on the watched interface.
    public let deviceCounters: [DeviceCounters]
    /// The RDMA device named on the command line, if one was.
    public var rdmaDevice: String?
    /// rdmatop's CPU and the probe's time per packet, over windows.
    private let costMeter = ToolCostMeter()
    /// Flows seen since the resolver last looked.
    private var newFlows: Set<FlowKey> = []
    private var lastAttribution: Int64 = 0
    /// Called for each decoded frame (the dump).
    public var onFrame: ((FrameInfo, UnsafeRawBufferPointer, Result<RoCEPacket, DecodeError>) -> Void)?

    /// Attaches the probe; `savePath` names a pcapng file for the captured events.
    /// With `attribution`, flows' QPs are resolved to their owners and the interface's RDMA
    /// ports' hw counters are read, where the host has them.
    public init(options: ProbeOptions, decoder: PacketDecoder, engine: StatsEngine, savePath: String?,
                attribution: Bool = true) throws {
        if let savePath {
            writer = try PcapNGWriter(path: savePath, creation: .newPrivate)
        }
        do {
            probe = try Probe(options: options)
        } catch {
            // The capture was created just now (never an existing file): no attach, no file.
            if let savePath, savePath != "-" { unlink(savePath) }
            throw error
        }
        resolver = attribution ? QPResolver() : nil
        deviceCounters = attribution ? DeviceCounters.watching(netdev: options.interface) : []
        self.decoder = decoder
        self.engine = engine
    }

    /// The snapshot's source description.
    var snapshotSource: Snapshot.Source {
        let counters = probe.totalCounters
        var source = Snapshot.Source(kind: "interface", interface: probe.interface, mode: probe.modeName,
                                     lostEvents: counters.lost_events)
        source.unsampledPackets = counters.unsampled
        source.psnRefusedPackets = counters.psn_refused
        (source.probeRunNanoseconds, source.probeRuns) = probe.runStats
        source.rdmaDevice = rdmaDevice
        source.cost = costMeter.read(probeNanoseconds: source.probeRunNanoseconds, probeRuns: source.probeRuns)
        return source
    }

    /// rdmatop's CPU and the probe's nanoseconds per packet over the last window (the view's header).
    public func cost() -> ToolCost {
        let stats = probe.runStats
        return costMeter.read(probeNanoseconds: stats.nanoseconds, probeRuns: stats.runs)
    }

    /// The engine's snapshot as every live output shows it (the headless snapshots, the
    /// exporter, the exporter beside the view): totals and, unless a filter selects packets
    /// the kernel's per-flow counts cannot (an opcode within a flow), per-QP counts exact from
    /// the kernel (`exact`: what `tick` has just read of them; nil: read now); owners and
    /// device counters added.
    public func snapshot(durationSeconds: Double, exact: KernelFlowCounts? = nil) -> Snapshot {
        var snapshot = Snapshot(engine: engine, source: snapshotSource, durationSeconds: durationSeconds)
        snapshot.setExactTotals(exactTotals)
        if engine.filter.isEmpty, let exact = exact ?? exactFlows() {
            snapshot.setExactFlows(exact.flows, evicted: exact.evicted)
        }
        annotate(&snapshot)
        return snapshot
    }

    /// Adds what the engine's counters cannot know: the QPs' owners and the device counters.
    private func annotate(_ snapshot: inout Snapshot) {
        snapshot.source.rdmaDevice = rdmaDevice
        snapshot.owners = resolver?.owners
        snapshot.deviceCounters = deviceCounters.map(DeviceCounterValues.init)
    }

    /// Resolves new flows at once and refreshes every owner each half second; keeps the owners
    /// bounded like the flow table.
    private func attribute() {
        guard let resolver else { return }
        let now = SystemClock.monotonic()
        if newFlows.isEmpty && now - lastAttribution < 200_000_000 { return }
        lastAttribution = now
        resolver.update(newFlows: newFlows, now: now)
        newFlows.removeAll(keepingCapacity: true)
        if resolver.owners.count > engine.configuration.maxFlows {
            resolver.keep(only: Set(engine.flows.map(\.key)))
        }
    }

    /// Ticks the engine's rates on the wall clock, with the kernel's exact counts wherever
    /// `snapshot` takes them (no filter), so that rates stay right when events are lost or
    /// sampled. Returns what it read of the kernel's flows (nil: none), for a snapshot taken
    /// right after it: one walk of the kernel's map per interval, not two.
    @discardableResult
    public func tick() -> KernelFlowCounts? {
        let exact = engine.filter.isEmpty ? exactFlows() : nil
        engine.tick(at: SystemClock.realtime(), exactTotals: exactTotals, exactFlows: exact?.flows)
        return exact
    }

    /// The kernel's per-flow counts as flows of the engine's kind, and the flows its map evicted.
    public typealias KernelFlowCounts = (flows: [FlowStats], evicted: UInt64)

    /// The probe's kernel counters of both directions: exact even when events are lost.
    public var exactTotals: ExactTotals {
        let c = probe.totalCounters
        return ExactTotals(packets: c.packets, bytes: c.bytes, rocePackets: c.roce_packets, roceBytes: c.roce_bytes)
    }

    /// The kernel's per-flow counts as flows of the engine's kind (the two directions of a
    /// flow added up, as the engine keys flows without direction), and the kernel's
    /// evictions; nil when the probe has no flow map.
    func exactFlows() -> KernelFlowCounts? {
        guard let kernel = probe.kernelFlows() else { return nil }
        var merged: [FlowKey: FlowStats] = [:]
        var roundTrips: [FlowKey: (buckets: [UInt64], sum: UInt64)] = [:]
        for (i, (k, c)) in zip(kernel.keys, kernel.flows).enumerated() {
            let key = FlowKey(source: k.sourceAddress, destination: k.destinationAddress, qpn: k.qpn)
            let first = Int64(truncatingIfNeeded: c.first_ns) &+ kernel.clockOffset
            let last = Int64(truncatingIfNeeded: c.last_ns) &+ kernel.clockOffset
            var f = merged[key] ?? FlowStats(key: key, transport: OpcodeTable[UInt8(truncatingIfNeeded: c.first_opcode)].transport,
                                             direction: k.packetDirection, udpSourcePort: 0, timestamp: first,
                                             sampled: engine.configuration.sampling.samplesEveryFlow)
            f.analysed = false  // the engine's own flow, where there is one, replaces this
            f.counts.add(FlowCounts(c.counts))
            f.firstSeen = min(f.firstSeen, first)
            f.lastSeen = max(f.lastSeen, last)
            // Sampled under backlog: the flows the probe left packets of out.
            f.unsampledPackets &+= c.unsampled
            f.sampled = f.sampled || c.unsampled > 0
            merged[key] = f
            // The kernel's round trips stand for the events' only when the flow's events are
            // sampled (`source.rtt`, `qps[].sampled`), for flows the events showed and those
            // they did not alike; so do the counts of the kernel's PSN window
            // (bpf/rdmatop_flow.h), which it keeps only with `--sample N`.
            if i < kernel.psns.count, let window = kernel.psns[i] {
                merged[key]?.kernelPSNs.add(KernelPSNCounts(window))
            }
            let buckets = c.roundTripBuckets
            if c.rtt_sum_ns > 0 || buckets.contains(where: { $0 > 0 }) {
                var r = roundTrips[key] ?? (Array(repeating: 0, count: buckets.count), 0)
                for i in buckets.indices { r.buckets[i] &+= buckets[i] }
                r.sum &+= c.rtt_sum_ns
                roundTrips[key] = r
            }
        }
        for (key, r) in roundTrips where merged[key]?.sampled == true {
            merged[key]?.rtt = RoundTripTimes(kernelBuckets: r.buckets, sumNanoseconds: r.sum)
        }
        return (Array(merged.values), kernel.evicted)
    }

    /// Polls events until `deadline` (CLOCK_MONOTONIC nanoseconds) or a signal; returns false
    /// when a signal asked to stop.
    public func run(until deadline: Int64) throws -> Bool {
        while true {
            if Probe.receivedSignal != 0 { return false }
            let now = SystemClock.monotonic()
            if now >= deadline { break }
            let wait = Int32(min(200, max(1, (deadline - now) / 1_000_000)))
            probe.poll(timeoutMilliseconds: wait) { [unowned self] event in handle(event) }
            attribute()
            if let writeError { throw writeError }
        }
        probe.drain { [unowned self] event in handle(event) }
        attribute()
        try writer?.flush()
        return Probe.receivedSignal == 0
    }

    private func handle(_ event: ProbeEvent) {
        eventCount += 1
        let frame = LiveSource.count(event, number: eventCount, decoder: decoder, engine: engine)
        if let resolver, case .success(let packet) = frame.result {
            let key = FlowKey(packet)
            if resolver.owners[key] == nil { newFlows.insert(key) }
        }
        onFrame?(frame.info, event.data, frame.result)
        save(event)
    }

    /// Decodes a probe event as the `number`th live frame and counts it in `engine`: what
    /// the live source does with every event (and the fuzzing harness with parsed records).
    public static func count(_ event: ProbeEvent, number: UInt64, decoder: PacketDecoder, engine: StatsEngine)
        -> (info: FrameInfo, result: Result<RoCEPacket, DecodeError>) {
        let frame = FrameInfo(number: number, timestampNanoseconds: event.timestampNanoseconds,
                              capturedLength: event.data.count, originalLength: event.originalLength,
                              interfaceID: event.ifindex, direction: event.direction)
        let linkType = event.linkType
        let result: Result<RoCEPacket, DecodeError>
        do {
            result = .success(try decoder.decode(event.data, linkType: linkType,
                                                 originalLength: event.originalLength))
        } catch {
            result = .failure(error)
        }
        engine.ingest(result, frame: frame, bytes: event.data,
                      flowHint: decoder.flowKeyHint(result, bytes: event.data, linkType: linkType))
        return (frame, result)
    }

    private func save(_ event: ProbeEvent) {
        guard let writer, writeError == nil else { return }
        do {
            let key = event.ifindex * 2 + (event.linkType == .ethernet ? 0 : 1)
            let id: Int
            if let known = writerInterfaces[key] {
                id = known
            } else {
                var name = [CChar](repeating: 0, count: Int(IF_NAMESIZE) + 1)
                let ifname = if_indextoname(UInt32(event.ifindex), &name) != nil
                    ? String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                    : "if\(event.ifindex)"
                id = try writer.addInterface(linkType: event.linkType.pcapLinkType,
                                             snaplen: Int(probeSnapLength), name: ifname)
                writerInterfaces[key] = id
            }
            try writer.write(interfaceID: id, timestampNanoseconds: event.timestampNanoseconds,
                             originalLength: event.originalLength, data: event.data,
                             direction: event.direction)
        } catch {
            writeError = error
        }
    }

    private var probeSnapLength: Int32 { 65535 }

    /// Finishes the capture file and detaches the probe. The file ends with an interface
    /// statistics block, as dumpcap's do: the RoCE packets the kernel counted and the events
    /// it could not hand over (lost, so not in the file), when the file has one interface
    /// (rdmatop watches one: several would need per-interface counts the probe does not keep).
    public func close() throws {
        let counters = probe.totalCounters  // before detaching: the maps go with the programs
        probe.close()
        if let writer {
            self.writer = nil
            if writerInterfaces.count == 1, let id = writerInterfaces.values.first {
                try writer.writeStatistics(interfaceID: id, timestampNanoseconds: SystemClock.realtime(),
                                           received: counters.roce_packets, dropped: counters.lost_events)
            }
            try writer.close()
        }
    }

}
