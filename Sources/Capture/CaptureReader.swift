#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads packets from a classic pcap or a pcapng file, or from a pipe carrying one.
///
/// The reader streams: it reads the input with large `read(2)` calls into one buffer and hands
/// out packets that point into that buffer, so memory stays bounded by the largest record and
/// no packet is copied. The format is recognised from the first bytes.
///
/// ```swift
/// let reader = try CaptureReader(path: "capture.pcapng")
/// while let packet = try reader.next() {
///     decode(packet.data, linkType: packet.linkType)
/// }
/// ```
///
/// Faults in the file are reported by the `next()` call that reaches them, after every packet
/// before them was returned; after a fault, `next()` keeps throwing the same error. No input
/// can make the reader trap.
public final class CaptureReader {
    /// The initial size of the input buffer (1 MiB).
    public static let defaultBufferSize = 1 << 20
    /// The largest pcap record or pcapng block the reader accepts (256 MiB); anything larger is
    /// reported as corrupt.
    public static let maximumRecordSize = 256 << 20

    /// The name used in error messages: the path, "stdin" for "-", or the name given with a
    /// file descriptor.
    public let name: String
    /// Whether the input is classic pcap or pcapng.
    public private(set) var format: CaptureFormat = .pcap
    /// The capture interfaces seen so far. Classic pcap has one; pcapng gains one per interface
    /// description block as the reader reaches it (those that sit in the buffer right after the
    /// first section header are read by `init`).
    public private(set) var interfaces: [CaptureInterface] = []

    // MARK: Input buffer

    let fileDescriptor: Int32
    let ownsDescriptor: Bool
    /// `capacity` bytes; `buffer[start..<end]` holds unconsumed input.
    var buffer: UnsafeMutableRawPointer
    var capacity: Int
    var start = 0
    var end = 0
    /// The input offset of `buffer[0]`.
    var bufferOffset = 0
    var atEndOfInput = false
    var released = false
    /// Set once `next()` threw; later calls throw it again.
    var failure: CaptureError?

    // MARK: Waiting for input

    /// With a deadline (CLOCK_MONOTONIC nanoseconds), a read that finds no input waits for it
    /// only until then, and `next()` throws `.notReady` — not a fault: calling it again goes
    /// on where it stopped. A replay from a slow pipe uses it to stay responsive. Nil (the
    /// default): a read waits as long as the input takes.
    public var readDeadline: Int64?
    /// Asked when a wait for input is interrupted by a signal (EINTR): true ends the read
    /// with `.interrupted` (the caller's stop flag), false or nil waits on.
    public var shouldStop: (() -> Bool)?

    // MARK: Format state

    /// Byte order of the pcap file or of the current pcapng section.
    var order: ByteOrder = .littleEndian
    /// Classic pcap: multiplier from the fraction field to nanoseconds (1000 or 1).
    var pcapFractionScale: Int64 = 1000
    /// Classic pcap: the largest captured length accepted for a record.
    var pcapCaptureLimit = 0
    /// Classic pcap: the link type of every packet.
    var pcapLinkType: UInt32 = 0
    /// pcapng: index into `interfaces` of the current section's interface 0.
    var sectionFirstInterface = 0
    /// pcapng: number of sections seen.
    var sectionCount = 0
    /// pcapng: per interface, what the hot path needs, without `String`s to retain.
    var interfaceInfo: [InterfaceInfo] = []

    /// The per-interface facts `next()` uses for every packet.
    struct InterfaceInfo {
        var linkType: UInt32
        var snapLength: Int
        var scale: TimestampScale
    }

