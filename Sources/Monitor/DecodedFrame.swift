import Capture
import Report
import RoCE
import Stats

/// One frame of a capture file, decoded: what the file source and the replay hand on.
public struct DecodedFrame {
    public let frame: FrameInfo
    /// The captured bytes: borrowed from the reader, valid until it reads the next record.
    public let bytes: UnsafeRawBufferPointer
    public let result: Result<RoCEPacket, DecodeError>
    /// For a malformed frame, the flow its headers still name.
    public let flowHint: FlowKey?

    /// Decodes the `number`th frame of a capture in `format`.
    init(_ captured: CapturedPacket, number: UInt64, format: CaptureFormat, decoder: PacketDecoder) {
        frame = FrameInfo(number: number, timestampNanoseconds: captured.timestampNanoseconds,
                          capturedLength: captured.data.count, originalLength: captured.originalLength,
                          interfaceID: format == .pcapng ? captured.interfaceID : nil,
                          direction: captured.direction)
        bytes = captured.data
        guard let linkType = RoCE.LinkType(pcapLinkType: captured.linkType) else {
            result = .failure(.notRoCE(.unsupportedLinkType(captured.linkType)))
            flowHint = nil
            return
        }
        let decoded: Result<RoCEPacket, DecodeError>
        do {
            decoded = .success(try decoder.decode(captured.data, linkType: linkType, originalLength: captured.originalLength))
        } catch {
            decoded = .failure(error)
        }
        result = decoded
        flowHint = decoder.flowKeyHint(decoded, bytes: captured.data, linkType: linkType)
    }
}

extension StatsEngine {
    /// Counts a decoded capture frame.
    public func ingest(_ decoded: DecodedFrame) {
        ingest(decoded.result, frame: decoded.frame, bytes: decoded.bytes, flowHint: decoded.flowHint)
    }
}
