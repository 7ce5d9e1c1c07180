import RoCE

/// The reply bookkeeping of a flow that only the engine keeps (the counts of ACKs, NAKs and
/// congestion signals are `FlowCounts`, which the kernel keeps too).
public struct ResponseCounters: Sendable, Equatable {
    /// Replies to requests: ACKNOWLEDGE packets (ACKs, NAKs, RNR NAKs), READ responses and
    /// atomic acknowledgements, what a responder owes (ResponderModel).
    public var replyPackets: UInt64 = 0
    /// Those of them that answered requests from before the capture began: replies that came
    /// while no request flow was paired with this one, or before the responder's answers
    /// reached the first request the capture saw (it answers in order). They were owed by
    /// requests the capture never saw, so they are not set against the replies owed.
    public var earlyReplies: UInt64 = 0
    /// RNR NAKs by timer code.
    public var rnrTimers: [UInt8: UInt64] = [:]

    public init() {}
}

/// The start of a recent payload, for previews.
public struct PayloadPreview: Sendable, Equatable {
    public var timestamp: Int64
    public var opcode: UInt8
    public var psn: UInt32
    /// Payload length on the wire.
    public var length: Int
    /// Its first bytes, as captured.
    public var bytes: [UInt8]
}
