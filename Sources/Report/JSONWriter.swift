/// Writes JSON text as UTF-8 bytes, value by value: the one place that lays JSON out (commas,
/// newlines and indentation, escapes, numbers). `JSONValue` writes through it, and so do the
/// documents too big to build as values first: a snapshot's QPs are written member by member
/// straight into the text (10,000 QPs are 12 MB of it), and `JSONLine` writes `--dump --json`'s
/// lines. Appending bytes costs a fraction of appending to a `String`.
public struct JSONWriter: ~Copyable {
    /// The text not yet handed to the sink. The writer cannot be copied, so it is the
    /// buffer's only owner.
    private let bytes: ByteBuffer
    /// Where the text goes while it is written (`spillIfFull`); nil: it stays in `bytes`.
    private let sink: ((UnsafeRawBufferPointer) -> Void)?
    /// Bytes held before they are handed to the sink.
    static let spillAt = 1 << 16
    /// Spaces per level of nesting; nil: compact, on one line.
    let indent: Int?
    /// Objects and arrays open.
    private var depth = 0
    /// Whether the innermost open object or array has no member yet.
    private var empty = true

    /// A writer that keeps the text (`string`), or hands it to `sink` in pieces of about
    /// 64 KiB as it is written.
    init(indent: Int? = 2, capacity: Int = 256, sink: ((UnsafeRawBufferPointer) -> Void)? = nil) {
        self.indent = indent
        self.sink = sink
        bytes = ByteBuffer(capacity: sink == nil ? capacity : JSONWriter.spillAt + 4096)
    }

    /// Hands the text so far to the sink once it holds `spillAt` bytes, so a document of
    /// 100,000 QPs (130 MB) is never held whole.
    mutating func spillIfFull() {
        guard let sink, bytes.count >= JSONWriter.spillAt else { return }
        spill(to: sink)
    }

    /// Hands whatever the sink has not had yet to it.
    mutating func finish() {
        if let sink { spill(to: sink) }
    }

    private mutating func spill(to sink: (UnsafeRawBufferPointer) -> Void) {
        sink(bytes.bytes)
        bytes.removeAll()
    }

    /// The text.
    var string: String { String(decoding: bytes.bytes, as: UTF8.self) }

    // MARK: Objects and arrays

    /// Opens an object: `key` and a value for each member, then `endObject`.
    public mutating func beginObject() { open(UInt8(ascii: "{")) }

    /// Closes the innermost object; `{}` when it had no member.
    public mutating func endObject() { close(UInt8(ascii: "}")) }

    /// An object whose members `members` writes (`key` and a value each).
    public mutating func object(_ members: (inout JSONWriter) -> Void) {
        beginObject()
        members(&self)
        endObject()
    }

    /// Opens an array: `nextElement` and a value for each element, then `endArray`.
    public mutating func beginArray() { open(UInt8(ascii: "[")) }

    /// Closes the innermost array; `[]` when it had no element.
    public mutating func endArray() { close(UInt8(ascii: "]")) }

    /// The next member's key, in the innermost object; its value follows.
    public mutating func key(string k: String) {
        separate()
        quoted(k)
        colon()
    }

