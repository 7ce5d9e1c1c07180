import Testing
@testable import RoCE

/// The ConnectX-4 Lx CNP of ../shared/reference/roce.md.
let cnpVector = hexBytes("""
    e41d 2dab 2bc2 7cfe 9064 3b32 0800 45c2 003c 718c 4000 4011 9161 0a00 1101 0a00
    1201 0000 12b7 0028 0000 8100 ffff 4000 0118 0000 0000 0000 0000 0000 0000 0000
    0000 0000 0000 82fd 002a
    """)

@Suite struct ICRCTests {
    @Test func crc32MatchesTheStandardCheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
        // A bit-at-a-time CRC, written here, against libdeflate's on a long input, whole and
        // fed in pieces through the running register (as the ICRC feeds it).
        let long = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        var bytewise: UInt32 = 0xFFFF_FFFF
        for b in long {
            bytewise ^= UInt32(b)
            for _ in 0..<8 { bytewise = bytewise & 1 != 0 ? 0xEDB8_8320 ^ (bytewise >> 1) : bytewise >> 1 }
        }
        #expect(CRC32.checksum(long) == ~bytewise)
        for cuts in [[0, 1000], [0, 1, 1000], [0, 7, 8, 9, 500, 999, 1000], [0, 0, 64, 64, 1000]] {
            var register = CRC32.initial
            long.withUnsafeBytes { raw in
                for (a, b) in zip(cuts, cuts.dropFirst()) {
                    register = CRC32.update(register, UnsafeRawBufferPointer(rebasing: raw[a..<b]))
                }
            }
            #expect(register == bytewise, "cut at \(cuts)")
        }
    }

    @Test func connectXCNPVectorDecodesAndItsICRCChecks() throws {
        let packet = try #require(decode(cnpVector).value)
        #expect(packet.icrcStatus == .valid)
        #expect(packet.icrc == 0x2A00_FD82)  // bytes 82 fd 00 2a, little-endian
        #expect(packet.udp.sourcePort == 0)
        #expect(packet.udp.destinationPort == 4791)
        #expect(packet.ip.dscp == 48)
        #expect(packet.ip.ecn == .ect0)
        #expect(packet.bth.opcode == 0x81)
        #expect(packet.opcodeInfo.name == "CNP")
        #expect(packet.bth.becn)
        #expect(!packet.bth.fecn)
        #expect(packet.bth.destQP == 0x118)
        #expect(packet.ip.source.description == "10.0.17.1")
        #expect(packet.ip.destination.description == "10.0.18.1")
        #expect(packet.payloadLength == 0)
    }

    @Test func everyFlippedBitOfTheCNPIsCaughtOrMasked() {
        // Flipping a bit the ICRC covers must make it fail; flipping a masked (variant)
        // field must not.
        let ipStart = 14
        let masked: Set<Int> = [ipStart + 1, ipStart + 8, ipStart + 10, ipStart + 11,  // TOS, TTL, checksum
                                ipStart + 20 + 6, ipStart + 20 + 7,  // UDP checksum
                                ipStart + 28 + 4]  // BTH byte 4
        for byte in ipStart..<(cnpVector.count - 4) {
            var copy = cnpVector
            copy[byte] ^= 0x01
            guard let packet = decode(copy).value else { continue }  // a length field broke the frame
            if masked.contains(byte) {
                #expect(packet.icrcStatus == .valid, "byte \(byte) is a variant field")
            } else if case .invalid = packet.icrcStatus {
            } else {
                Issue.record("flipping byte \(byte) went unnoticed: \(packet.icrcStatus)")
            }
        }
    }

    @Test func encoderProducesValidICRCsForIPv4AndIPv6() throws {
        for ipv6 in [false, true] {
            for opcode in OpcodeTable.entries where opcode.isDefined {
                var spec = fullSpec(opcode: opcode.opcode, ipv6: ipv6)
                spec.ethernet?.etherType = ipv6 ? 0x86DD : 0x0800
                let packet = try #require(decode(PacketEncoder.encode(spec)).value)
                #expect(packet.icrcStatus == .valid, "\(opcode.name) ipv6=\(ipv6)")
            }
        }
    }

    @Test func aCorruptICRCIsReportedWithTheExpectedValue() throws {
        var spec = fullSpec(opcode: 0x04)
        let good = try #require(decode(PacketEncoder.encode(spec)).value)
        spec.icrcOverride = 0x1234_5678
        let bad = try #require(decode(PacketEncoder.encode(spec)).value)
        #expect(bad.icrcStatus == .invalid(stored: 0x1234_5678, computed: good.icrc!))
    }

    @Test func snapLengthTruncatedPacketsAreNotChecked() throws {
        let bytes = PacketEncoder.encode(fullSpec(opcode: 0x0A, payload: Array(repeating: 7, count: 200)))
        let cut = Array(bytes.prefix(100))
        let packet = try #require(decode(cut, originalLength: bytes.count).value)
        #expect(packet.icrcStatus == .notCaptured)
        #expect(packet.icrc == nil)
        #expect(packet.payloadLength == 200)
        #expect(packet.capturedPayloadLength == 100 - packet.payloadOffset)
    }

    @Test func checkingCanBeSwitchedOff() throws {
        let packet = try #require(decode(cnpVector, decoder: PacketDecoder(checksICRC: false)).value)
        #expect(packet.icrcStatus == .notChecked)
    }
}
