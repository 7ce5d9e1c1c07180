import Testing
@testable import Capture

/// Random mutations of small valid files: the reader must never trap; it either delivers
/// packets or reports a `CaptureError`, with a one-line message.
@Suite("mutated input")
struct FuzzTests {
    /// SplitMix64: a tiny seeded generator, so that a failure is reproducible.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
    }

    static let interesting: [UInt32] = [0, 1, 3, 4, 7, 8, 11, 12, 16, 28, 32, 0x7f, 0x80, 0xff, 0xffff, 0x1_0000,
                                        0x7fff_ffff, 0x8000_0000, 0xffff_fff0, 0xffff_fffc, 0xffff_ffff, 0x0a0d_0d0a,
                                        0x1a2b_3c4d, 0x4d3c_2b1a, 0x1000_0000, 0x0fff_fffc]

    static func mutate(_ input: [UInt8], _ rng: inout SeededGenerator) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            guard !bytes.isEmpty else { break }
            switch Int.random(in: 0..<7, using: &rng) {
            case 0:
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[i] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
            case 1:
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[i] = UInt8.random(in: 0...255, using: &rng)
            case 2 where bytes.count >= 4:
                let i = Int.random(in: 0...(bytes.count - 4) / 4, using: &rng) * 4
                let v = interesting.randomElement(using: &rng)!
                let bigEndian = Bool.random(using: &rng)
                for k in 0..<4 {
                    bytes[i + k] = UInt8(truncatingIfNeeded: v >> UInt32(8 * (bigEndian ? 3 - k : k)))
                }
            case 3:
                bytes.removeLast(Int.random(in: 0...bytes.count, using: &rng))
            case 4:
                let a = Int.random(in: 0..<bytes.count, using: &rng)
                let b = Int.random(in: a..<min(bytes.count, a + 64) + 1, using: &rng)
                bytes.insert(contentsOf: bytes[a..<b], at: Int.random(in: 0...bytes.count, using: &rng))
            case 5:
                let a = Int.random(in: 0..<bytes.count, using: &rng)
                let b = Int.random(in: a...min(bytes.count, a + 32), using: &rng)
                bytes.removeSubrange(a..<b)
            default:
                let i = Int.random(in: 0...bytes.count, using: &rng)
                bytes.insert(contentsOf: (0..<Int.random(in: 1...8, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: i)
            }
        }
        return bytes
    }

    static func run(_ base: [UInt8], seed: UInt64, iterations: Int, bufferSize: Int) {
        var rng = SeededGenerator(state: seed)
        var delivered = 0
        var failed = 0
        for _ in 0..<iterations {
            let input = mutate(base, &rng)
            let result = readAll(input, name: "fuzz", bufferSize: bufferSize, limit: 10_000)
            delivered += result.packets.count
            for packet in result.packets {
                #expect(packet.data.count <= input.count)
                #expect(packet.fileOffset >= 0 && packet.fileOffset < input.count)
            }
            if let error = result.error {
                failed += 1
                #expect(!error.description.contains("\n"))
                #expect(error.description.hasPrefix("fuzz: "))
                if let offset = error.offset { #expect(offset >= 0 && offset <= input.count) }
            }
        }
        // The mutations are mild enough that both outcomes occur.
        #expect(delivered > 0)
        #expect(failed > 0)
    }

    static var pcapngBase: [UInt8] {
        typealias V = PcapNGVector
        return V.sectionHeader(bigEndian: false)
            + V.interface(bigEndian: false, linkType: 1, snaplen: 96, name: "eth0", tsresol: 9, tsoffset: 5)
            + V.enhancedPacket(bigEndian: false, interface: 0, timestamp: 123, data: payload(30), flags: 1)
            + V.nameResolution(bigEndian: false)
            + V.simplePacket(bigEndian: false, originalLength: 120, data: payload(96))
            + V.sectionHeader(bigEndian: true)
            + V.interface(bigEndian: true, linkType: 228, tsresol: 0x80 | 20)
            + V.enhancedPacket(bigEndian: true, interface: 0, timestamp: 1 << 40, data: payload(17), flags: 2)
            + V.custom(bigEndian: true)
            + V.enhancedPacket(bigEndian: true, interface: 0, timestamp: 7, data: payload(5))
    }

    static var pcapBase: [UInt8] {
        PcapVector.file(bigEndian: false, nanoseconds: true, snaplen: 64, records: [
            .init(seconds: 1, fraction: 2, data: payload(40)),
            .init(seconds: 3, fraction: 4, data: payload(64), originalLength: 1000),
            .init(seconds: 5, fraction: 6, data: payload(3)),
        ])
    }

    @Test("mutated pcapng", arguments: [(UInt64(1), 64), (2, 1 << 20)])
    func pcapng(seed: UInt64, bufferSize: Int) {
        Self.run(Self.pcapngBase, seed: seed, iterations: 2500, bufferSize: bufferSize)
    }

    @Test("mutated pcap", arguments: [(UInt64(3), 64), (4, 1 << 20)])
    func pcap(seed: UInt64, bufferSize: Int) {
        Self.run(Self.pcapBase, seed: seed, iterations: 2500, bufferSize: bufferSize)
    }

    @Test("the unmutated bases read cleanly")
    func bases() {
        let ng = readAll(Self.pcapngBase)
        #expect(ng.error == nil)
        #expect(ng.packets.count == 4)
        let pcap = readAll(Self.pcapBase)
        #expect(pcap.error == nil)
        #expect(pcap.packets.count == 3)
    }
}
