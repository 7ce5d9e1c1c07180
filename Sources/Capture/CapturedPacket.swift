import RoCE

/// One packet as the reader hands it out.
///
/// `data` is borrowed: it points into the reader's input buffer and stays valid only until the
/// next call to `CaptureReader.next()` (or until the reader is released). Copy the bytes out
/// (`Array(packet.data)`) to keep them longer.
public struct CapturedPacket {
    /// Capture time in nanoseconds since the Unix epoch, interface offset applied; 0 when the
    /// file does not record one (pcapng simple packet blocks).
    public var timestampNanoseconds: Int64
    /// Index into `CaptureReader.interfaces` (always 0 for classic pcap). Unique across the
    /// sections of a pcapng file.
    public var interfaceID: Int
    /// The interface's `LINKTYPE_` value (see `PcapLinkType`).
    public var linkType: UInt32
    /// The packet's length on the wire, as the file records it. It is normally at least
    /// `data.count`; when shorter, the capture was truncated to the snapshot length.
    public var originalLength: Int
    /// The pcapng direction flag, `.unknown` when absent or for classic pcap.
    public var direction: PacketDirection
    /// Byte offset, in the input, of the record or block that holds the packet.
    public var fileOffset: Int
    /// The captured bytes, borrowed from the reader's buffer (see the type's documentation).
    public var data: UnsafeRawBufferPointer

    /// Creates a packet description (the reader makes these; tests and tools may too).
    public init(timestampNanoseconds: Int64, interfaceID: Int, linkType: UInt32,
                originalLength: Int, direction: PacketDirection, fileOffset: Int,
                data: UnsafeRawBufferPointer) {
        self.timestampNanoseconds = timestampNanoseconds
        self.interfaceID = interfaceID
        self.linkType = linkType
        self.originalLength = originalLength
        self.direction = direction
        self.fileOffset = fileOffset
        self.data = data
    }

    /// The number of bytes captured (`data.count`).
    @inlinable
    public var capturedLength: Int { data.count }
}

extension UInt32 {
    /// The value as an `Int`, or `Int.max` where `Int` is too narrow to hold it (32-bit
    /// platforms), so that later bounds checks reject it instead of a conversion trapping.
    @inline(__always)
    var asInt: Int { Int(exactly: self) ?? Int.max }
}