    /// Opens the capture file at `path` ("-" reads standard input) and reads its header.
    ///
    /// - Parameter bufferSize: the initial input buffer; it grows (up to `maximumRecordSize`)
    ///   when a record does not fit.
    /// - Throws: `CaptureError` when the file cannot be opened or does not start with a valid
    ///   pcap or pcapng header.
    public convenience init(path: String, bufferSize: Int = CaptureReader.defaultBufferSize) throws(CaptureError) {
        if path == "-" {
            try self.init(descriptor: STDIN_FILENO, owned: false, name: "stdin", bufferSize: bufferSize)
            return
        }
        var descriptor: Int32
        repeat {
            descriptor = open(path, O_RDONLY | O_CLOEXEC)
        } while descriptor < 0 && errno == EINTR
        guard descriptor >= 0 else {
            throw CaptureError.system(CaptureError.Kind.cannotOpen, source: path)
        }
        try self.init(descriptor: descriptor, owned: true, name: path, bufferSize: bufferSize)
    }

    /// Reads a capture from an open file descriptor (a file, a pipe, a socket), from its
    /// current position. The descriptor stays the caller's: the reader does not close it.
    ///
    /// - Parameters:
    ///   - name: what error messages call the input.
    ///   - bufferSize: the initial input buffer; it grows (up to `maximumRecordSize`) when a
    ///     record does not fit.
    /// - Throws: `CaptureError` when the input does not start with a valid header.
    public convenience init(fileDescriptor: Int32, name: String,
                            bufferSize: Int = CaptureReader.defaultBufferSize) throws(CaptureError) {
        try self.init(descriptor: fileDescriptor, owned: false, name: name, bufferSize: bufferSize)
    }

    private init(descriptor: Int32, owned: Bool, name: String, bufferSize: Int) throws(CaptureError) {
        self.fileDescriptor = descriptor
        self.ownsDescriptor = owned
        self.name = name
        let size = min(max(bufferSize, 64), CaptureReader.maximumRecordSize)
        guard let memory = malloc(size) else {
            if owned { _ = closeDescriptor(descriptor) }
            throw CaptureError(.invalidArgument("cannot allocate a \(size)-byte buffer"), source: name)
        }
        self.buffer = memory
        self.capacity = size
        do {
            try readFileHeader()
        } catch {
            release()
            throw error
        }
    }

    deinit {
        release()
    }

    /// Frees the buffer and closes an owned descriptor, once.
    private func release() {
        guard !released else { return }
        released = true
        free(buffer)
        if ownsDescriptor { _ = closeDescriptor(fileDescriptor) }
    }

    /// Returns the next packet, or nil at the clean end of the input.
    ///
    /// The returned packet's `data` is valid until the next call. Blocks that carry no packet
    /// (interface descriptions, statistics, name resolution, unknown types) are consumed on the
    /// way.
    ///
    /// - Throws: `CaptureError` for a truncated or corrupt record or block (naming its byte
    ///   offset) or a read error.
    public func next() throws(CaptureError) -> CapturedPacket? {
        if let failure { throw failure }
        do {
            switch format {
            case .pcap: return try nextPcapRecord()
            case .pcapng: return try nextPcapNGPacket()
            }
        } catch {
            if error.kind != .notReady { failure = error }
            throw error
        }
    }

    // MARK: Helpers for the format readers

    /// The input offset of the next unconsumed byte.
    @inline(__always)
    var inputOffset: Int { bufferOffset + start }

    /// The unconsumed bytes in the buffer.
    @inline(__always)
    var available: Int { end - start }

    /// An error at the given input offset.
    @inline(__always)
    func fault(_ kind: CaptureError.Kind, at offset: Int) -> CaptureError {
        CaptureError(kind, source: name, offset: offset)
    }

    /// Makes at least `count` unconsumed bytes available at `buffer + start`, reading as much
    /// as the buffer holds. Returns false when the input ends first (then `available` says how
    /// many there are). `count` must not exceed `maximumRecordSize`. May move the buffered
    /// bytes: pointers into the buffer must be taken again after a call.
    @inline(__always)
    func ensure(_ count: Int) throws(CaptureError) -> Bool {
        if end - start >= count { return true }
        return try refill(count)
    }

