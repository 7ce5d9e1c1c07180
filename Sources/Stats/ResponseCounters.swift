import RoCE

/// Acknowledgements, NAKs and congestion signals a flow carries.
public struct ResponseCounters: Sendable, Equatable {
    /// AETH ACKs (Acknowledge, Atomic Acknowledge and READ responses with an AETH).
    public var acks: UInt64 = 0
    /// Replies to requests: ACKNOWLEDGE packets (ACKs, NAKs, RNR NAKs), READ responses and
    /// atomic acknowledgements, what a responder owes (ResponderModel).
    public var replyPackets: UInt64 = 0
    /// NAKs by code name ("psn_sequence_error", ...).
    public var naks: [String: UInt64] = [:]
    /// RNR NAKs.
    public var rnrNaks: UInt64 = 0
    /// RNR NAKs by timer code.
    public var rnrTimers: [UInt8: UInt64] = [:]
    /// CNPs (opcode 0x81).
    public var cnps: UInt64 = 0
    /// Packets with IP ECN = CE.
    public var ecnCE: UInt64 = 0
    /// Packets with the BTH FECN / BECN bits set.
    public var fecn: UInt64 = 0
    public var becn: UInt64 = 0

    public init() {}

    /// All NAKs (RNR NAKs excluded).
    public var nakCount: UInt64 { naks.values.reduce(0, +) }
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
