import Testing
@testable import RoCE

/// Every error path of the decoder, and a fuzz run that must never trap.
@Suite struct DecodeErrorTests {
    /// Cutting a packet inside each header reports that header.
    @Test(arguments: [false, true])
    func truncationAtEachHeaderNamesTheHeader(ipv6: Bool) throws {
        for entry in OpcodeTable.entries where entry.isDefined {
            let eth = EthernetHeader(destination: macB, source: macA, outerTag: VLANTag(vid: 5),
                                     etherType: ipv6 ? 0x86DD : 0x0800)
            let bytes = PacketEncoder.encode(fullSpec(opcode: entry.opcode, ipv6: ipv6, ethernet: eth))
            let ipLayer: Layer = ipv6 ? .ipv6 : .ipv4
            var boundaries: [(Int, Layer)] = [(14, .ethernet), (18, .vlan), (18 + (ipv6 ? 40 : 20), ipLayer)]
            var end = boundaries.last!.0 + 8
            boundaries.append((end, .udp))
            end += 12
            boundaries.append((end, .bth))
            for header in entry.headers {
                end += header.size
                boundaries.append((end, .header(header)))
            }
            var start = 0
            for (boundary, layer) in boundaries {
                for cut in start..<boundary {
                    let result = decode(Array(bytes.prefix(cut)), originalLength: bytes.count)
                    #expect(result.error == .truncated(layer), "\(entry.name) cut at \(cut): \(String(describing: result.error))")
                }
                start = boundary
            }
            // Cut anywhere in the payload or ICRC: decoded, ICRC not checked.
            for cut in start..<bytes.count {
                let p = decode(Array(bytes.prefix(cut)), originalLength: bytes.count).value
                #expect(p?.icrcStatus == .notCaptured, "\(entry.name) cut at \(cut)")
            }
        }
    }

    @Test func otherTrafficIsNotRoCE() {
        var arp = PacketEncoder.encode(fullSpec(opcode: 0x04))
        arp[12] = 0x08; arp[13] = 0x06
        #expect(decode(arp).error == .notRoCE(.notIP(etherType: 0x0806)))

        var tcp = PacketEncoder.encode(fullSpec(opcode: 0x04))
        tcp[14 + 9] = 6
        #expect(decode(tcp).error == .notRoCE(.notUDP(protocol: 6)))

        var dns = PacketEncoder.encode(fullSpec(opcode: 0x04))
        dns[14 + 20 + 2] = 0; dns[14 + 20 + 3] = 53
        #expect(decode(dns).error == .notRoCE(.otherPort(53)))
        #expect(decode(dns).error?.isMalformed == false)

        var later = PacketEncoder.encode(fullSpec(opcode: 0x04))
        later[14 + 7] = 0x10  // fragment offset 16
        #expect(decode(later).error == .notRoCE(.laterFragment))

        var first = PacketEncoder.encode(fullSpec(opcode: 0x04))
        first[14 + 6] = 0x20  // more fragments
        #expect(decode(first).error == .fragmented)
        #expect(decode(first).error?.isMalformed == true)

        #expect(decode([0x50, 0, 0, 0], linkType: .rawIP).error == .notRoCE(.notIP(etherType: 0)))
        #expect(decode([], linkType: .rawIP).error == .truncated(.ipv4))
    }

    @Test func aConfiguredPortIsHonoured() {
        var spec = fullSpec(opcode: 0x04)
        spec.destinationPort = 4792
        let bytes = PacketEncoder.encode(spec)
        #expect(decode(bytes).error == .notRoCE(.otherPort(4792)))
        #expect(decode(bytes, decoder: PacketDecoder(udpPort: 4792)).value?.icrcStatus == .valid)
    }

    @Test func inconsistentLengthsAreTyped() {
        let good = PacketEncoder.encode(fullSpec(opcode: 0x0A, payload: Array(repeating: 1, count: 32)))
        let ip = 14, udp = 34

        var ihl = good
        ihl[ip] = 0x44
        #expect(decode(ihl).error == .inconsistentLength(.ipv4, .ipv4HeaderLength(16)))

        var version = good
        version[ip] = 0x65
        #expect(decode(version).error == .inconsistentLength(.ipv4, .ipVersion(6)))

        var tooLong = good
        tooLong[ip + 2] = 0x10  // total length 4096+ beyond the frame
        if case .inconsistentLength(.ipv4, .ipTotalLength) = decode(tooLong).error {} else {
            Issue.record("IP length beyond the frame: \(String(describing: decode(tooLong).error))")
        }

        var tooShort = good
        tooShort[ip + 2] = 0; tooShort[ip + 3] = 10
        #expect(decode(tooShort).error == .inconsistentLength(.ipv4, .ipTotalLength(10)))

        var udpShort = good
        udpShort[udp + 4] = 0; udpShort[udp + 5] = 7
        #expect(decode(udpShort).error == .inconsistentLength(.udp, .udpLength(7)))

        var udpLong = good
        udpLong[udp + 4] = 0x0F
        if case .inconsistentLength(.udp, .udpLength) = decode(udpLong).error {} else { Issue.record("UDP beyond IP") }

        var noRoomForBTH = good
        let shortUDP = 8 + 12  // no ICRC room
        noRoomForBTH[udp + 4] = 0; noRoomForBTH[udp + 5] = UInt8(shortUDP)
        #expect(decode(noRoomForBTH).error == .inconsistentLength(.bth, .headersExceedDatagram(needed: 16, available: 12)))

        var noRoomForRETH = good
        let withoutRETH = 8 + 12 + 8 + 4
        noRoomForRETH[udp + 4] = 0; noRoomForRETH[udp + 5] = UInt8(withoutRETH)
        #expect(decode(noRoomForRETH).error == .inconsistentLength(.header(.reth), .headersExceedDatagram(needed: 32, available: 24)))

        // An ACK has no payload: any pad count exceeds it.
        var ack = PacketEncoder.encode(fullSpec(opcode: 0x11))
        ack[udp + 8 + 1] |= 0x30
        #expect(decode(ack).error == .inconsistentLength(.payload, .padExceedsPayload(pad: 3, payload: 0)))
    }

