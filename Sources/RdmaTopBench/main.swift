import Benchmark
import Foundation
import Monitor
import Report
import RoCE
import Stats
import View
#if canImport(Glibc)
import Glibc
#endif

// Per-packet costs of the decoder and the statistics engine, on packets built by the encoder,
// and the time of a snapshot of 10k QPs. Run with `make bench` (release build), which also
// runs bench/run. `rdmatop-bench fixtures DIR QPS` writes the captures bench/run uses.

if CommandLine.arguments.count > 1, CommandLine.arguments[1] == "fixtures" {
    do {
        try Fixtures.main(Array(CommandLine.arguments.dropFirst(2)))
        exit(0)
    } catch {
        print("rdmatop-bench: \(error)")
        exit(1)
    }
}

func packet(opcode: UInt8, payload: Int) -> [UInt8] {
    var spec = PacketSpec(ethernet: EthernetHeader(destination: MACAddress(2), source: MACAddress(1), etherType: 0),
                          source: IPAddress("10.0.0.1")!, destination: IPAddress("10.0.0.2")!,
                          bth: BTH(opcode: opcode, destQP: 0x11, psn: 1000))
    spec.aeth = AETH(.ack(credits: 31), msn: 1)
    spec.payload = (0..<payload).map { UInt8(truncatingIfNeeded: $0) }
    return PacketEncoder.encode(spec)
}

/// Keeps a result alive so the optimizer cannot drop the work.
@inline(never)
func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}

let ack = packet(opcode: 0x11, payload: 0)
let writeMiddle = packet(opcode: 0x07, payload: 1024)
let writeMiddle4K = packet(opcode: 0x07, payload: 4096)
let checking = PacketDecoder()
let notChecking = PacketDecoder(checksICRC: false)

benchmark("decode ACK (62 B) + ICRC") {
    try ack.withUnsafeBytes { raw in blackHole(try checking.decode(raw, linkType: .ethernet)) }
}
benchmark("decode WRITE_MIDDLE (1 KiB) + ICRC") {
    try writeMiddle.withUnsafeBytes { raw in blackHole(try checking.decode(raw, linkType: .ethernet)) }
}
benchmark("decode WRITE_MIDDLE (4 KiB) + ICRC") {
    try writeMiddle4K.withUnsafeBytes { raw in blackHole(try checking.decode(raw, linkType: .ethernet)) }
}
benchmark("decode WRITE_MIDDLE (1 KiB), no ICRC") {
    try writeMiddle.withUnsafeBytes { raw in blackHole(try notChecking.decode(raw, linkType: .ethernet)) }
}
benchmark("CRC-32 of 1 KiB") {
    writeMiddle.withUnsafeBytes { raw in blackHole(CRC32.checksum(raw)) }
}

// A stream of in-order WRITE MIDDLE packets on 16 QPs, as the engine sees traffic.
let stream: [RoCEPacket] = try (0..<4096).map { i in
    var spec = PacketSpec(ethernet: EthernetHeader(destination: MACAddress(2), source: MACAddress(1), etherType: 0),
                          source: IPAddress("10.0.0.1")!, destination: IPAddress("10.0.0.2")!,
                          bth: BTH(opcode: 0x07, destQP: UInt32(0x11 + i % 16), psn: UInt32(i / 16)))
    spec.payload = Array(repeating: 0, count: 1024)
    return try PacketEncoder.encode(spec).withUnsafeBytes { try notChecking.decode($0, linkType: .ethernet) }
}
let engine = StatsEngine()
var next = 0
var clock: Int64 = 1_000_000_000
benchmark("stats: ingest one packet (16 QPs, in order)") {
    var p = stream[next & 4095]
    p.bth.psn = UInt32(truncatingIfNeeded: next / 16) & 0xFF_FFFF  // every QP stays in order
    next += 1
    clock += 1000
    engine.ingest(p, frameLength: 1082, timestamp: clock, direction: .inbound)
}

// A real lossy run (Tests/Fixtures/rxe-matrix: ib_send_bw, 2 QPs, 10 % netem loss on the
// requester's side, 84 % of the requests resent): every resent packet makes the PSN ledger
// look through its pending losses and the PSNs it recently settled (up to 256 each), so this
// is the engine's cost per packet on the worst real traffic at hand, against the in-order
// stream above. The run is replayed in a loop, a new engine each time round.
let lossyRun = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Tests/Fixtures/rxe-matrix/send_bw-q2-m1024-req-l10.pcap").path
var lossy: [(packet: RoCEPacket, length: Int, time: Int64)] = []
try? CaptureFileSource(path: lossyRun, decoder: notChecking).forEach { decoded in
    if case .success(let p) = decoded.result {
        lossy.append((p, decoded.frame.originalLength, decoded.frame.timestampNanoseconds))
    }
}
if !lossy.isEmpty {
    var lossyEngine = StatsEngine(), lossyNext = 0
    benchmark("stats: ingest one packet of a real lossy run (send_bw, 10 % loss, \(lossy.count) packets)") {
        let (p, length, time) = lossy[lossyNext]
        lossyEngine.ingest(p, frameLength: length, timestamp: time, direction: .unknown)
        lossyNext += 1
        if lossyNext == lossy.count {
            lossyNext = 0
            lossyEngine = StatsEngine()
        }
    }
}