    private func refill(_ count: Int) throws(CaptureError) -> Bool {
        if atEndOfInput { return false }
        if start + count > capacity {
            let remaining = end - start
            if remaining > 0 && start > 0 {
                memmove(buffer, buffer + start, remaining)
            }
            bufferOffset += start
            start = 0
            end = remaining
            if count > capacity {
                guard count <= CaptureReader.maximumRecordSize else {
                    throw fault(.blockTooLarge(count, limit: CaptureReader.maximumRecordSize), at: inputOffset)
                }
                var newCapacity = capacity
                while newCapacity < count { newCapacity = min(newCapacity * 2, CaptureReader.maximumRecordSize) }
                guard let grown = realloc(buffer, newCapacity) else {
                    throw fault(.readFailed("cannot allocate a \(newCapacity)-byte buffer"), at: inputOffset)
                }
                buffer = grown
                capacity = newCapacity
            }
        }
        while end - start < count {
            if let readDeadline { try waitForInput(until: readDeadline) }
            let got = read(fileDescriptor, buffer + end, capacity - end)
            if got > 0 {
                end += got
            } else if got == 0 {
                atEndOfInput = true
                return false
            } else if errno == EINTR {
                if shouldStop?() == true { throw fault(.interrupted, at: bufferOffset + end) }
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                try waitForInput(until: readDeadline)  // a non-blocking descriptor
            } else {
                throw CaptureError.system(CaptureError.Kind.readFailed, source: name, offset: bufferOffset + end)
            }
        }
        return true
    }

    /// Waits until the input is readable (or at its end), or until `deadline` passes
    /// (`.notReady`), or until a signal interrupts and `shouldStop` says so (`.interrupted`).
    private func waitForInput(until deadline: Int64?) throws(CaptureError) {
        var pfd = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
        while true {
            var timeout: Int32 = -1
            if let deadline {
                let now = CaptureReader.monotonicNow()
                let left = deadline > now ? (deadline - now + 999_999) / 1_000_000 : 0
                timeout = Int32(min(left, 1000))
            }
            let ready = poll(&pfd, 1, timeout)
            if ready > 0 { return }
            if ready == 0 {
                guard let deadline else { continue }
                if CaptureReader.monotonicNow() >= deadline {
                    throw fault(.notReady, at: bufferOffset + end)
                }
            } else if errno == EINTR {
                if shouldStop?() == true { throw fault(.interrupted, at: bufferOffset + end) }
            } else {
                return  // poll cannot watch it: read(2) will block or tell
            }
        }
    }

    /// CLOCK_MONOTONIC, nanoseconds (the clock of `readDeadline`).
    static func monotonicNow() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// Recognises the format from the magic number and reads the file header (pcap) or the
    /// first section header and the interface descriptions buffered after it (pcapng).
    private func readFileHeader() throws(CaptureError) {
        guard try ensure(4) else {
            if available == 0 { throw CaptureError(.emptyFile, source: name) }
            throw fault(.truncatedFileHeader(needed: 4 - available), at: 0)
        }
        let magic = ByteOrder.littleEndian.u32(buffer, 0)
        if magic == PcapNGBlockType.sectionHeader {
            format = .pcapng
            try readFirstSection()
        } else if let header = PcapMagic(littleEndianValue: magic) {
            format = .pcap
            try readPcapHeader(header)
        } else {
            throw CaptureError(.badMagic(ByteOrder.bigEndian.u32(buffer, 0)), source: name)
        }
    }

    /// Registers an interface (pcap header or pcapng IDB).
    func addInterface(_ interface: CaptureInterface) {
        interfaces.append(interface)
        interfaceInfo.append(InterfaceInfo(
            linkType: interface.linkType,
            snapLength: interface.snapLength,
            scale: TimestampScale(resolution: interface.timestampResolution,
                                  offsetSeconds: interface.timestampOffsetSeconds)))
    }
}

/// `close(2)`, under a name that does not collide with methods called `close`.
@inline(__always)
func closeDescriptor(_ descriptor: Int32) -> Int32 {
    close(descriptor)
}
