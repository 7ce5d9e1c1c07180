/// JSON text as UTF-8 bytes: what `JSONValue` and `JSONLine` write into. Appending bytes
/// costs a fraction of appending to a `String`, which a snapshot of 10,000 QPs (12 MB of
/// JSON) does millions of times.
struct JSONBytes {
    private(set) var bytes: [UInt8] = []
    /// Where the text goes while it is written (`spillIfFull`); nil: it stays in `bytes`.
    private let sink: ((UnsafeRawBufferPointer) -> Void)?
    /// Bytes held before they are handed to the sink.
    static let spillAt = 1 << 16

    init(capacity: Int = 256, sink: ((UnsafeRawBufferPointer) -> Void)? = nil) {
        self.sink = sink
        bytes.reserveCapacity(sink == nil ? capacity : JSONBytes.spillAt + 4096)
    }

    /// Hands the text so far to the sink once it holds `spillAt` bytes, so a document of
    /// 100,000 QPs (130 MB) is never held whole.
    mutating func spillIfFull() {
        guard let sink, bytes.count >= JSONBytes.spillAt else { return }
        spill(to: sink)
    }

    /// Hands whatever the sink has not had yet to it.
    mutating func finish() {
        if let sink { spill(to: sink) }
    }

    private mutating func spill(to sink: (UnsafeRawBufferPointer) -> Void) {
        bytes.withUnsafeBytes(sink)
        bytes.removeAll(keepingCapacity: true)
    }

    /// The text.
    var string: String { String(decoding: bytes, as: UTF8.self) }

    /// Text that needs no escaping (punctuation, literals, rendered numbers).
    mutating func raw(_ s: String) {
        var s = s
        s.withUTF8 { bytes.append(contentsOf: $0) }
    }

    mutating func byte(_ b: UInt8) { bytes.append(b) }

    /// A newline and `count` spaces.
    mutating func newline(indent count: Int) {
        bytes.append(UInt8(ascii: "\n"))
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: count))
    }

    /// An unsigned integer in decimal.
    mutating func decimal(_ v: UInt64) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: 20 digits fit
        withUnsafeMutableBytes(of: &digits) { buffer in
            var v = v, i = buffer.count
            repeat {
                i -= 1
                buffer[i] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            } while v > 0
            bytes.append(contentsOf: buffer[i...])
        }
    }

    /// A signed integer in decimal.
    mutating func decimal(_ v: Int64) {
        if v < 0 { bytes.append(UInt8(ascii: "-")) }
        decimal(v.magnitude)
    }

    /// `s` as a JSON string literal: quotes, backslashes and control characters escaped,
    /// everything else as its UTF-8.
    mutating func quoted(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                          hex[Int(b >> 4)], hex[Int(b & 15)]])
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
