import RoCE

extension StatsEngine {
    /// Counts one decoded frame, whatever the decoder made of it: a RoCEv2 packet (with its
    /// payload, for previews), a malformed one, or other traffic.
    ///
    /// - Parameter flowHint: for a malformed frame, the flow its BTH still names, if any.
    public func ingest(_ result: Result<RoCEPacket, DecodeError>, frame: FrameInfo, bytes: UnsafeRawBufferPointer,
                       flowHint: FlowKey? = nil) {
        switch result {
        case .success(let packet):
            ingest(packet, payload: packet.capturedPayload(in: bytes), frameLength: frame.originalLength,
                   timestamp: frame.timestampNanoseconds, direction: frame.direction)
        case .failure(let error) where error.isMalformed:
            ingestMalformed(error, flow: flowHint, frameLength: frame.originalLength,
                            timestamp: frame.timestampNanoseconds, frameNumber: frame.number)
        case .failure:
            ingestOther(frameLength: frame.originalLength, timestamp: frame.timestampNanoseconds)
        }
    }
}

extension PacketDecoder {
    /// The flow a malformed frame's headers still name, as a `FlowKey`.
    public func flowKeyHint(_ result: Result<RoCEPacket, DecodeError>, bytes: UnsafeRawBufferPointer,
                            linkType: LinkType) -> FlowKey? {
        guard case .failure(let error) = result, error.isMalformed,
              let hint = flowHint(bytes, linkType: linkType) else { return nil }
        return FlowKey(source: hint.source, destination: hint.destination, qpn: hint.qpn)
    }
}
