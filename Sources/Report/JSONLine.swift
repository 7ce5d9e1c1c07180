/// Builds one JSON object as text, keys in insertion order. Used for the per-packet JSON
/// Lines of `--dump --json`, where speed and key order matter.
public struct JSONLine: ~Copyable {
    private var text = JSONWriter(indent: nil)

    public init() { text.beginObject() }

    public mutating func add(_ k: String, _ v: UInt64) {
        text.key(string: k)
        text.value(v)
    }

    public mutating func add<T: BinaryInteger>(_ k: String, _ v: T) {
        text.key(string: k)
        if v < 0 { text.value(Int64(v)) } else { text.value(UInt64(v)) }
    }

    public mutating func add(_ k: String, _ v: Bool) {
        text.key(string: k)
        text.value(v)
    }

    public mutating func add(_ k: String, _ v: String) {
        text.key(string: k)
        text.value(v)
    }

    /// Adds a pre-rendered JSON value.
    public mutating func addRaw(_ k: String, _ json: String) {
        text.key(string: k)
        text.raw(json)
    }

    /// The finished object.
    public consuming func result() -> String {
        text.endObject()
        return text.string
    }
}
