import Monitor
import Report
import RoCE
import Stats

/// The decoder on one frame, its flow hint for a malformed one, and both per-packet dumps.
///
/// Input: one option byte (link type, ICRC check, original length), then the frame.
enum DecoderHarness {
    static let linkTypes: [LinkType] = [.ethernet, .rawIP, .linuxSLL, .linuxSLL2, .ipv4, .ipv6]

    static func run(_ bytes: UnsafeRawBufferPointer) {
        var input = FuzzInput(bytes)
        let options = input.byte()
        let linkType = linkTypes[Int(options & 7) % linkTypes.count]
        let decoder = PacketDecoder(checksICRC: options & 8 == 0)
        let frame = input.rest()
        // The original length: the frame's, or more (a snapped capture), or less (a lie).
        let originalLength: Int? = switch options >> 4 & 3 {
        case 0: nil
        case 1: frame.count + 64
        case 2: max(0, frame.count - 8)
        default: Int(options)
        }
        let result: Result<RoCEPacket, DecodeError>
        do {
            let packet = try decoder.decode(frame, linkType: linkType, originalLength: originalLength)
            let payload = packet.capturedPayload(in: frame)
            fuzzCheck(payload.isEmpty || (payload.baseAddress! >= frame.baseAddress!
                                          && payload.baseAddress! + payload.count <= frame.baseAddress! + frame.count),
                      "captured payload outside the frame")
            result = .success(packet)
        } catch {
            fuzzCheck(isOneLine(error.description), "decode error not one line: \(error.description)")
            result = .failure(error)
        }
        let hint = decoder.flowKeyHint(result, bytes: frame, linkType: linkType)
        let info = FrameInfo(number: 1, timestampNanoseconds: 1_767_225_600_000_000_000, capturedLength: frame.count,
                             originalLength: originalLength ?? frame.count, interfaceID: nil, direction: .unknown)
        for json in [false, true] {
            let line = PacketDump.render(result, frame: info, bytes: frame, filter: PacketFilter(), json: json,
                                         previewBytes: Int(options >> 6) * 32)
            blackHole(line)
        }
        blackHole(hint)
    }
}
