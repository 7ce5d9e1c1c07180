#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A buffered, little-endian output sink over a file descriptor, shared by the writers.
final class OutputFile {
    static let bufferSize = 1 << 20

    let name: String
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private let buffer: UnsafeMutableRawPointer
    private var count = 0
    private(set) var isClosed = false

    /// Opens `path` as `creation` says (`SafeOutput.open`); "-" is standard output.
    convenience init(path: String, creation: OutputCreation = .replace) throws(CaptureError) {
        if path == "-" {
            self.init(descriptor: STDOUT_FILENO, owned: false, name: "stdout")
            return
        }
        self.init(descriptor: try SafeOutput.open(path, creation: creation), owned: true, name: path)
    }

    init(descriptor: Int32, owned: Bool, name: String) {
        self.descriptor = descriptor
        self.ownsDescriptor = owned
        self.name = name
        self.buffer = UnsafeMutableRawPointer.allocate(byteCount: OutputFile.bufferSize, alignment: 8)
    }

    deinit {
        if !isClosed {
            try? flush()
            if ownsDescriptor { _ = closeDescriptor(descriptor) }
        }
        buffer.deallocate()
    }

    /// Throws when the file was closed.
    @inline(__always)
    func checkOpen() throws(CaptureError) {
        if isClosed { throw CaptureError(.closed, source: name) }
    }

    /// Makes room for `size` more bytes in the buffer (`size` at most `bufferSize`).
    @inline(__always)
    private func reserve(_ size: Int) throws(CaptureError) {
        if count + size > OutputFile.bufferSize { try flush() }
    }

    /// Room for `size` bytes (at most `bufferSize`) to be filled by `body` through a
    /// `LittleEndianStore`; cheaper than one append per field.
    @inline(__always)
    func appendFields(_ size: Int, _ body: (inout LittleEndianStore) -> Void) throws(CaptureError) {
        try reserve(size)
        var store = LittleEndianStore(base: buffer + count)
        body(&store)
        count += store.offset
    }

    @inline(__always)
    func appendU16(_ value: UInt16) throws(CaptureError) {
        try reserve(2)
        buffer.storeBytes(of: value.littleEndian, toByteOffset: count, as: UInt16.self)
        count += 2
    }

    @inline(__always)
    func appendU32(_ value: UInt32) throws(CaptureError) {
        try reserve(4)
        buffer.storeBytes(of: value.littleEndian, toByteOffset: count, as: UInt32.self)
        count += 4
    }

    @inline(__always)
    func appendU64(_ value: UInt64) throws(CaptureError) {
        try reserve(8)
        buffer.storeBytes(of: value.littleEndian, toByteOffset: count, as: UInt64.self)
        count += 8
    }

    /// Appends `zeroes` zero bytes (padding; fewer than 8).
    @inline(__always)
    func appendZeroes(_ zeroes: Int) throws(CaptureError) {
        guard zeroes > 0 else { return }
        try reserve(zeroes)
        (buffer + count).initializeMemory(as: UInt8.self, repeating: 0, count: zeroes)
        count += zeroes
    }

    /// Appends raw bytes; large ones bypass the buffer.
    func append(_ bytes: UnsafeRawBufferPointer) throws(CaptureError) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        if count + bytes.count <= OutputFile.bufferSize {
            (buffer + count).copyMemory(from: base, byteCount: bytes.count)
            count += bytes.count
            return
        }
        try flush()
        if bytes.count >= OutputFile.bufferSize / 2 {
            try writeAll(base, bytes.count)
        } else {
            (buffer + count).copyMemory(from: base, byteCount: bytes.count)
            count += bytes.count
        }
    }

    /// Writes the buffered bytes to the descriptor.
    func flush() throws(CaptureError) {
        guard count > 0 else { return }
        let pending = count
        count = 0
        try writeAll(buffer, pending)
    }

    /// Flushes, then closes the descriptor if this object opened it. Later writes throw.
    func close() throws(CaptureError) {
        guard !isClosed else { return }
        isClosed = true
        var flushError: CaptureError?
        do { try flush() } catch { flushError = error }
        if ownsDescriptor && closeDescriptor(descriptor) != 0 && flushError == nil {
            flushError = CaptureError.system(CaptureError.Kind.writeFailed, source: name)
        }
        if let flushError { throw flushError }
    }

    private func writeAll(_ start: UnsafeRawPointer, _ size: Int) throws(CaptureError) {
        var done = 0
        while done < size {
            let written = write(descriptor, start + done, size - done)
            if written > 0 {
                done += written
            } else if written < 0 && errno == EINTR {
                continue
            } else if written == 0 {
                throw CaptureError(.writeFailed("write(2) wrote nothing"), source: name)
            } else {
                throw CaptureError.system(CaptureError.Kind.writeFailed, source: name)
            }
        }
    }
}

/// Stores fields one after another, little-endian, into memory the caller reserved.
struct LittleEndianStore {
    let base: UnsafeMutableRawPointer
    private(set) var offset = 0

    init(base: UnsafeMutableRawPointer) { self.base = base }

    @inline(__always)
    mutating func u8(_ value: UInt8) {
        base.storeBytes(of: value, toByteOffset: offset, as: UInt8.self)
        offset += 1
    }

    @inline(__always)
    mutating func u16(_ value: UInt16) {
        base.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt16.self)
        offset += 2
    }

    @inline(__always)
    mutating func u32(_ value: UInt32) {
        base.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt32.self)
        offset += 4
    }
}
