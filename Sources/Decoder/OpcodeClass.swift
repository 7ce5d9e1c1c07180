/// Classification flags of an opcode, kept in the opcode table the way rxe's
/// `rxe_opcode.c` keeps its masks: what kind of operation a packet belongs to and where it
/// sits in its message.
public struct OpcodeClass: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Sent by a requester (SEND, WRITE, READ request, atomics, FLUSH).
    public static let request = OpcodeClass(rawValue: 1 << 0)
    /// Sent by a responder (READ responses, ACKs, atomic ACKs).
    public static let response = OpcodeClass(rawValue: 1 << 1)
    /// An Acknowledge or Atomic Acknowledge packet.
    public static let acknowledge = OpcodeClass(rawValue: 1 << 2)
    /// Part of a SEND message.
    public static let send = OpcodeClass(rawValue: 1 << 3)
    /// Part of an RDMA WRITE message (ATOMIC WRITE included).
    public static let write = OpcodeClass(rawValue: 1 << 4)
    /// An RDMA READ request or response.
    public static let read = OpcodeClass(rawValue: 1 << 5)
    /// An atomic operation or its acknowledgement (ATOMIC WRITE included).
    public static let atomic = OpcodeClass(rawValue: 1 << 6)
    /// A FLUSH request.
    public static let flush = OpcodeClass(rawValue: 1 << 7)
    /// Carries immediate data.
    public static let immediate = OpcodeClass(rawValue: 1 << 8)
    /// Carries an R_Key to invalidate.
    public static let invalidate = OpcodeClass(rawValue: 1 << 9)
    /// First packet of a multi-packet message.
    public static let first = OpcodeClass(rawValue: 1 << 10)
    /// Middle packet of a multi-packet message.
    public static let middle = OpcodeClass(rawValue: 1 << 11)
    /// Last packet of a multi-packet message.
    public static let last = OpcodeClass(rawValue: 1 << 12)
    /// The single packet of a one-packet message.
    public static let only = OpcodeClass(rawValue: 1 << 13)
    /// May carry a payload.
    public static let payload = OpcodeClass(rawValue: 1 << 14)
    /// A RoCEv2 Congestion Notification Packet.
    public static let cnp = OpcodeClass(rawValue: 1 << 15)
    /// Not defined by the IBTA for its transport (unknown, reserved or vendor-specific).
    public static let undefined = OpcodeClass(rawValue: 1 << 16)

    /// Packets that end a message (LAST or ONLY).
    public static let endOfMessage: OpcodeClass = [.last, .only]
    /// Packets that start a message (FIRST or ONLY).
    public static let startOfMessage: OpcodeClass = [.first, .only]

    /// Names accepted for each single flag by `--opcode` and the view's filter.
    public static let names: [(String, OpcodeClass)] = [
        ("request", .request), ("response", .response), ("ack", .acknowledge),
        ("send", .send), ("write", .write), ("read", .read), ("atomic", .atomic),
        ("flush", .flush), ("immediate", .immediate), ("invalidate", .invalidate),
        ("first", .first), ("middle", .middle), ("last", .last), ("only", .only),
        ("cnp", .cnp), ("unknown", .undefined),
    ]
}
