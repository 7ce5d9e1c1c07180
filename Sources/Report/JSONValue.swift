/// A JSON value whose objects keep their keys in order, so documents read the same every
/// time ("version" first, the counters in schema order).
public indirect enum JSONValue: Sendable, Equatable {
    case object([(String, JSONValue)])
    case array([JSONValue])
    /// An array whose `count` elements are made one at a time as they are written, so that a
    /// document with 100,000 QPs never holds 100,000 of them as values at once.
    case generated(count: Int, element: @Sendable (Int) -> JSONValue)
    case string(String)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case bool(Bool)
    case null

    public static func == (a: JSONValue, b: JSONValue) -> Bool { a.render() == b.render() }

    /// An unsigned number.
    public static func number<T: BinaryInteger>(_ v: T) -> JSONValue {
        v < 0 ? .int(Int64(v)) : .uint(UInt64(v))
    }

    /// An optional string, null when absent.
    public static func optional(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }

    /// The value as text; `indent` spaces per level, or compact on one line when nil.
    public func render(indent: Int? = 2) -> String {
        var out = JSONBytes(capacity: 4096)
        write(to: &out, indent: indent, level: 0)
        return out.string
    }

    /// The value as text, handed to `sink` in pieces of about 64 KiB as it is written.
    public func write(indent: Int? = 2, to sink: @escaping (UnsafeRawBufferPointer) -> Void) {
        var out = JSONBytes(sink: sink)
        write(to: &out, indent: indent, level: 0)
        out.finish()
    }

    func write(to out: inout JSONBytes, indent: Int?, level: Int) {
        func newline(_ level: Int) {
            guard let indent else { return }
            out.newline(indent: indent * level)
        }
        switch self {
        case .object(let members):
            if members.isEmpty { out.raw("{}"); return }
            out.byte(UInt8(ascii: "{"))
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out.byte(UInt8(ascii: ",")) }
                newline(level + 1)
                out.quoted(key)
                out.raw(indent == nil ? ":" : ": ")
                value.write(to: &out, indent: indent, level: level + 1)
            }
            newline(level)
            out.byte(UInt8(ascii: "}"))
        case .array(let items):
            JSONValue.generated(count: items.count) { items[$0] }.write(to: &out, indent: indent, level: level)
        case .generated(let count, let element):
            if count <= 0 { out.raw("[]"); return }
            out.byte(UInt8(ascii: "["))
            for i in 0..<count {
                if i > 0 { out.byte(UInt8(ascii: ",")) }
                newline(level + 1)
                element(i).write(to: &out, indent: indent, level: level + 1)
                out.spillIfFull()
            }
            newline(level)
            out.byte(UInt8(ascii: "]"))
        case .string(let s): out.quoted(s)
        case .int(let v): out.decimal(v)
        case .uint(let v): out.decimal(v)
        case .double(let v):
            if v.isFinite {
                // Integral doubles print without an exponent; others with up to 6 decimals.
                if v == v.rounded() && abs(v) < 1e15 { out.decimal(Int64(v)) } else { out.raw(Units.fixed(v, digits: 6)) }
            } else {
                out.raw("null")
            }
        case .bool(let b): out.raw(b ? "true" : "false")
        case .null: out.raw("null")
        }
    }
}
