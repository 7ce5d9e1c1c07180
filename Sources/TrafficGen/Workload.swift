/// What one simulated connection does.
public enum Workload: String, Sendable, CaseIterable, Codable {
    /// RC SEND messages, ACKed at the end of each message.
    case send
    /// RC RDMA WRITE messages.
    case write
    /// RC RDMA WRITE with immediate data.
    case writeImmediate = "write-imm"
    /// RC RDMA READ requests and their responses.
    case read
    /// RC FETCH & ADD and COMPARE & SWAP with their atomic ACKs.
    case atomic
    /// UD SEND ONLY datagrams (no acknowledgements).
    case ud
}

/// One simulated connection (a QP pair between host A and host B).
public struct ConnectionSpec: Sendable, Codable {
    public var workload: Workload
    /// Bytes per message (atomics ignore it; UD messages are capped at the path MTU).
    public var messageSize: Int
    /// Messages to send.
    public var messages: Int

    public init(workload: Workload, messageSize: Int, messages: Int) {
        self.workload = workload
        self.messageSize = messageSize
        self.messages = messages
    }
}

/// Everything the generator needs.
public struct GeneratorConfig: Sendable {
    public var seed: UInt64 = 1
    public var connections: [ConnectionSpec]
    /// Probability that a request packet is lost before the observation point (the capture
    /// is taken at the responder, like tcpdump on the receiving veth).
    public var lossRate: Double = 0
    /// Probability that a switch marks a data packet ECN CE; the responder answers with CNPs.
    public var ecnRate: Double = 0
    /// Probability that the responder answers a SEND with an RNR NAK (no receive buffer);
    /// the requester resends the message after the RNR timer.
    public var rnrRate: Double = 0
    /// Path MTU: payload bytes per packet.
    public var pathMTU = 1024
    /// IPv6 addresses instead of IPv4.
    public var ipv6 = false
    /// An 802.1Q tag on every frame.
    public var vlan: UInt16?
    /// Link speed used to space packets, in Gbit/s.
    public var linkGbps: Double = 10
    /// Which lap of a longer session this is: lap K's PSNs continue where lap K-1's ended.
    public var lap = 0
    /// Start time, nanoseconds since the epoch.
    public var startTime: Int64 = 1_767_225_600_000_000_000  // 2026-01-01

    public init(connections: [ConnectionSpec]) {
        self.connections = connections
    }

    /// A mix of every workload: the demo's default.
    public static func demo(messagesPerConnection: Int = 200) -> GeneratorConfig {
        var config = GeneratorConfig(connections: [
            ConnectionSpec(workload: .write, messageSize: 65536, messages: messagesPerConnection / 4),
            ConnectionSpec(workload: .send, messageSize: 4096, messages: messagesPerConnection),
            ConnectionSpec(workload: .read, messageSize: 16384, messages: messagesPerConnection / 2),
            ConnectionSpec(workload: .atomic, messageSize: 8, messages: messagesPerConnection),
            ConnectionSpec(workload: .writeImmediate, messageSize: 2048, messages: messagesPerConnection),
            ConnectionSpec(workload: .ud, messageSize: 512, messages: messagesPerConnection),
        ])
        config.lossRate = 0.01
        config.ecnRate = 0.02
        return config
    }
}