    /// The next member's key, a literal: copied as it is, since the program's literal keys
    /// hold nothing JSON escapes (checked in debug builds).
    @inline(__always)
    public mutating func key(_ k: StaticString) {
        separate()
        let utf8 = UnsafeRawBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount)
        assert(!utf8.contains(where: JSONWriter.needsEscape), "a key literal JSON escapes")
        bytes.append(UInt8(ascii: "\""))
        bytes.append(utf8)
        bytes.append(UInt8(ascii: "\""))
        colon()
    }

    /// The next member's key, already quoted (`JSONWriter.quoted`): the keys a snapshot
    /// writes for every QP are quoted once.
    public mutating func key(quoted k: [UInt8]) {
        separate()
        k.withUnsafeBytes { bytes.append($0) }
        colon()
    }

    /// Everything that starts a member keyed `quotedKey` (`JSONWriter.quoted`) at nesting
    /// `level` (see `level`) other than its object's first, laid out as this writer lays
    /// out: the comma, the line and its indentation, the key and the colon, for
    /// `key(prefix:)`. A snapshot starts each of a QP's ~45 members this way, one copy each,
    /// where each took six steps.
    func memberPrefix(_ quotedKey: [UInt8], level: Int) -> [UInt8] {
        var w = JSONWriter(indent: indent)
        w.depth = level
        w.empty = false
        w.key(quoted: quotedKey)
        return Array(w.bytes.bytes)
    }

    /// The nesting of the members of the innermost open object, for `memberPrefix`.
    var level: Int { depth }

    /// The next member's key, from its `memberPrefix` at the current level; the prefix's
    /// comma is left out when the member is the object's first.
    @inline(__always)
    mutating func key(prefix: UnsafeRawBufferPointer) {
        bytes.append(empty ? UnsafeRawBufferPointer(rebasing: prefix.dropFirst()) : prefix)
        empty = false
    }

    /// `s` as a JSON string literal, for `key(quoted:)`.
    public static func quoted(_ s: String) -> [UInt8] {
        var w = JSONWriter(indent: nil)
        w.quoted(s)
        return Array(w.bytes.bytes)
    }

    /// Where the innermost array's next element starts; its value follows. The text so far
    /// may go to the sink here.
    public mutating func nextElement() {
        spillIfFull()
        separate()
    }

    /// What ends a key: `: `, or `:` when compact.
    @inline(__always)
    private mutating func colon() {
        byte(UInt8(ascii: ":"))
        if indent != nil { byte(UInt8(ascii: " ")) }
    }

    /// The comma before a member or element (but the first), and its line.
    @inline(__always)
    private mutating func separate() {
        if !empty { byte(UInt8(ascii: ",")) }
        empty = false
        newline(depth)
    }

    @inline(__always)
    private mutating func open(_ bracket: UInt8) {
        byte(bracket)
        depth += 1
        empty = true
    }

    @inline(__always)
    private mutating func close(_ bracket: UInt8) {
        depth -= 1
        if !empty { newline(depth) }
        byte(bracket)
        empty = false
    }

    // MARK: Values

    /// A string.
    public mutating func value(_ s: String) { quoted(s) }

    /// An unsigned number.
    @inline(__always)
    public mutating func value(_ v: UInt64) { decimal(v) }

    /// A signed number.
    public mutating func value(_ v: Int64) { decimal(v) }

    /// A number: integral doubles without an exponent or decimals, others with up to 6
    /// decimals; null when not finite.
    public mutating func value(_ v: Double) {
        if !v.isFinite {
            null()
        } else if v == v.rounded() && abs(v) < 1e15 {
            decimal(Int64(v))
        } else {
            fixed6(v)
        }
    }

    /// A finite `v` as `Units.fixed(v, digits: 6)` writes it, written in place: a snapshot
    /// has five rates per QP.
    private mutating func fixed6(_ v: Double) {
        let scaled = (abs(v) * 1e6).rounded()
        guard scaled < 9e18 else { return raw(Units.fixed(v, digits: 6)) }
        let n = UInt64(scaled)
        if v < 0 && n != 0 { byte(UInt8(ascii: "-")) }
        bytes.appendDecimal(n / 1_000_000)
        byte(UInt8(ascii: "."))
        bytes.appendDecimal(n % 1_000_000, minimumDigits: 6)
    }

    /// `true` or `false`.
    public mutating func value(_ b: Bool) { literal(b ? "true" : "false") }

    /// `null`.
    @inline(__always)
    public mutating func null() { literal("null") }

    /// A string already quoted (`JSONWriter.quoted`).
    mutating func value(quoted: [UInt8]) {
        quoted.withUnsafeBytes { bytes.append($0) }
    }

    /// A value built first (an object by code, a QP's owner).
    public mutating func value(_ v: JSONValue) { v.write(to: &self) }

    // MARK: Bytes

    /// Text that needs no escaping (punctuation, literals, rendered numbers).
    mutating func raw(_ s: String) {
        s.withUTF8Bytes { bytes.append($0) }
    }

    /// Text of the program's that needs no escaping, copied as it is.
    @inline(__always)
    private mutating func literal(_ s: StaticString) {
        bytes.append(UnsafeRawBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    @inline(__always)
    mutating func byte(_ b: UInt8) { bytes.append(b) }

    /// A newline and the indentation of `level`; nothing when compact.
    @inline(__always)
    private mutating func newline(_ level: Int) {
        guard let indent else { return }
        bytes.appendLine(indentedBy: indent * level)
    }

    /// An unsigned integer in decimal.
    @inline(__always)
    mutating func decimal(_ v: UInt64) { bytes.appendDecimal(v) }

    /// A signed integer in decimal.
    mutating func decimal(_ v: Int64) {
        if v < 0 { bytes.append(UInt8(ascii: "-")) }
        decimal(v.magnitude)
    }

    /// `s` as a JSON string literal: quotes, backslashes and control characters escaped,
    /// everything else as its UTF-8.
    mutating func quoted(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        s.withUTF8Bytes { quotedContents($0) }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func quotedContents(_ utf8: UnsafeBufferPointer<UInt8>) {
        // Most strings (keys, addresses, names) need no escaping: copied in one step.
        if !utf8.contains(where: JSONWriter.needsEscape) {
            bytes.append(utf8)
            return
        }
        for b in utf8 { escape(b) }
    }

    private mutating func append(_ a: [UInt8]) {
        a.withUnsafeBytes { bytes.append($0) }
    }

    private static func needsEscape(_ b: UInt8) -> Bool {
        b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\")
    }

    private mutating func escape(_ b: UInt8) {
        switch b {
        case UInt8(ascii: "\""): append([UInt8(ascii: "\\"), UInt8(ascii: "\"")])
        case UInt8(ascii: "\\"): append([UInt8(ascii: "\\"), UInt8(ascii: "\\")])
        case UInt8(ascii: "\n"): append([UInt8(ascii: "\\"), UInt8(ascii: "n")])
        case UInt8(ascii: "\r"): append([UInt8(ascii: "\\"), UInt8(ascii: "r")])
        case UInt8(ascii: "\t"): append([UInt8(ascii: "\\"), UInt8(ascii: "t")])
        case 0..<0x20:
            let hex: [UInt8] = Array("0123456789abcdef".utf8)
            append([UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
           hex[Int(b >> 4)], hex[Int(b & 15)]])
        default: bytes.append(b)
        }
    }
}

/// The `memberPrefix`es of an object's keys at one level, in one buffer: made once for the
/// first of many objects of the same keys (a snapshot's QPs) and used for each.
struct MemberPrefixes {
    /// The level and the indentation they were made for.
    let level: Int, indent: Int?
    private let bytes: [UInt8]
    /// Where each key's prefix starts in `bytes`, and where the last ends.
    private let bounds: [Int]

    init(_ quotedKeys: [[UInt8]], level: Int, of writer: borrowing JSONWriter) {
        self.level = level
        indent = writer.indent
        var bytes: [UInt8] = [], bounds = [0]
        for k in quotedKeys {
            bytes += writer.memberPrefix(k, level: level)
            bounds.append(bytes.count)
        }
        self.bytes = bytes
        self.bounds = bounds
    }

    /// Whether they lay out the members of `writer`'s innermost object.
    func fit(_ writer: borrowing JSONWriter) -> Bool { level == writer.level && indent == writer.indent }

    /// Calls `body` with a function that writes the `i`th key's member start into a writer.
    func withPrefixes<R>(_ body: ((Int, inout JSONWriter) -> Void) -> R) -> R {
        bytes.withUnsafeBytes { all in
            body { i, out in out.key(prefix: UnsafeRawBufferPointer(rebasing: all[bounds[i]..<bounds[i + 1]])) }
        }
    }
}
