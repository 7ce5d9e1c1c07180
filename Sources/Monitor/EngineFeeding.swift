import Report
import RoCE
import Stats

extension StatsEngine {
    /// Counts one decoded frame, whatever the decoder made of it: a RoCEv2 packet (with its
    /// payload, for previews), a malformed one, or other traffic.
    public func ingest(_ result: Result<RoCEPacket, DecodeError>, frame: FrameInfo, bytes: UnsafeRawBufferPointer) {
        switch result {
        case .success(let packet):
            ingest(packet, payload: packet.capturedPayload(in: bytes), frameLength: frame.originalLength,
                   timestamp: frame.timestampNanoseconds, direction: frame.direction)
        case .failure(let error) where error.isMalformed:
            ingestMalformed(error, frameLength: frame.originalLength, timestamp: frame.timestampNanoseconds,
                            frameNumber: frame.number)
        case .failure:
            ingestOther(frameLength: frame.originalLength, timestamp: frame.timestampNanoseconds)
        }
    }
}
