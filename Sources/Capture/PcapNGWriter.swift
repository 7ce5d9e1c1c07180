import RoCE

/// Writes a pcapng file: one section, any number of interfaces, enhanced packet blocks with
/// nanosecond timestamps and, when known, the packet's direction.
///
/// Output is little-endian and buffered; call `close()` (or at least `flush()`) to be sure
/// everything reached the file and to see write errors.
/// A writer released without `close()` still flushes and closes its file, but can no longer
/// report a write error then. The file opens in Wireshark, tshark and
/// this module's `CaptureReader`.
///
/// ```swift
/// let writer = try PcapNGWriter(path: "out.pcapng")
/// let eth = try writer.addInterface(linkType: PcapLinkType.ethernet, name: "enp8s0")
/// try writer.write(interfaceID: eth, timestampNanoseconds: now, data: frame, direction: .inbound)
/// try writer.close()
/// ```
public final class PcapNGWriter {
    /// The default snapshot length of `addInterface`: libpcap's usual maximum.
    public static let defaultSnapLength = 262_144

    private let output: OutputFile
    private var snapLengths: [Int] = []

    /// The number of interfaces added so far (their ids are `0..<interfaceCount`).
    public var interfaceCount: Int { snapLengths.count }

    /// Creates the file at `path` (or replaces a regular file, as `creation` allows; never
    /// through a symbolic link) and starts a section; "-" writes to standard output.
    public convenience init(path: String, creation: OutputCreation = .replace) throws(CaptureError) {
        try self.init(output: OutputFile(path: path, creation: creation))
    }

    /// Writes to an open descriptor (a file, a pipe). The descriptor stays the caller's:
    /// `close()` flushes but does not close it.
    ///
    /// - Parameter name: what error messages call the output.
    public convenience init(fileDescriptor: Int32, name: String = "output") throws(CaptureError) {
        try self.init(output: OutputFile(descriptor: fileDescriptor, owned: false, name: name))
    }

    private init(output: OutputFile) throws(CaptureError) {
        self.output = output
        // Section header block: no options, section length unknown (-1).
        try output.appendU32(PcapNGBlockType.sectionHeader)
        try output.appendU32(28)
        try output.appendU32(pcapngByteOrderMagic)
        try output.appendU16(1)
        try output.appendU16(0)
        try output.appendU64(UInt64.max)
        try output.appendU32(28)
    }

    /// Describes a new interface (an interface description block with `if_tsresol` = 9, i.e.
    /// nanoseconds) and returns its id for `write`.
    ///
    /// - Parameters:
    ///   - linkType: the `LINKTYPE_` value of its packets (see `PcapLinkType`); must fit in 16 bits.
    ///   - snaplen: the snapshot length; longer packets are cut to it by `write`. 0 = no limit.
    ///   - name: written as `if_name` when given.
    @discardableResult
    public func addInterface(linkType: UInt32, snaplen: Int = PcapNGWriter.defaultSnapLength,
                             name: String? = nil) throws(CaptureError) -> Int {
        try output.checkOpen()
        guard let linkType16 = UInt16(exactly: linkType) else {
            throw CaptureError(.invalidArgument("link type \(linkType) does not fit in a pcapng interface description"),
                               source: output.name)
        }
        guard let snap32 = UInt32(exactly: snaplen) else {
            throw CaptureError(.invalidArgument("snapshot length \(snaplen) out of range"), source: output.name)
        }
        var nameBytes = Array((name ?? "").utf8)
        if nameBytes.count > 0xfff0 { nameBytes.removeLast(nameBytes.count - 0xfff0) }
        let nameOption = nameBytes.isEmpty ? 0 : 4 + padded(nameBytes.count)
        // if_tsresol (4 + 4 padded) and opt_endofopt (4).
        let length = 20 + nameOption + 8 + 4
        try output.appendU32(PcapNGBlockType.interfaceDescription)
        try output.appendU32(UInt32(length))
        try output.appendU16(linkType16)
        try output.appendU16(0)
        try output.appendU32(snap32)
        if !nameBytes.isEmpty {
            try output.appendU16(PcapNGOption.interfaceName)
            try output.appendU16(UInt16(nameBytes.count))
            try nameBytes.withUnsafeBytes { bytes in
                Result { () throws(CaptureError) in try output.append(bytes) }
            }.get()
            try output.appendZeroes(padded(nameBytes.count) - nameBytes.count)
        }
        try output.appendU16(PcapNGOption.timestampResolution)
        try output.appendU16(1)
        try output.appendU32(9)  // the value byte, then three bytes of padding (little-endian)
        try output.appendU32(0)  // opt_endofopt
        try output.appendU32(UInt32(length))
        snapLengths.append(snaplen)
        return snapLengths.count - 1
    }

