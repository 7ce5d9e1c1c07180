/// A JSON value whose objects keep their keys in order, so documents read the same every
/// time ("version" first, the counters in schema order). Not `indirect`: objects and arrays
/// already hold their members out of line, and boxing every number and string cost a
/// snapshot of 10,000 QPs over a million allocations.
public enum JSONValue: Sendable, Equatable {
    case object([(String, JSONValue)])
    case array([JSONValue])
    /// An array whose `count` elements are written one at a time, straight into the text, so
    /// that a document with 100,000 QPs never holds 100,000 of them as values at once.
    case streamed(count: Int, element: @Sendable (Int, inout JSONWriter) -> Void)
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
        var out = JSONWriter(indent: indent, capacity: 4096)
        write(to: &out)
        return out.string
    }

    /// The value as text, handed to `sink` in pieces of about 64 KiB as it is written.
    public func write(indent: Int? = 2, to sink: @escaping (UnsafeRawBufferPointer) -> Void) {
        var out = JSONWriter(indent: indent, sink: sink)
        write(to: &out)
        out.finish()
    }

    func write(to out: inout JSONWriter) {
        switch self {
        case .object(let members):
            out.beginObject()
            for (key, value) in members {
                out.key(string: key)
                value.write(to: &out)
            }
            out.endObject()
        case .array(let items):
            JSONValue.writeArray(items.count, to: &out) { i, out in items[i].write(to: &out) }
        case .streamed(let count, let element):
            JSONValue.writeArray(count, to: &out, element)
        case .string(let s): out.value(s)
        case .int(let v): out.value(v)
        case .uint(let v): out.value(v)
        case .double(let v): out.value(v)
        case .bool(let b): out.value(b)
        case .null: out.null()
        }
    }

    /// An array of `count` elements, each written by `element`.
    private static func writeArray(_ count: Int, to out: inout JSONWriter, _ element: (Int, inout JSONWriter) -> Void) {
        out.beginArray()
        for i in 0..<max(count, 0) {
            out.nextElement()
            element(i, &out)
        }
        out.endArray()
    }
}
