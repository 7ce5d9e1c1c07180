#if canImport(Glibc)
import Glibc
#endif

/// Buffered writes to a file descriptor (standard output by default), for dumps of
/// millions of lines.
public final class BufferedOutput {
    private var buffer: [UInt8] = []
    private let fd: Int32
    private let limit: Int

    public init(fileDescriptor: Int32 = 1, bufferSize: Int = 1 << 16) {
        fd = fileDescriptor
        limit = bufferSize
        buffer.reserveCapacity(bufferSize + 4096)
    }

    deinit { flush() }

    /// Appends `text`.
    public func write(_ text: String) {
        var t = text
        t.withUTF8 { buffer.append(contentsOf: $0) }
        if buffer.count >= limit { flush() }
    }

    /// Appends `bytes` (UTF-8 text).
    public func write(bytes: UnsafeRawBufferPointer) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= limit { flush() }
    }

    /// Appends `text` and a newline.
    public func line(_ text: String) {
        write(text)
        buffer.append(UInt8(ascii: "\n"))
    }

    /// Writes out what is buffered.
    public func flush() {
        var offset = 0
        while offset < buffer.count {
            let n = buffer.withUnsafeBytes { raw in
                Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
            }
            if n < 0 {
                if errno == EINTR { continue }
                break  // EPIPE and friends: the reader went away
            }
            offset += n
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Prints a one-line message to standard error.
public func printError(_ message: String) {
    var line = "rdmatop: " + message + "\n"
    line.withUTF8 { _ = Glibc.write(2, $0.baseAddress, $0.count) }
}