    @Test func ipv6ExtensionHeadersAreWalked() throws {
        let plain = PacketEncoder.encode(fullSpec(opcode: 0x04, ipv6: true, ethernet: nil))
        // Insert an 8-byte destination-options header between IPv6 and UDP.
        var withExt = Array(plain.prefix(40)) + [17, 0, 1, 4, 0, 0, 0, 0] + Array(plain.dropFirst(40))
        withExt[6] = 60
        let payloadLength = Int(withExt[4]) << 8 | Int(withExt[5]) + 8
        withExt[4] = UInt8(payloadLength >> 8); withExt[5] = UInt8(payloadLength & 0xFF)
        let p = try #require(decode(withExt, linkType: .rawIP).value)
        #expect(p.ip.headerLength == 48)
        #expect(p.udp.destinationPort == 4791)
        #expect(decode(Array(withExt.prefix(44)), linkType: .rawIP, originalLength: withExt.count).error
                == .truncated(.ipv6Extension))
        // The same 8 bytes as a fragment header: next header UDP, offset 0, more fragments.
        var fragment = withExt
        fragment[6] = 44
        fragment[40] = 17; fragment[42] = 0; fragment[43] = 1
        #expect(decode(fragment, linkType: .rawIP).error == .fragmented)
        fragment[42] = 0; fragment[43] = 0x08  // offset 1
        #expect(decode(fragment, linkType: .rawIP).error == .notRoCE(.laterFragment))
    }

    @Test func vlanTagLimitStopsEndlessTags() {
        let tags = [UInt8](repeating: 0, count: 12) + Array(repeating: [0x81, 0x00, 0x00, 0x01], count: 20).flatMap { $0 }
        #expect(decode(tags).error == .notRoCE(.notIP(etherType: 0x8100)))
    }

    /// Random bytes, and random corruptions of valid packets, never trap: each yields a
    /// packet or a typed error, and a decoded packet's offsets lie inside the buffer.
    @Test func fuzzedInputNeverTraps() {
        var rng = SeededGenerator(seed: 0x5EED)
        let linkTypes: [LinkType] = [.ethernet, .linuxSLL, .linuxSLL2, .rawIP, .ipv4, .ipv6]
        let seeds = OpcodeTable.entries.filter(\.isDefined).flatMap { entry in
            [PacketEncoder.encode(fullSpec(opcode: entry.opcode)),
             PacketEncoder.encode(fullSpec(opcode: entry.opcode, ipv6: true,
                                           ethernet: EthernetHeader(destination: macB, source: macA, etherType: 0x86DD)))]
        }
        var decoded = 0, failed = 0
        for i in 0..<60_000 {
            var bytes: [UInt8]
            if i % 4 == 0 {
                bytes = (0..<Int.random(in: 0..<120, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            } else {
                bytes = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
                for _ in 0..<Int.random(in: 1...6, using: &rng) {
                    let at = Int.random(in: 0..<bytes.count, using: &rng)
                    bytes[at] = UInt8.random(in: 0...255, using: &rng)
                }
                if Bool.random(using: &rng) { bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng))) }
            }
            let linkType = i % 8 == 0 ? linkTypes[Int.random(in: 0..<linkTypes.count, using: &rng)] : .ethernet
            switch decode(bytes, linkType: linkType, originalLength: Int.random(in: 0...200, using: &rng)) {
            case .success(let p):
                decoded += 1
                #expect(p.payloadOffset <= bytes.count)
                #expect(p.payloadOffset + p.capturedPayloadLength <= bytes.count)
                #expect(p.payloadLength >= 0 && p.capturedPayloadLength <= p.payloadLength)
            case .failure:
                failed += 1
            }
        }
        #expect(decoded > 1000 && failed > 1000, "decoded \(decoded), failed \(failed)")
    }
}

@Suite struct FlowHintTests {
    @Test func aMalformedPacketStillNamesItsFlow() {
        var bytes = PacketEncoder.encode(fullSpec(opcode: 0x0A, payload: Array(repeating: 1, count: 16)))
        bytes[14 + 20 + 4] = 0; bytes[14 + 20 + 5] = 30  // a UDP length too short for the RETH
        #expect(decode(bytes).error?.isMalformed == true)
        let hint = bytes.withUnsafeBytes { PacketDecoder().flowHint($0, linkType: .ethernet) }
        #expect(hint?.source == ip4A && hint?.destination == ip4B && hint?.qpn == 0x12_3456)
        let other = bytes.withUnsafeBytes { PacketDecoder(udpPort: 9).flowHint($0, linkType: .ethernet) }
        #expect(other == nil)
        let short = Array(bytes.prefix(14 + 20 + 8 + 6))
        #expect(short.withUnsafeBytes { PacketDecoder().flowHint($0, linkType: .ethernet) } == nil)
    }
}