// A snapshot (text and JSON) of an engine holding 10k QPs, each with a few packets.
let tenK = StatsEngine()
for (i, f) in Fixtures.manyQPs(10_000, packetsPerQP: 2).enumerated() {
    let p = try f.withUnsafeBytes { try notChecking.decode($0, linkType: .ethernet) }
    tenK.ingest(p, frameLength: f.count, timestamp: 1_000_000_000 + Int64(i) * 1000, direction: .inbound)
}
let tenKSource = Snapshot.Source(kind: "file", file: "bench", mode: "file")
benchmark("snapshot of 10k QPs, text") {
    blackHole(Snapshot(engine: tenK, source: tenKSource).renderText())
}
benchmark("snapshot of 10k QPs, JSON") {
    blackHole(Snapshot(engine: tenK, source: tenKSource).jsonText())
}
// As `--once` writes them: to standard output's buffer in pieces, never one String.
var written = 0
benchmark("snapshot of 10k QPs, text, written in pieces") {
    Snapshot(engine: tenK, source: tenKSource).writeText { written &+= $0.count }
}
benchmark("snapshot of 10k QPs, JSON, written in pieces") {
    Snapshot(engine: tenK, source: tenKSource).writeJSON { written &+= $0.count }
}
benchmark("snapshot of 10k QPs, built (no rendering)") {
    blackHole(Snapshot(engine: tenK, source: tenKSource))
}

// The view's refresh with 10k QPs: the copy of the engine's counters, the rows filtered and
// sorted again, and a 200x50 screen rendered.
var tenKView = ViewModel(status: FeedStatus(kind: .file, name: "bench", mode: "file"))
benchmark("view: refresh and render, 10k QPs") {
    tenKView.refresh(ViewData(engine: tenK, status: FeedStatus(kind: .file, name: "bench", mode: "file")))
    blackHole(tenKView.render(width: 200, height: 50))
}

// A QPN flood between two hosts (5000 request flows), and ACKs from a UDP source port none
// of them uses: pairing is a lookup in the request-flow index, not a scan of the flows.
func flood(_ opcode: UInt8, from: String, to: String, qpn: UInt32, port: UInt16) -> RoCEPacket {
    var spec = PacketSpec(ethernet: EthernetHeader(destination: MACAddress(2), source: MACAddress(1), etherType: 0),
                          source: IPAddress(from)!, destination: IPAddress(to)!,
                          bth: BTH(opcode: opcode, destQP: qpn, ackRequest: true, psn: 7))
    spec.sourcePort = port
    if opcode == 0x11 { spec.aeth = AETH(.ack(credits: 31), msn: 1) } else { spec.payload = [1, 2, 3, 4] }
    return try! PacketEncoder.encode(spec).withUnsafeBytes { try notChecking.decode($0, linkType: .ethernet) }
}
let flooded = StatsEngine()
for q in 0..<5000 {
    flooded.ingest(flood(0x04, from: "10.0.0.1", to: "10.0.0.2", qpn: UInt32(0x1000 + q), port: UInt16(10_000 + q)),
                   frameLength: 70, timestamp: 1_000_000_000 + Int64(q), direction: .inbound)
}
let strayACK = flood(0x11, from: "10.0.0.2", to: "10.0.0.1", qpn: 0x99, port: 9)
benchmark("stats: ingest an unpaired ACK (5000 request flows between its hosts)") {
    clock += 1000
    flooded.ingest(strayACK, frameLength: 62, timestamp: clock, direction: .inbound)
}

// A Prometheus scrape's work with 10,000 QPs in the table: the exporter takes the snapshot
// (top 100 QPs, the rest folded into qpn="other") and renders the exposition.
let manyQPs = StatsEngine()
for qp in 0..<10_000 {
    var p = stream[0]
    p.bth.destQP = UInt32(0x1000 + qp)
    for n in 0..<(1 + qp % 3) {
        p.bth.psn = UInt32(n)
        manyQPs.ingest(p, frameLength: 1082, timestamp: 1_000_000_000 + Int64(qp * 3 + n) * 1000, direction: .inbound)
    }
}
let exporter = PrometheusExporter(topK: 100, version: "bench")
let source = Snapshot.Source(kind: "interface", interface: "bench0", mode: "xdp")
benchmark("prometheus: snapshot + update + render, 10k QPs (top 100)") {
    exporter.update(Snapshot(engine: manyQPs, source: source))
    blackHole(exporter.render())
}

benchmark("prometheus: snapshot of 10k QPs alone") {
    blackHole(Snapshot(engine: manyQPs, source: source))
}
let snap10k = Snapshot(engine: manyQPs, source: source)
benchmark("prometheus: update alone, 10k QPs") {
    exporter.update(snap10k)
}
// The same 10k QPs with one more packet each: every flow changed, none skipped. Updates
// alternate between the two snapshots (going back looks like an eviction: counted from 0).
for qp in 0..<10_000 {
    var p = stream[0]
    p.bth.destQP = UInt32(0x1000 + qp)
    p.bth.psn = 3
    manyQPs.ingest(p, frameLength: 1082, timestamp: 2_000_000_000 + Int64(qp) * 1000, direction: .inbound)
}
let snap10kNext = Snapshot(engine: manyQPs, source: source)
var flip = false
benchmark("prometheus: update alone, 10k QPs all changed") {
    flip.toggle()
    exporter.update(flip ? snap10kNext : snap10k)
}
benchmark("prometheus: render alone, top 100") {
    blackHole(exporter.render())
}

Benchmark.main()
