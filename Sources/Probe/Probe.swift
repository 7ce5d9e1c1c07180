import CProbe
import Stats
import Capture
import CSignals
#if canImport(Glibc)
import Glibc
#endif

/// What the probe is asked to do.
public struct ProbeOptions: Sendable {
    public var interface: String
    public var mode: AttachMode = .auto
    /// UDP destination port of RoCEv2.
    public var port: UInt16 = UInt16(RDMATOP_ROCE_PORT)
    /// Bytes of each packet copied into an event.
    public var snapLength = Int(RDMATOP_DEFAULT_SNAPLEN)
    /// Size of the ring buffer (a power of two, at least a page).
    public var ringBufferBytes = 8 << 20
    /// Flows the kernel's flow map holds (LRU beyond).
    public var kernelFlows = ProbeOptions.defaultKernelFlows
    /// The flow map's size unless asked otherwise (bpf/rdmatop.h).
    public static let defaultKernelFlows = Int(RDMATOP_DEFAULT_KERNEL_FLOWS)
    /// Which RoCE packets become events.
    public var sampling = EventSampling.off
    /// Another BPF object to load instead of the embedded one (developers: testing the
    /// error paths with a program the verifier rejects).
    public var objectOverride: [UInt8]?
    /// Where a rejected program's verifier log is written: this file (replaced if it is a
    /// regular file; never through a symbolic link), else a new file under /run/rdmatop.
    public var verifierLogPath: String?

    public init(interface: String) { self.interface = interface }
}

extension EventSampling {
    /// From how many unread bytes of the ring buffer on `underBacklog` samples: seven
    /// eighths of it, leaving an eighth for what is always an event.
    public static func backlog(ringBufferBytes: Int) -> Int { ringBufferBytes - ringBufferBytes / 8 }
}

/// Exact per-direction counters kept by the programs in the kernel (`struct
/// rdmatop_counters`, bpf/rdmatop.h), as Swift reads them: the C struct itself.
extension rdmatop_counters {
    /// The two sets of counters added up, field by field.
    public static func + (a: rdmatop_counters, b: rdmatop_counters) -> rdmatop_counters {
        var sum = a
        var other = b
        rt_counters_add(&sum, &other)
        return sum
    }
}

/// rdmatop's probe on one interface: the BPF programs loaded, attached and read.
///
/// Detaching happens in `close()` and on deinit; the XDP program hangs on a bpf_link, so the
/// kernel removes it even when the process is killed, and a tc filter left by a killed
/// rdmatop is recognised (its lock file names a dead process) and removed at the next start.
public final class Probe {
    public let interface: String
    public let ifindex: Int32
    /// What is attached, in the order attached.
    public private(set) var hooks: [Hook] = []
    /// Things worth telling the user (a leftover filter removed, a fallback taken).
    public private(set) var notices: [String] = []

    private var object: OpaquePointer?
    private var xdpLink: Int32 = -1
    private var tcAttached = false
    private var tcCreatedQdisc = false
    /// The lock of the interface's tc slot, held from start to close (nil when another
    /// rdmatop holds it and this one attaches no tc filter).
    private var tcLock: TCLock?
    private var ringBuffer: OpaquePointer?
    private var countersFD: Int32 = -1
    private var flowsFD: Int32 = -1
    private var psnsFD: Int32 = -1
    private var statsFD: Int32 = -1
    private let options: ProbeOptions
    private final class HandlerBox {
        var handler: ((ProbeEvent) -> Void)?
        /// Added to bpf_ktime_get_ns() stamps to make them wall-clock time.
        var clockOffset: Int64 = 0
    }
    private let box = HandlerBox()

