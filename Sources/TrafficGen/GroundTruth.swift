/// What the generator did, per flow, for tests to compare rdmatop's analysis with. Counts
/// are of what the observation point (the responder's side) saw.
public struct GroundTruth: Codable, Sendable {
    public struct Flow: Codable, Sendable {
        public var src: String
        public var dst: String
        public var qpn: UInt32
        public var transport: String
        public var packets: UInt64 = 0
        public var bytes: UInt64 = 0
        public var payloadBytes: UInt64 = 0
        public var opcodes: [String: UInt64] = [:]
        /// Request packets lost before the observation point.
        public var lost: UInt64 = 0
        /// Losses a later packet revealed before the retransmission came: each lost
        /// transmission of a PSN counts (a resent packet lost again is missing again).
        public var psnGaps: UInt64 = 0
        /// Resent packets (after a NAK, an RNR NAK or a timeout) at or behind the highest PSN
        /// the observer had seen: the retransmissions an observer can tell.
        public var retransmissions: UInt64 = 0
        /// Retransmission rounds started by a timeout (no NAK could be sent).
        public var timeouts: UInt64 = 0
        /// NAKs sent on this flow, by code name.
        public var naks: [String: UInt64] = [:]
        /// RNR NAKs sent on this flow.
        public var rnrNaks: UInt64 = 0
        public var acks: UInt64 = 0
        public var cnps: UInt64 = 0
        public var ecnCE: UInt64 = 0
        /// Messages completed (LAST or ONLY packets seen, retransmissions excluded).
        public var messages: UInt64 = 0

        enum CodingKeys: String, CodingKey {
            case src, dst, qpn, transport, packets, bytes, opcodes, lost, retransmissions, timeouts, naks, acks, cnps, messages
            case rnrNaks = "rnr_naks"
            case payloadBytes = "payload_bytes"
            case psnGaps = "psn_gaps"
            case ecnCE = "ecn_ce"
        }
    }

    public var packets: UInt64 = 0
    public var flows: [Flow] = []
}
