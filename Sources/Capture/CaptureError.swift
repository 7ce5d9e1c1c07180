#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Everything that can go wrong reading or writing a capture file.
///
/// `description` is one line naming the file and, for faults in the file's contents, the byte
/// offset where the faulty header, record or block starts, e.g.
/// `capture.pcap: truncated packet record at byte 1234 (need 16 more bytes)`.
public struct CaptureError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// open(2) failed; the payload is the system's reason.
        case cannotOpen(String)
        /// read(2) failed; the payload is the system's reason.
        case readFailed(String)
        /// write(2) failed; the payload is the system's reason.
        case writeFailed(String)
        /// The input holds no bytes at all.
        case emptyFile
        /// The first four bytes are neither a pcap nor a pcapng magic number.
        case badMagic(UInt32)
        /// The input ends inside the pcap file header or the first pcapng block header.
        case truncatedFileHeader(needed: Int)
        /// The classic pcap version is not 2.x.
        case unsupportedPcapVersion(major: Int, minor: Int)
        /// The input ends inside a pcap packet record header.
        case truncatedRecordHeader(needed: Int)
        /// The input ends inside a pcap packet record's data.
        case truncatedRecordData(needed: Int)
        /// A pcap record claims more captured bytes than the file's snapshot length allows.
        case capturedLengthTooLarge(length: Int, limit: Int)
        /// The input ends inside a pcapng block.
        case truncatedBlock(needed: Int)
        /// A pcapng block's total length is impossible; `reason` says why.
        case badBlockLength(Int, reason: String)
        /// A pcapng block's trailing length differs from its leading length.
        case blockLengthMismatch(leading: Int, trailing: Int)
        /// A record or block is larger than the reader's upper bound for one buffer.
        case blockTooLarge(Int, limit: Int)
        /// A pcapng packet block's captured length does not fit in the block.
        case capturedLengthExceedsBlock(Int)
        /// A section header block's byte-order magic is neither 0x1A2B3C4D nor its swap.
        case badByteOrderMagic(UInt32)
        /// A section header block's major version is not 1.
        case unsupportedPcapNGVersion(major: Int, minor: Int)
        /// A packet block names an interface its section has not described.
        case unknownInterface(Int)
        /// An option in a pcapng block runs past its block or has an impossible length.
        case malformedOption(code: Int)
        /// The caller passed a value the writer cannot represent.
        case invalidArgument(String)
        /// The writer was already closed.
        case closed
        /// A read was interrupted by a signal and `CaptureReader.shouldStop` asked to stop.
        case interrupted
        /// No input arrived before `CaptureReader.readDeadline`. Not a fault: the same
        /// `next()` call, made again, goes on where this one stopped.
        case notReady
    }

    /// What went wrong.
    public var kind: Kind
    /// The file's name as given to the reader or writer ("stdin"/"stdout" for "-").
    public var source: String
    /// The byte offset of the faulty header, record or block, when the fault is in the file.
    public var offset: Int?

    /// Creates an error.
    public init(_ kind: Kind, source: String, offset: Int? = nil) {
        self.kind = kind
        self.source = source
        self.offset = offset
    }

    /// Creates an error from the current `errno`.
    static func system(_ make: (String) -> Kind, source: String, offset: Int? = nil) -> CaptureError {
        CaptureError(make(systemErrorMessage(errno)), source: source, offset: offset)
    }

    /// The one-line message.
    public var description: String {
        let at = offset.map { " at byte \($0)" } ?? ""
        switch kind {
        case .cannotOpen(let reason):
            return "cannot open \(source): \(reason)"
        case .readFailed(let reason):
            return "\(source): read error\(at): \(reason)"
        case .writeFailed(let reason):
            return "\(source): write error: \(reason)"
        case .emptyFile:
            return "\(source): empty file (not a pcap or pcapng file)"
        case .badMagic(let magic):
            return "\(source): not a pcap or pcapng file (magic \(hex32(magic)))"
        case .truncatedFileHeader(let needed):
            return "\(source): truncated file header\(at) (need \(needed) more bytes)"
        case .unsupportedPcapVersion(let major, let minor):
            return "\(source): unsupported pcap version \(major).\(minor)\(at)"
        case .truncatedRecordHeader(let needed):
            return "\(source): truncated packet record header\(at) (need \(needed) more bytes)"
        case .truncatedRecordData(let needed):
            return "\(source): truncated packet record\(at) (need \(needed) more bytes)"
        case .capturedLengthTooLarge(let length, let limit):
            return "\(source): packet record\(at) claims \(length) captured bytes, more than the limit of \(limit)"
        case .truncatedBlock(let needed):
            return "\(source): truncated pcapng block\(at) (need \(needed) more bytes)"
        case .badBlockLength(let length, let reason):
            return "\(source): bad pcapng block length \(length)\(at) (\(reason))"
        case .blockLengthMismatch(let leading, let trailing):
            return "\(source): pcapng block\(at) has leading length \(leading) but trailing length \(trailing)"
        case .blockTooLarge(let length, let limit):
            return "\(source): record\(at) is \(length) bytes, more than the limit of \(limit)"
        case .capturedLengthExceedsBlock(let length):
            return "\(source): packet block\(at) claims \(length) captured bytes, more than the block holds"
        case .badByteOrderMagic(let magic):
            return "\(source): section header block\(at) has bad byte-order magic \(hex32(magic))"
        case .unsupportedPcapNGVersion(let major, let minor):
            return "\(source): unsupported pcapng version \(major).\(minor)\(at)"
        case .unknownInterface(let id):
            return "\(source): packet block\(at) refers to interface \(id), which its section does not describe"
        case .malformedOption(let code):
            return "\(source): malformed option \(code) in pcapng block\(at)"
        case .invalidArgument(let what):
            return "\(source): \(what)"
        case .closed:
            return "\(source): already closed"
        case .interrupted:
            return "\(source): reading interrupted"
        case .notReady:
            return "\(source): no input yet"
        }
    }
}

/// `0x` and eight hex digits.
func hex32(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}

/// The C library's message for an errno value.
func systemErrorMessage(_ code: Int32) -> String {
    guard let message = strerror(code) else { return "error \(code)" }
    return String(cString: message)
}