    /// Checks the kernel, the privileges and the interface, loads the programs and attaches
    /// them as `options.mode` asks.
    public init(options: ProbeOptions) throws(ProbeError) {
        self.options = options
        interface = options.interface
        let release = KernelRelease.current()
        if let problem = release.missingRequirement() { throw problem }
        if let caps = Capabilities.effective() {
            let missing = Capabilities.missing(effective: caps)
            if !missing.isEmpty { throw .missingCapabilities(missing) }
        }
        let index = if_nametoindex(options.interface)
        guard index != 0 else { throw .noSuchInterface(options.interface) }
        ifindex = Int32(index)
        box.clockOffset = Probe.monotonicToRealtime()
        do {
            try removeLeftoverFilter()
            try attach(release: release)
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    // MARK: - Loading and attaching

    private func attach(release: KernelRelease) throws(ProbeError) {
        switch options.mode {
        case .rdma:
            try load(framing: RDMATOP_FRAMING_IP)
            guard try attachRDMA() else { throw .rdmaModeUnsupported(release: release.text) }
        case .auto:
            try load(framing: RDMATOP_FRAMING_IP)
            if try attachRDMA() { break }
            unload()
            try load(framing: RDMATOP_FRAMING_ETH)
            try attachXDP()
            try attachTC()
        case .xdp:
            try load(framing: RDMATOP_FRAMING_ETH)
            try attachXDP()
        case .tc:
            try load(framing: RDMATOP_FRAMING_ETH)
            try attachTC()
        }
        try openRingBuffer()
    }

    /// The programs' load-time configuration (their .rodata) for `options` and `framing`:
    /// what `Probe` loads, and what `make bench` measures.
    public static func configuration(_ options: ProbeOptions, framing: rdmatop_framing) -> rdmatop_config {
        var config = rdmatop_config()
        config.port = options.port
        config.snaplen = UInt32(max(1, min(options.snapLength, Int(RDMATOP_MAX_SNAPLEN))))
        config.framing = framing.rawValue
        switch options.sampling {
        case .off:
            config.sample = RDMATOP_SAMPLE_OFF.rawValue
        case .always(let perSecond):
            config.sample = RDMATOP_SAMPLE_ALWAYS.rawValue
            config.sample_per_second = UInt32(clamping: max(0, perSecond))
        case .underBacklog:
            config.sample = RDMATOP_SAMPLE_BACKLOG.rawValue
            config.sample_per_second = UInt32(RDMATOP_BACKLOG_SAMPLE_PER_SECOND)
            config.sample_backlog = UInt32(clamping: EventSampling.backlog(ringBufferBytes: options.ringBufferBytes))
        }
        KernelOpcodeTable.fill(&config)
        return config
    }

    private func load(framing: rdmatop_framing) throws(ProbeError) {
        var config = Probe.configuration(options, framing: framing)
        let bytes = options.objectOverride ?? EmbeddedObject.bytes
        var obj: OpaquePointer?
        let err = bytes.withUnsafeBytes { raw in
            rt_object_load(raw.baseAddress, raw.count, &config, UInt32(options.ringBufferBytes),
                           UInt32(max(1, options.kernelFlows)), &obj)
        }
        guard err == 0, let obj else {
            let log = String(cString: rt_log())
            if log.contains("BEGIN PROG LOAD LOG") || log.contains("program load failed") {
                throw verifierError(log: log, errno: -err)
            }
            throw .system(operation: "loading the BPF programs", errno: -err)
        }
        object = obj
        countersFD = rt_map_fd(obj, "counters")
        flowsFD = rt_map_fd(obj, "flows")
        psnsFD = rt_map_fd(obj, "psns")
    }

    private func unload() {
        rt_object_close(object)
        object = nil
        countersFD = -1
        flowsFD = -1
        psnsFD = -1
    }

    private func verifierError(log: String, errno err: Int32) -> ProbeError {
        var program = "rdmatop's BPF program"
        if let range = log.range(of: "prog '") {
            let rest = log[range.upperBound...]
            if let end = rest.firstIndex(of: "'") { program = String(rest[..<end]) }
        }
        let file: (descriptor: Int32, path: String)
        do {
            if let path = options.verifierLogPath {
                file = (try SafeOutput.open(path, creation: .replace), path)
            } else {
                file = try RunDirectory.newLogFile()
            }
        } catch let error as CaptureError {
            return .system(operation: "the verifier rejected \(program); saving its log: \(error)", errno: -err)
        } catch let error as ProbeError {
            return error
        } catch {
            return .system(operation: "saving the verifier log", errno: -err)
        }
        _ = SafeOutput.write(log, to: file.descriptor)
        Glibc.close(file.descriptor)
        return .verifierRejected(program: program, logPath: file.path, reason: String(cString: strerror(err)))
    }

    private func programFD(_ name: String) throws(ProbeError) -> Int32 {
        let fd = rt_prog_fd(object, name)
        guard fd >= 0 else { throw .system(operation: "finding program \(name)", errno: -fd) }
        return fd
    }

    /// RDMA mode; false when the kernel does not know the flag.
    private func attachRDMA() throws(ProbeError) -> Bool {
        let fd = rt_xdp_link(try programFD("rdmatop_xdp"), ifindex, RT_XDP_FLAGS_RDMA)
        if fd >= 0 {
            xdpLink = fd
            hooks.append(.rdma)
            return true
        }
        if -fd == EINVAL || -fd == EOPNOTSUPP { return false }
        if -fd == EBUSY || -fd == EEXIST { throw alreadyAttached() }
        throw .system(operation: "attaching XDP in RDMA mode to \(interface)", errno: -fd)
    }

    private func attachXDP() throws(ProbeError) {
        var mode: UInt32 = 0, drv: UInt32 = 0, skb: UInt32 = 0, hw: UInt32 = 0
        if rt_xdp_query(ifindex, &mode, &drv, &skb, &hw) == 0, drv != 0 || skb != 0 || hw != 0 {
            throw alreadyAttached()
        }
        let prog = try programFD("rdmatop_xdp")
        var fd = rt_xdp_link(prog, ifindex, RT_XDP_FLAGS_DRV_MODE)
        var hook = Hook.xdp
        if fd == -EOPNOTSUPP || fd == -EINVAL || fd == -ENOTSUP {
            fd = rt_xdp_link(prog, ifindex, RT_XDP_FLAGS_SKB_MODE)
            hook = .xdpGeneric
            notices.append("\(interface) has no native XDP support: using generic XDP")
        }
        if fd == -EBUSY || fd == -EEXIST { throw alreadyAttached() }
        guard fd >= 0 else { throw .system(operation: "attaching XDP to \(interface)", errno: -fd) }
        xdpLink = fd
        hooks.append(hook)
    }

    private func alreadyAttached() -> ProbeError {
        var mode: UInt32 = 0, drv: UInt32 = 0, skb: UInt32 = 0, hw: UInt32 = 0
        _ = rt_xdp_query(ifindex, &mode, &drv, &skb, &hw)
        let (id, modeName, command): (UInt32, String, String) =
            drv != 0 ? (drv, "driver", "xdpdrv") : skb != 0 ? (skb, "generic", "xdpgeneric") : (hw, "offload", "xdpoffload")
        var name = [CChar](repeating: 0, count: 64)
        let named = id != 0 && rt_prog_name(id, &name, name.count) == 0
        let programName = named ? Probe.string(name) : "?"
        let removal = "ip link set dev \(interface) \(command) off"
            + (programName.hasPrefix("rdmatop") ? " (or end the rdmatop that owns it)" : "")
        return .xdpAlreadyAttached(interface: interface, programID: id, programName: programName,
                                   mode: modeName, removal: removal)
    }

    /// Whether this start attaches a tc filter (or may: auto mode on a stock kernel).
    private var mayAttachTC: Bool { options.mode == .tc || options.mode == .auto }

    /// Takes the interface's tc lock and, when it is free, removes a filter a killed rdmatop
    /// left (whatever mode this start uses), with the clsact qdisc if that rdmatop created
    /// it and nothing else is on it. A live rdmatop's lock is an error only for tc modes.
    private func removeLeftoverFilter() throws(ProbeError) {
        do {
            tcLock = try TCLock(ifindex: ifindex)
        } catch {
            switch error {
            case .held(let pid):
                guard mayAttachTC else { return }
                throw .tcSlotTaken(interface: interface,
                                   detail: "rdmatop" + (pid.map { " (pid \($0))" } ?? "") + " is already watching it")
            case .error(let e):
                // Without the lock (no /run/rdmatop for a user with capabilities but not
                // root) an XDP-only start goes on; it just cannot clean up leftovers.
                guard mayAttachTC else { return }
                throw e
            }
        }
        // A qdisc an rdmatop that did not exit cleanly created stays rdmatop's to remove
        // (once empty), filter or no filter.
        if tcLock?.previousOwnerCreatedQdisc == true { tcCreatedQdisc = true }
        defer {
            if !mayAttachTC { removeQdiscIfEmpty() }
            tcLock?.record(createdQdisc: tcCreatedQdisc)
        }
        var existing: UInt32 = 0
        guard rt_tc_query(ifindex, TCSlot.handle, TCSlot.priority, &existing) == 0, existing != 0 else { return }
        var name = [CChar](repeating: 0, count: 64)
        let programName = rt_prog_name(existing, &name, name.count) == 0 ? Probe.string(name) : "?"
        guard programName == TCSlot.programName else {
            guard mayAttachTC else { return }  // someone else's filter: not ours to touch
            throw .tcSlotTaken(interface: interface,
                               detail: "handle 0x\(String(TCSlot.handle, radix: 16)) priority \(TCSlot.priority) holds program \(existing) \"\(programName)\"")
        }
        let err = rt_tc_detach(ifindex, TCSlot.handle, TCSlot.priority)
        guard err == 0 else { throw .system(operation: "removing a leftover rdmatop tc filter", errno: -err) }
        notices.append("removed a leftover rdmatop tc filter (program \(existing)) from \(interface)")
    }

    private func attachTC() throws(ProbeError) {
        guard let tcLock else { throw .tcSlotTaken(interface: interface, detail: "another rdmatop holds its lock") }
        var created: Int32 = 0
        let err = rt_tc_attach(ifindex, try programFD(TCSlot.programName), TCSlot.handle, TCSlot.priority, &created)
        if created != 0 { tcCreatedQdisc = true }
        tcLock.record(createdQdisc: tcCreatedQdisc)
        guard err == 0 else { throw .system(operation: "attaching tc egress to \(interface)", errno: -err) }
        tcAttached = true
        hooks.append(.tc)
    }

    /// Deletes the clsact qdisc rdmatop created, when no filter of anyone's is left on it.
    private func removeQdiscIfEmpty() {
        guard tcCreatedQdisc else { return }
        if rt_tc_filters(ifindex) == 0 { _ = rt_tc_destroy(ifindex) }
        tcCreatedQdisc = false
    }

    private func openRingBuffer() throws(ProbeError) {
        let fd = rt_map_fd(object, "events")
        let ctx = Unmanaged.passUnretained(box).toOpaque()
        guard fd >= 0, let rb = rt_ringbuf_new(fd, Probe.onEvent, ctx) else {
            throw .system(operation: "opening the ring buffer", errno: errno)
        }
        ringBuffer = rb
    }

    // MARK: - Running

    /// The attach mode as the JSON reports it: "rdma", "xdp", "xdp-generic", "tc", "xdp+tc".
    public var modeName: String { hooks.map(\.rawValue).joined(separator: "+") }

    /// Waits up to `timeoutMilliseconds` for events and hands each to `handler`. Returns the
    /// number of events; -EINTR when a signal arrived.
    @discardableResult
    public func poll(timeoutMilliseconds: Int32, handler: @escaping (ProbeEvent) -> Void) -> Int32 {
        withHandler(handler) { rt_ringbuf_poll($0, timeoutMilliseconds) }
    }

    /// Handles every event already in the ring buffer.
    @discardableResult
    public func drain(handler: @escaping (ProbeEvent) -> Void) -> Int32 {
        withHandler(handler) { rt_ringbuf_consume($0) }
    }

    private func withHandler(_ handler: @escaping (ProbeEvent) -> Void, _ body: (OpaquePointer) -> Int32) -> Int32 {
        guard let ringBuffer else { return 0 }
        box.handler = handler
        defer { box.handler = nil }
        return body(ringBuffer)
    }

    private static let onEvent: rt_event_fn = { ctx, data, size in
        guard let ctx, let data else { return 0 }
        let box = Unmanaged<HandlerBox>.fromOpaque(ctx).takeUnretainedValue()
        if let event = ProbeEvent(record: UnsafeRawBufferPointer(start: data, count: size), clockOffset: box.clockOffset) {
            box.handler?(event)
        }
        return 0
    }

    /// The kernel's counters for one direction (`RDMATOP_DIR_RX` / `RDMATOP_DIR_TX`).
    public func counters(direction: UInt32) -> rdmatop_counters {
        var c = rdmatop_counters()
        guard countersFD >= 0, rt_read_counters(countersFD, direction, &c) == 0 else { return rdmatop_counters() }
        return c
    }

    /// The kernel's flow map: every flow's exact counts, and the evictions. Nil when it
    /// cannot be read (an object without one, `--bpf-object`).
    public func kernelFlows() -> KernelFlowMap? {
        guard flowsFD >= 0 else { return nil }
        let capacity = max(1, options.kernelFlows)
        var keys = [rdmatop_flow_key](repeating: rdmatop_flow_key(), count: capacity)
        var flows = [rdmatop_flow](repeating: rdmatop_flow(), count: capacity)
        var count: UInt32 = 0
        // The PSN windows first: a window whose flow is not in the flow map read after it
        // belongs to a flow the map's LRU evicted (a flow's entry is made before its window).
        let windows = psnWindows()
        guard rt_read_flows(flowsFD, &keys, &flows, UInt32(capacity), &count) == 0 else { return nil }
        keys.removeSubrange(Int(count)...)
        flows.removeSubrange(Int(count)...)
        let created = totalCounters.flows_created
        var map = KernelFlowMap(keys: keys, flows: flows, evicted: created > UInt64(count) ? created - UInt64(count) : 0,
                                clockOffset: box.clockOffset)
        if var windows {
            map.psns = keys.map { windows.removeValue(forKey: $0.bytes) }
            for key in windows.keys { forgetWindow(key) }
        }
        return map
    }

    /// The kernel's PSN windows by flow key (nil: no PSN map, `--bpf-object`, or events not
    /// sampled: the programs then keep no windows, and reading the empty map would still cost
    /// two arrays of `kernelFlows` entries every interval).
    private func psnWindows() -> [[UInt8]: rdmatop_psn_counts]? {
        guard psnsFD >= 0, options.sampling.samplesEveryFlow else { return nil }
        let capacity = max(1, options.kernelFlows)
        var keys = [rdmatop_flow_key](repeating: rdmatop_flow_key(), count: capacity)
        var counts = [rdmatop_psn_counts](repeating: rdmatop_psn_counts(), count: capacity)
        var count: UInt32 = 0
        guard rt_read_psns(psnsFD, &keys, &counts, UInt32(capacity), &count) == 0 else { return nil }
        var windows: [[UInt8]: rdmatop_psn_counts] = [:]
        windows.reserveCapacity(Int(count))
        for i in 0..<Int(count) { windows[keys[i].bytes] = counts[i] }
        return windows
    }

    /// Deletes the PSN window of a flow the flow map no longer holds.
    private func forgetWindow(_ key: [UInt8]) {
        _ = key.withUnsafeBytes { rt_map_delete(psnsFD, $0.baseAddress) }
    }

    /// Asks the kernel to time the probe's programs while rdmatop runs (BPF run-time stats,
    /// `BPF_ENABLE_STATS`); false when it refuses. `runStats` reads 0 without it.
    @discardableResult
    public func enableRunStats() -> Bool {
        if statsFD < 0 { statsFD = rt_enable_run_stats() }
        return statsFD >= 0
    }

    /// The kernel's run time (nanoseconds) and run count of the attached programs.
    public var runStats: (nanoseconds: UInt64, runs: UInt64) {
        guard object != nil else { return (0, 0) }
        var total: (nanoseconds: UInt64, runs: UInt64) = (0, 0)
        for name in ["rdmatop_xdp", TCSlot.programName] {
            var ns: UInt64 = 0, runs: UInt64 = 0
            let fd = rt_prog_fd(object, name)
            if fd >= 0, rt_prog_run_stats(fd, &ns, &runs) == 0 {
                total.nanoseconds &+= ns
                total.runs &+= runs
            }
        }
        return total
    }

    /// Both directions summed.
    public var totalCounters: rdmatop_counters {
        counters(direction: RDMATOP_DIR_RX.rawValue) + counters(direction: RDMATOP_DIR_TX.rawValue)
    }

    /// Detaches everything and frees the programs. Safe to call more than once.
    public func close() {
        if xdpLink >= 0 {
            _ = rt_link_detach(xdpLink)
            Glibc.close(xdpLink)
            xdpLink = -1
        }
        if tcAttached {
            _ = rt_tc_detach(ifindex, TCSlot.handle, TCSlot.priority)
            tcAttached = false
        }
        removeQdiscIfEmpty()
        tcLock?.release()
        tcLock = nil
        rt_ringbuf_free(ringBuffer)
        ringBuffer = nil
        unload()
        if statsFD >= 0 {
            Glibc.close(statsFD)
            statsFD = -1
        }
    }

    /// Nanoseconds to add to CLOCK_MONOTONIC (bpf_ktime_get_ns) to get wall-clock time.
    static func monotonicToRealtime() -> Int64 {
        var mono = timespec(), real = timespec()
        clock_gettime(CLOCK_MONOTONIC, &mono)
        clock_gettime(CLOCK_REALTIME, &real)
        return (Int64(real.tv_sec) - Int64(mono.tv_sec)) * 1_000_000_000 + Int64(real.tv_nsec) - Int64(mono.tv_nsec)
    }

    /// A NUL-terminated C string in an array.
    static func string(_ chars: [CChar]) -> String {
        String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Installs the SIGINT/SIGTERM/SIGHUP handlers that let the run loop detach on the way out.
    public static func installSignalHandlers() { rdmatop_install_signal_handlers() }

    /// The signal that asked rdmatop to stop, or 0.
    public static var receivedSignal: Int32 { rdmatop_signal_received() }
}
