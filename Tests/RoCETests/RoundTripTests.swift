import Testing
@testable import RoCE

/// Encoder -> decoder round trips: every defined opcode, every framing, every field.
@Suite struct RoundTripTests {
    static let framings: [(String, EthernetHeader?)] = [
        ("plain", EthernetHeader(destination: macB, source: macA, etherType: 0)),
        ("802.1Q", EthernetHeader(destination: macB, source: macA,
                                  outerTag: VLANTag(priority: 3, vid: 100), etherType: 0)),
        ("QinQ", EthernetHeader(destination: macB, source: macA,
                                outerTag: VLANTag(tpid: 0x88A8, priority: 5, dropEligible: true, vid: 7),
                                innerTag: VLANTag(priority: 3, vid: 4094), etherType: 0)),
        ("raw IP", nil),
    ]

    @Test(arguments: [false, true])
    func everyDefinedOpcodeRoundTrips(ipv6: Bool) throws {
        for (framingName, ethernet) in Self.framings {
            for entry in OpcodeTable.entries where entry.isDefined {
                var eth = ethernet
                eth?.etherType = ipv6 ? 0x86DD : 0x0800
                let spec = fullSpec(opcode: entry.opcode, ipv6: ipv6, ethernet: eth)
                let bytes = PacketEncoder.encode(spec)
                let packet = try #require(
                    decode(bytes, linkType: eth == nil ? .rawIP : .ethernet).value,
                    "\(entry.name) \(framingName) ipv6=\(ipv6)")
                check(packet, against: spec, info: entry, bytes: bytes)
            }
        }
    }

    func check(_ p: RoCEPacket, against spec: PacketSpec, info: OpcodeInfo, bytes: [UInt8]) {
        let label = Comment(rawValue: info.name)
        #expect(p.ethernet == spec.ethernet, label)
        #expect(p.ip.source == spec.source, label)
        #expect(p.ip.destination == spec.destination, label)
        #expect(p.ip.dscp == spec.dscp && p.ip.ecn == spec.ecn && p.ip.ttl == spec.ttl, label)
        #expect(p.ip.version == (spec.source.isIPv4 ? 4 : 6))
        if !spec.source.isIPv4 { #expect(p.ip.flowLabel == spec.flowLabel) }
        #expect(p.udp.sourcePort == spec.sourcePort && p.udp.destinationPort == 4791, label)
        var bth = spec.bth
        bth.padCount = UInt8((4 - spec.payload.count % 4) % 4)
        #expect(p.bth == bth, label)
        #expect(p.opcodeInfo.name == info.name)
        let has = Set(info.headers)
        #expect(p.rdeth == (has.contains(.rdeth) ? spec.rdeth : nil), label)
        #expect(p.deth == (has.contains(.deth) ? spec.deth : nil), label)
        #expect(p.xrceth == (has.contains(.xrceth) ? spec.xrceth : nil), label)
        #expect(p.reth == (has.contains(.reth) ? spec.reth : nil), label)
        #expect(p.atomicETH == (has.contains(.atomicETH) ? spec.atomicETH : nil), label)
        #expect(p.aeth == (has.contains(.aeth) ? spec.aeth : nil), label)
        #expect(p.atomicAckETH == (has.contains(.atomicAckETH) ? spec.atomicAckETH : nil), label)
        #expect(p.immediate == (has.contains(.immDt) ? spec.immediate : nil), label)
        #expect(p.invalidateRKey == (has.contains(.ieth) ? spec.invalidateRKey : nil), label)
        #expect(p.feth == (has.contains(.feth) ? spec.feth : nil), label)
        #expect(p.payloadLength == spec.payload.count, label)
        #expect(p.capturedPayloadLength == spec.payload.count, label)
        #expect(Array(bytes[p.payloadOffset..<(p.payloadOffset + p.payloadLength)]) == spec.payload, label)
        #expect(p.payloadOffset == p.bthOffset + BTH.size + info.headersLength, label)
        #expect(p.icrcStatus == .valid, label)
        #expect(p.wireLength == bytes.count)
    }

    @Test func payloadAndPadLengthsFollowTheUDPLength() throws {
        for length in 0..<9 {
            let spec = fullSpec(opcode: 0x04, payload: Array(repeating: 0x41, count: length))
            let bytes = PacketEncoder.encode(spec)
            let p = try #require(decode(bytes).value)
            #expect(Int(p.bth.padCount) == (4 - length % 4) % 4)
            #expect(p.payloadLength == length)
            // UDP length = 8 + BTH + payload + pad + ICRC.
            #expect(p.udp.length == 8 + 12 + length + Int(p.bth.padCount) + 4)
        }
    }

    @Test func linuxCookedCapturesGiveTheDirection() throws {
        let ipPacket = PacketEncoder.encode(fullSpec(opcode: 0x11, ethernet: nil))
        // SLL v1: packet type, ARPHRD_ETHER, address length 6, address, protocol.
        for (packetType, direction) in [(UInt16(0), PacketDirection.inbound), (4, .outbound), (9, .unknown)] {
            let sll: [UInt8] = [UInt8(packetType >> 8), UInt8(packetType & 0xFF), 0, 1, 0, 6] + macA.bytes + [0, 0, 0x08, 0x00]
            let p = try #require(decode(sll + ipPacket, linkType: .linuxSLL).value)
            #expect(p.linkDirection == direction)
            #expect(p.icrcStatus == .valid)
            #expect(p.ipOffset == 16)
            // SLL v2: protocol, reserved, ifindex, ARPHRD, packet type, address length, address.
            let sll2: [UInt8] = [0x08, 0x00, 0, 0, 0, 0, 0, 3, 0, 1, UInt8(packetType), 6] + macA.bytes + [0, 0]
            let p2 = try #require(decode(sll2 + ipPacket, linkType: .linuxSLL2).value)
            #expect(p2.linkDirection == direction)
            #expect(p2.ipOffset == 20)
        }
    }

    @Test func rawIPv4AndIPv6LinkTypes() throws {
        let v4 = PacketEncoder.encode(fullSpec(opcode: 0x04, ethernet: nil))
        let v6 = PacketEncoder.encode(fullSpec(opcode: 0x04, ipv6: true, ethernet: nil))
        #expect(decode(v4, linkType: .ipv4).value?.ip.version == 4)
        #expect(decode(v6, linkType: .ipv6).value?.ip.version == 6)
        #expect(decode(v4, linkType: .rawIP).value?.ip.version == 4)
        #expect(decode(v6, linkType: .rawIP).value?.ip.version == 6)
        #expect(decode(v4, linkType: .ipv6).error == .truncated(.ipv6) || decode(v4, linkType: .ipv6).error != nil)
    }

    @Test func ethernetTrailerIsIgnored() throws {
        // Short frames are padded to 60 bytes on the wire; the IP length decides.
        var bytes = PacketEncoder.encode(fullSpec(opcode: 0x11))
        bytes += [0, 0, 0, 0, 0, 0]
        let p = try #require(decode(bytes).value)
        #expect(p.icrcStatus == .valid)
        #expect(p.wireLength == bytes.count)
    }

    @Test func unknownAndVendorOpcodesDecodeAsFarAsTheBTH() throws {
        for opcode: UInt8 in [0x18, 0x60, 0x80, 0xC3, 0xE0, 0xFF] {
            var spec = fullSpec(opcode: opcode)
            spec.payload = Array(repeating: 0x55, count: 10)
            let p = try #require(decode(PacketEncoder.encode(spec)).value)
            #expect(!p.opcodeInfo.isDefined)
            #expect(p.bth.opcode == opcode)
            #expect(p.payloadLength == 10)
            #expect(p.icrcStatus == .valid)
        }
    }

    @Test func syndromesDecodeAsRoceMdSays() {
        #expect(AETHSyndrome(byte: 0x60) == .nak(.psnSequenceError))
        #expect(AETHSyndrome(byte: 0x2E) == .rnrNak(timer: 14))
        #expect(AETHSyndrome.rnrTimerDescription(14) == "1.28 ms")
        #expect(AETHSyndrome.rnrTimerDescription(0) == "655.36 ms")
        #expect(AETHSyndrome.rnrTimerDescription(31) == "491.52 ms")
        #expect(AETHSyndrome.rnrTimerDescription(1) == "0.01 ms")
        #expect(AETHSyndrome(byte: 0x1F) == .ack(credits: 31))
        #expect(AETHSyndrome(byte: 0x61) == .nak(.invalidRequest))
        #expect(AETHSyndrome(byte: 0x62) == .nak(.remoteAccessError))
        #expect(AETHSyndrome(byte: 0x63) == .nak(.remoteOperationalError))
        #expect(AETHSyndrome(byte: 0x64) == .nak(.invalidRDRequest))
        #expect(AETHSyndrome(byte: 0x40) == .reserved(0x40))
        #expect(AETHSyndrome(byte: 0x80) == .reserved(0x80))
        for byte in 0...255 {
            let s = AETHSyndrome(byte: UInt8(byte))
            #expect(s.byte == UInt8(byte), "syndrome \(byte) round trips")
        }
    }

    @Test func addressesParseAndPrint() {
        #expect(IPAddress("10.0.0.1")?.description == "10.0.0.1")
        #expect(IPAddress("fd00::1")?.description == "fd00::1")
        #expect(IPAddress("2001:db8:0:0:1:0:0:1")?.description == "2001:db8::1:0:0:1")
        #expect(IPAddress("::")?.description == "::")
        #expect(IPAddress("::ffff:10.1.2.3")?.description == "::ffff:10.1.2.3")
        #expect(IPAddress("1:2:3:4:5:6:7:8")?.description == "1:2:3:4:5:6:7:8")
        #expect(IPAddress("256.0.0.1") == nil)
        #expect(IPAddress("1::2::3") == nil)
        #expect(IPAddress("10.0.0") == nil)
        #expect(IPAddress("10.0.0.1")! != IPAddress("::ffff:10.0.0.1")!)
        #expect(MACAddress("02:00:00:00:00:0a") == macA)
        #expect(macA.description == "02:00:00:00:00:0a")
    }
}
