/// The unit of the timestamps of one capture interface: `10^-exponent` or `2^-exponent`
/// seconds.
public struct TimestampResolution: Sendable, Equatable, CustomStringConvertible {
    /// True when the unit is `2^-exponent` seconds, false when it is `10^-exponent` seconds.
    public var isPowerOfTwo: Bool
    /// The (positive) exponent of the unit.
    public var exponent: Int

    /// Creates a resolution of `10^-exponent` or `2^-exponent` seconds.
    public init(exponent: Int, isPowerOfTwo: Bool = false) {
        self.exponent = exponent
        self.isPowerOfTwo = isPowerOfTwo
    }

    /// Microseconds, the unit of classic pcap and the pcapng default.
    public static let microseconds = TimestampResolution(exponent: 6)
    /// Nanoseconds, the unit of nanosecond pcap and of what the writers produce.
    public static let nanoseconds = TimestampResolution(exponent: 9)

    /// Decodes the one-byte pcapng `if_tsresol` option: the top bit selects base 2.
    init(pcapngOptionValue value: UInt8) {
        self.init(exponent: Int(value & 0x7f), isPowerOfTwo: value & 0x80 != 0)
    }

    /// `"10^-6 s"` or `"2^-10 s"`.
    public var description: String {
        "\(isPowerOfTwo ? 2 : 10)^-\(exponent) s"
    }
}

/// One capture interface: what its packets' bytes start with and how they were captured.
///
/// A classic pcap file has exactly one, made from its file header. A pcapng file has one per
/// interface description block, numbered across all sections in file order (the packet's
/// `interfaceID` indexes `CaptureReader.interfaces`).
public struct CaptureInterface: Sendable, Equatable {
    /// The `LINKTYPE_` value (see `PcapLinkType`), without the FCS bits of a pcap header.
    public var linkType: UInt32
    /// The snapshot length: no packet was captured longer than this. 0 means "no limit".
    public var snapLength: Int
    /// The interface's name (pcapng `if_name`), if the file gives one.
    public var name: String?
    /// The unit of the interface's timestamps.
    public var timestampResolution: TimestampResolution
    /// Seconds added to every timestamp (pcapng `if_tsoffset`); 0 for classic pcap.
    public var timestampOffsetSeconds: Int64
    /// The number of frame check sequence bytes at the end of each packet, when the file says
    /// (the FCS bits of a pcap header, pcapng `if_fcslen`); nil when it does not.
    public var fcsLength: Int?
    /// The pcapng section (0-based) the interface belongs to; 0 for classic pcap.
    public var section: Int

    /// Creates an interface description.
    public init(linkType: UInt32, snapLength: Int, name: String? = nil,
                timestampResolution: TimestampResolution = .microseconds,
                timestampOffsetSeconds: Int64 = 0, fcsLength: Int? = nil, section: Int = 0) {
        self.linkType = linkType
        self.snapLength = snapLength
        self.name = name
        self.timestampResolution = timestampResolution
        self.timestampOffsetSeconds = timestampOffsetSeconds
        self.fcsLength = fcsLength
        self.section = section
    }
}