    /// Writes one packet as an enhanced packet block.
    ///
    /// - Parameters:
    ///   - interfaceID: an id returned by `addInterface`.
    ///   - timestampNanoseconds: capture time since the Unix epoch; must not be negative.
    ///   - originalLength: the length on the wire; nil means `data.count`. Must be at least
    ///     `data.count`.
    ///   - data: the captured bytes; cut to the interface's snapshot length.
    ///   - direction: written as `epb_flags` unless `.unknown`.
    public func write(interfaceID: Int, timestampNanoseconds: Int64, originalLength: Int? = nil,
                      data: UnsafeRawBufferPointer, direction: PacketDirection = .unknown) throws(CaptureError) {
        try checkInterface(interfaceID)
        let original = originalLength ?? data.count
        guard original >= data.count, let original32 = UInt32(exactly: original) else {
            throw CaptureError(.invalidArgument("original length \(original) is below the \(data.count) captured bytes or too large"),
                               source: output.name)
        }
        guard timestampNanoseconds >= 0 else {
            throw CaptureError(.invalidArgument("negative timestamp \(timestampNanoseconds)"), source: output.name)
        }
        let snap = snapLengths[interfaceID]
        let captured = snap > 0 ? min(data.count, snap) : data.count
        let dataRoom = padded(captured)
        let optionsLength = direction == .unknown ? 0 : 12  // epb_flags + opt_endofopt
        let length = 32 + dataRoom + optionsLength
        guard length <= CaptureReader.maximumRecordSize else {
            throw CaptureError(.invalidArgument("packet of \(captured) bytes is too large"), source: output.name)
        }
        let counts = UInt64(timestampNanoseconds)
        try output.appendFields(28) { fields in
            fields.u32(PcapNGBlockType.enhancedPacket)
            fields.u32(UInt32(length))
            fields.u32(UInt32(interfaceID))
            fields.u32(UInt32(truncatingIfNeeded: counts >> 32))
            fields.u32(UInt32(truncatingIfNeeded: counts))
            fields.u32(UInt32(captured))
            fields.u32(original32)
        }
        try output.append(UnsafeRawBufferPointer(rebasing: data.prefix(captured)))
        try output.appendFields(3 + optionsLength + 4) { fields in
            // Padding to 4 bytes, then epb_flags and opt_endofopt, then the trailing length.
            for _ in captured..<dataRoom { fields.u8(0) }
            if direction != .unknown {
                fields.u16(PcapNGOption.packetFlags)
                fields.u16(4)
                fields.u32(UInt32(direction.rawValue))
                fields.u32(0)
            }
            fields.u32(UInt32(length))
        }
    }

    /// Writes one packet from an array; see `write(interfaceID:timestampNanoseconds:originalLength:data:direction:)`.
    public func write(interfaceID: Int, timestampNanoseconds: Int64, originalLength: Int? = nil,
                      data: [UInt8], direction: PacketDirection = .unknown) throws(CaptureError) {
        try data.withUnsafeBytes { bytes in
            Result { () throws(CaptureError) in
                try write(interfaceID: interfaceID, timestampNanoseconds: timestampNanoseconds,
                          originalLength: originalLength, data: bytes, direction: direction)
            }
        }.get()
    }

    /// Writes an interface statistics block, as dumpcap does at the end of a capture: the
    /// packets the interface's capture received (`isb_ifrecv`) and those it dropped
    /// (`isb_ifdrop`), which the file does not hold. Wireshark shows them in the capture
    /// file's properties.
    public func writeStatistics(interfaceID: Int, timestampNanoseconds: Int64, received: UInt64,
                                dropped: UInt64) throws(CaptureError) {
        try checkInterface(interfaceID)
        let counts = UInt64(max(0, timestampNanoseconds))
        // Interface id, timestamp, two 8-byte options and opt_endofopt.
        let length: UInt32 = 20 + 12 + 12 + 4 + 4
        try output.appendU32(PcapNGBlockType.interfaceStatistics)
        try output.appendU32(length)
        try output.appendU32(UInt32(interfaceID))
        try output.appendU32(UInt32(truncatingIfNeeded: counts >> 32))
        try output.appendU32(UInt32(truncatingIfNeeded: counts))
        for (code, value) in [(PcapNGOption.interfaceReceived, received), (PcapNGOption.interfaceDropped, dropped)] {
            try output.appendU16(code)
            try output.appendU16(8)
            try output.appendU64(value)
        }
        try output.appendU32(0)  // opt_endofopt
        try output.appendU32(length)
    }

    /// Throws unless the file is open and `interfaceID` was returned by `addInterface`.
    private func checkInterface(_ interfaceID: Int) throws(CaptureError) {
        try output.checkOpen()
        guard interfaceID >= 0 && interfaceID < snapLengths.count else {
            throw CaptureError(.invalidArgument("no interface \(interfaceID) (have \(snapLengths.count))"),
                               source: output.name)
        }
    }

    /// Writes the buffered blocks to the file.
    public func flush() throws(CaptureError) {
        try output.flush()
    }

    /// Flushes and closes the file (a descriptor passed in is left open). Later writes throw.
    public func close() throws(CaptureError) {
        try output.close()
    }
}

/// `size` rounded up to a multiple of 4.
@inline(__always)
func padded(_ size: Int) -> Int {
    (size + 3) & ~3
}
