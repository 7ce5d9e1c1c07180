/// Writes a classic pcap file with nanosecond timestamps (magic 0xa1b23c4d, little-endian)
/// and one link type — the format tcpreplay and every libpcap-based tool read.
///
/// Output is buffered; call `close()` (or at least `flush()`) to be sure everything reached
/// the file and to see write errors.
/// A writer released without `close()` still flushes and closes its file, but can no longer
/// report a write error then.
public final class PcapWriter {
    /// The default snapshot length: libpcap's usual maximum.
    public static let defaultSnapLength = 262_144

    private let output: OutputFile
    /// The snapshot length written in the header; packets are cut to it.
    public let snapLength: Int
    /// The link-type field written in the header.
    public let linkType: UInt32

    /// Creates (or truncates) the file at `path` and writes the header; "-" writes to standard
    /// output.
    ///
    /// - Parameters:
    ///   - linkType: the `LINKTYPE_` value of every packet (see `PcapLinkType`).
    ///   - snaplen: the snapshot length, 1 through 2^32 - 1; longer packets are cut to it.
    public convenience init(path: String, linkType: UInt32,
                            snaplen: Int = PcapWriter.defaultSnapLength) throws(CaptureError) {
        try self.init(output: OutputFile(path: path), linkType: linkType, snaplen: snaplen)
    }

    /// Writes to an open descriptor (a file, a pipe). The descriptor stays the caller's:
    /// `close()` flushes but does not close it.
    ///
    /// - Parameter name: what error messages call the output.
    public convenience init(fileDescriptor: Int32, name: String = "output", linkType: UInt32,
                            snaplen: Int = PcapWriter.defaultSnapLength) throws(CaptureError) {
        try self.init(output: OutputFile(descriptor: fileDescriptor, owned: false, name: name),
                      linkType: linkType, snaplen: snaplen)
    }

    private init(output: OutputFile, linkType: UInt32, snaplen: Int) throws(CaptureError) {
        guard snaplen > 0, let snap32 = UInt32(exactly: snaplen) else {
            try? output.close()
            throw CaptureError(.invalidArgument("snapshot length \(snaplen) out of range"), source: output.name)
        }
        self.output = output
        self.snapLength = snaplen
        self.linkType = linkType
        try output.appendU32(PcapMagic.nanoseconds)
        try output.appendU16(2)
        try output.appendU16(4)
        try output.appendU32(0)  // thiszone
        try output.appendU32(0)  // sigfigs
        try output.appendU32(snap32)
        try output.appendU32(linkType)
    }

    /// Writes one packet record.
    ///
    /// - Parameters:
    ///   - timestampNanoseconds: capture time since the Unix epoch; its seconds must fit the
    ///     format's unsigned 32 bits (1970 through 2106).
    ///   - originalLength: the length on the wire; nil means `data.count`. Must be at least
    ///     `data.count`.
    ///   - data: the captured bytes; cut to the snapshot length.
    public func write(timestampNanoseconds: Int64, originalLength: Int? = nil,
                      data: UnsafeRawBufferPointer) throws(CaptureError) {
        try output.checkOpen()
        let seconds = timestampNanoseconds / 1_000_000_000
        guard timestampNanoseconds >= 0, let seconds32 = UInt32(exactly: seconds) else {
            throw CaptureError(.invalidArgument("timestamp \(timestampNanoseconds) ns is outside the pcap range"),
                               source: output.name)
        }
        let original = originalLength ?? data.count
        guard original >= data.count, let original32 = UInt32(exactly: original) else {
            throw CaptureError(.invalidArgument("original length \(original) is below the \(data.count) captured bytes or too large"),
                               source: output.name)
        }
        let captured = min(data.count, snapLength)
        try output.appendFields(PcapLayout.recordHeaderSize) { fields in
            fields.u32(seconds32)
            fields.u32(UInt32(timestampNanoseconds % 1_000_000_000))
            fields.u32(UInt32(captured))
            fields.u32(original32)
        }
        try output.append(UnsafeRawBufferPointer(rebasing: data.prefix(captured)))
    }

    /// Writes one packet record from an array; see `write(timestampNanoseconds:originalLength:data:)`.
    public func write(timestampNanoseconds: Int64, originalLength: Int? = nil, data: [UInt8]) throws(CaptureError) {
        try data.withUnsafeBytes { bytes in
            Result { () throws(CaptureError) in
                try write(timestampNanoseconds: timestampNanoseconds, originalLength: originalLength, data: bytes)
            }
        }.get()
    }

    /// Writes the buffered records to the file.
    public func flush() throws(CaptureError) {
        try output.flush()
    }

    /// Flushes and closes the file (a descriptor passed in is left open). Later writes throw.
    public func close() throws(CaptureError) {
        try output.close()
    }
}
