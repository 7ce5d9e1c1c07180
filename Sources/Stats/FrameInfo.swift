import RoCE

/// What the source knows about one frame besides its bytes.
public struct FrameInfo: Sendable {
    /// 1-based frame number in the file or capture (Wireshark's `frame.number`).
    public var number: UInt64
    /// Nanoseconds since the epoch (0 when unknown).
    public var timestampNanoseconds: Int64
    /// Bytes captured.
    public var capturedLength: Int
    /// Bytes on the wire.
    public var originalLength: Int
    /// The pcapng interface, or the live interface index.
    public var interfaceID: Int?
    /// Direction, when the source knows it.
    public var direction: PacketDirection

    public init(number: UInt64, timestampNanoseconds: Int64, capturedLength: Int, originalLength: Int,
                interfaceID: Int? = nil, direction: PacketDirection = .unknown) {
        self.number = number
        self.timestampNanoseconds = timestampNanoseconds
        self.capturedLength = capturedLength
        self.originalLength = originalLength
        self.interfaceID = interfaceID
        self.direction = direction
    }
}
