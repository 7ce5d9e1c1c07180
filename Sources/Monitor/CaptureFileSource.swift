import Capture
import Report
import RoCE

/// Reads a capture file and decodes every frame: the packet source behind `--read`.
public final class CaptureFileSource {
    private let reader: CaptureReader
    private let decoder: PacketDecoder
    /// Frames read so far.
    public private(set) var frameCount: UInt64 = 0

    /// Opens `path` ("-" for standard input).
    public init(path: String, decoder: PacketDecoder) throws(CaptureError) {
        reader = try CaptureReader(path: path)
        self.decoder = decoder
    }

    /// Calls `body` for each frame with its metadata, its captured bytes (valid during the
    /// call only) and the decode result, until the end of the file. A fault in the file is
    /// thrown after the frames before it have been handed over.
    public func forEach(
        _ body: (FrameInfo, UnsafeRawBufferPointer, Result<RoCEPacket, DecodeError>) throws -> Void
    ) throws {
        while let captured = try reader.next() {
            frameCount += 1
            let interfaceID = reader.format == .pcapng ? captured.interfaceID : nil
            let frame = FrameInfo(number: frameCount, timestampNanoseconds: captured.timestampNanoseconds,
                                  capturedLength: captured.data.count, originalLength: captured.originalLength,
                                  interfaceID: interfaceID, direction: captured.direction.roceDirection)
            let result: Result<RoCEPacket, DecodeError>
            if let linkType = RoCE.LinkType(pcapLinkType: captured.linkType) {
                do {
                    result = .success(try decoder.decode(captured.data, linkType: linkType,
                                                         originalLength: captured.originalLength))
                } catch {
                    result = .failure(error)
                }
            } else {
                result = .failure(.notRoCE(.unsupportedLinkType(captured.linkType)))
            }
            try body(frame, captured.data, result)
        }
    }
}

extension Capture.PacketDirection {
    /// The decoder's direction for a pcapng EPB direction.
    var roceDirection: RoCE.PacketDirection {
        switch self {
        case .inbound: .inbound
        case .outbound: .outbound
        default: .unknown
        }
    }
}
