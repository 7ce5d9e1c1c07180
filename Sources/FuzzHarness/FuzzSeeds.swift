import Capture
import Foundation
import RoCE
import TrafficGen

/// The starting corpus of each target (`rdmatop-fuzz --seed=DIR [--captures=DIR]`, see
/// fuzz/README.md): packets of every opcode from the encoder, sessions from rocegen's
/// generator, the first packets of real captures, snapped, and the README's command lines,
/// each in its target's input format.
public enum FuzzSeeds {
    /// Seeds by target: (file name, bytes).
    public static func make(captures: [String]) throws -> [FuzzTarget: [(String, [UInt8])]] {
        var files: [(String, [UInt8])] = []
        var frames: [(String, [UInt8])] = []
        // rocegen: short sessions of the demo mix, with loss, ECN and RNR; IPv6 and a VLAN.
        for (name, ipv6, vlan) in [("demo", false, UInt16?.none), ("demo-v6-vlan", true, UInt16?(100))] {
            var config = GeneratorConfig.demo(messagesPerConnection: 2)
            config.lossRate = 0.2
            config.ecnRate = 0.2
            config.rnrRate = 0.2
            config.ipv6 = ipv6
            config.vlan = vlan
            let generated = TrafficGenerator(config: config).generate().frames.prefix(48)
            let packets = generated.map { (timestamp: $0.timestamp, original: $0.bytes.count, bytes: Array($0.bytes.prefix(256))) }
            files.append(("rocegen-\(name).pcap", try pcap(packets)))
            files.append(("rocegen-\(name).pcapng", try pcapng(packets)))
            frames += generated.prefix(12).enumerated().map { ("rocegen-\(name)-\($0.offset)", $0.element.bytes) }
        }
        // The encoder: every defined opcode and the CNP, IPv4 in Ethernet, IPv6 in raw IP.
        for entry in OpcodeTable.entries where entry.isDefined {
            frames.append(("encoder-\(entry.name)-v4", PacketEncoder.encode(spec(entry.opcode, ipv6: false))))
            frames.append(("encoder-\(entry.name)-v6-raw", PacketEncoder.encode(spec(entry.opcode, ipv6: true))))
        }
        // Real rxe captures: their first 16 packets, snapped to 200 bytes.
        for path in captures {
            let reader = try CaptureReader(path: path)
            var packets: [(timestamp: Int64, original: Int, bytes: [UInt8])] = []
            while packets.count < 16, let p = try reader.next() {
                packets.append((p.timestampNanoseconds, p.originalLength, Array(p.data.prefix(200))))
            }
            let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            files.append(("shared-\(name).pcap", try pcap(packets)))
            frames.append(("shared-\(name)-0", packets.first?.bytes ?? []))
        }
        var seeds: [FuzzTarget: [(String, [UInt8])]] = [:]
        seeds[.capture] = files
        // Decoder: option byte 0 is Ethernet; 1 raw IP.
        seeds[.decoder] = frames.map { name, bytes in
            (name, [name.hasSuffix("-raw") ? 1 : 0] + bytes)
        }
        // Pipeline: once text, once JSON, periodic, dump, dump JSON with filters and bounds.
        let pipelineOptions: [[UInt8]] = [[0x00, 0x00], [0x01, 0x00], [0x0A, 0x03], [0x04, 0x08], [0x85, 0x4A], [0x46, 0x11]]
        seeds[.pipeline] = files.prefix(6).flatMap { name, bytes in
            pipelineOptions.map { ("\(name)-\($0[0])-\($0[1])", $0 + bytes) }
        }
        // Replay: each speed once over a capture, with pauses and pumps.
        seeds[.replay] = ReplayHarness.speeds.indices.map { i in
            let (name, bytes) = files[i % files.count]
            return ("\(name)-speed\(i)", [UInt8(i), 33, 4, 0xC0, 0x00, 0x40, 0xE0] + bytes)
        }
        // Probe events: rocegen's frames as XDP records (Ethernet) and one as an RDMA-mode record (IP).
        var records: [UInt8] = Array(repeating: 0, count: 8)
        for (i, (_, bytes)) in frames.prefix(24).enumerated() {
            var record = [UInt8]()
            append(&record, UInt64(1_000_000 * (i + 1)), size: 8)
            append(&record, 2, size: 4)
            append(&record, UInt64(bytes.count), size: 4)
            append(&record, UInt64(bytes.count), size: 4)
            record += [UInt8(i & 1), 0, UInt8(i & 1), 0]
            record += bytes
            append(&records, UInt64(record.count), size: 2)
            records += record
        }
        seeds[.probeEvent] = [("rocegen-records", records)]
        // The view: help, sorts, the detail, filters typed, a delay, resizes; rendered (0xEF)
        // with the help shown, in the detail and while a filter is typed.
        let keyScripts: [(String, String)] = [
            ("help", "?\u{EF}q"), ("sort", "s>><<r\u{88}"), ("detail", "\u{81}\u{81}\u{88}\u{EF}jjkq"),
            ("filter-write", "/wri\u{EF}te\u{88}"), ("filter-qpn", "/qpn:0x12\u{88}c"), ("filter-addr", "/10.0.0.2\u{88}"),
            ("delay", "d0.5\u{88}"), ("tab", "\u{8A}\u{81}\u{88}"), ("resize", "\u{F0}\u{28}\u{08}?\u{F1}\u{FF}\u{FF}"),
            ("pause", "p \u{A4}\u{A8}"), ("pages", "\u{85}\u{84}\u{87}\u{86}"),
        ]
        seeds[.view] = keyScripts.enumerated().map { i, script in
            (script.0, [UInt8(i % 8), 80, 24] + script.1.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) })
        }
        // The command line: the README's examples and the usage errors it names.
        let commandLines = [
            "--read capture.pcap", "--read capture.pcap --speed max", "--read capture.pcap --once",
            "--read capture.pcap --interval 1", "-r capture.pcap --once --json", "--read capture.pcap --dump --json",
            "-r - --once", "enp8s0 --once --interval 5 --json", "enp8s0 --count 10", "enp8s0 --dump -w roce.pcapng",
            "-r capture.pcap --dump --qpn 0x11 --opcode write", "--read f --addr 10.0.0.2 --port 4791",
            "--read f --opcode RC_RDMA_WRITE_FIRST", "--read f --pmtu 4096 --max-flows 10", "enp8s0 -s 96 --buffer-size 16",
            "enp8s0 --mode tc", "--read f --speed 0.5", "--help", "--version", "--read f --interval 0",
            "enp8s0 --once --format prometheus", "--read capture.pcap --once --format prometheus --metrics-qps 5",
            "enp8s0 --listen 127.0.0.1:9464", "enp8s0 --listen :9464 --format json --interval 5",
            "enp8s0 --listen [::1]:9464", "rxe0 --once --json", "--read f --listen :9464",
            "enp8s0 --listen 9464", "--read f --json --format text", "--read f --dump --format prometheus",
            "--read f --metrics-qps 0",
        ]
        seeds[.commandLine] = commandLines.enumerated().map { i, line in
            ("readme-\(i)", Array(line.split(separator: " ").joined(separator: "\0").utf8))
        }
        return seeds
    }

    static func spec(_ opcode: UInt8, ipv6: Bool) -> PacketSpec {
        let ethernet = ipv6 ? nil : EthernetHeader(destination: MACAddress(2), source: MACAddress(1), etherType: 0x0800)
        var spec = PacketSpec(ethernet: ethernet, source: IPAddress(ipv6 ? "fd00::1" : "10.0.0.1")!,
                              destination: IPAddress(ipv6 ? "fd00::2" : "10.0.0.2")!,
                              bth: BTH(opcode: opcode, destQP: 0x11, ackRequest: true, psn: 0xFF_FFFE))
        spec.ecn = .ce
        spec.rdeth = RDETH(eeContext: 1)
        spec.deth = DETH(qKey: 0x8001_0000, srcQP: 0xABC)
        spec.xrceth = XRCETH(srqNumber: 7)
        spec.reth = RETH(virtualAddress: 0x1000, rKey: 0x1234, dmaLength: 3000)
        spec.atomicETH = AtomicETH(virtualAddress: 0x2000, rKey: 0xCAFE, swapOrAdd: 1, compare: 2)
        spec.aeth = AETH(syndromeByte: 0x61, msn: 5)
        spec.atomicAckETH = AtomicAckETH(originalRemoteData: 3)
        spec.immediate = 0xDEAD_BEEF
        spec.invalidateRKey = 0x0BAD_F00D
        spec.feth = FETH(selectivityLevel: 1, placementType: 2)
        spec.payload = OpcodeTable[opcode].classes.contains(.payload) ? Array(0..<37) : []
        return spec
    }

    static func append(_ bytes: inout [UInt8], _ value: UInt64, size: Int) {
        for i in 0..<size { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * i))) }
    }

    typealias Packet = (timestamp: Int64, original: Int, bytes: [UInt8])

    /// A classic pcap of `packets`, in memory.
    static func pcap(_ packets: [Packet]) throws -> [UInt8] {
        try viaFile { fd in
            let writer = try PcapWriter(fileDescriptor: fd, linkType: PcapLinkType.ethernet)
            for p in packets { try writer.write(timestampNanoseconds: p.timestamp, originalLength: p.original, data: p.bytes) }
            try writer.close()
        }
    }

    /// A pcapng of `packets` on one Ethernet interface, in memory.
    static func pcapng(_ packets: [Packet]) throws -> [UInt8] {
        try viaFile { fd in
            let writer = try PcapNGWriter(fileDescriptor: fd)
            let id = try writer.addInterface(linkType: PcapLinkType.ethernet, name: "rocegen")
            for p in packets {
                try writer.write(interfaceID: id, timestampNanoseconds: p.timestamp, originalLength: p.original, data: p.bytes)
            }
            try writer.close()
        }
    }

    static func viaFile(_ body: (Int32) throws -> Void) throws -> [UInt8] {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rdmatop-seed-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: url.path, contents: nil),
              let handle = try? FileHandle(forWritingTo: url) else { throw CocoaError(.fileWriteUnknown) }
        defer { try? FileManager.default.removeItem(at: url) }
        try body(handle.fileDescriptor)
        try handle.close()
        return [UInt8](try Data(contentsOf: url))
    }
}

extension FuzzSeeds {
    /// Writes the seeds under `directory`/TARGET/, with the first packets of the captures in
    /// `capturesDirectory` (every .pcap there), if given.
    public static func write(to directory: String, capturesDirectory: String?) throws {
        let captures = try capturesDirectory.map { dir in
            try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".pcap") }.sorted()
                .map { dir + "/" + $0 }
        } ?? []
        for (target, seeds) in try make(captures: captures) {
            let folder = directory + "/" + target.rawValue
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for (name, bytes) in seeds {
                try Data(bytes).write(to: URL(fileURLWithPath: folder + "/seed-" + name))
            }
        }
    }
}
