import RoCE
import Stats

/// The dump of one frame, text or JSON, or nil when the frame is not shown (not RoCE, or
/// filtered out; malformed frames are shown only without a filter, which they cannot match).
public enum PacketDump {
    public static func render(_ result: Result<RoCEPacket, DecodeError>, frame: FrameInfo,
                              bytes: UnsafeRawBufferPointer, filter: PacketFilter, json: Bool,
                              previewBytes: Int) -> String? {
        switch result {
        case .success(let packet) where filter.matches(packet):
            return json ? PacketDumpJSON.render(packet, frame: frame, bytes: bytes)
                        : PacketDumpText.render(packet, frame: frame, bytes: bytes, previewBytes: previewBytes)
        case .failure(let error) where error.isMalformed && filter.isEmpty:
            return json ? PacketDumpJSON.render(error: error, frame: frame)
                        : PacketDumpText.render(error: error, frame: frame)
        default:
            return nil
        }
    }
}
