/// Builds one JSON object as text, keys in insertion order. Used for the per-packet JSON
/// Lines of `--dump --json`, where speed and key order matter.
public struct JSONLine {
    private var text = JSONBytes()
    private var first = true

    public init() { text.byte(UInt8(ascii: "{")) }

    private mutating func key(_ k: String) {
        if !first { text.byte(UInt8(ascii: ",")) }
        first = false
        text.quoted(k)
        text.byte(UInt8(ascii: ":"))
    }

    public mutating func add(_ k: String, _ v: UInt64) {
        key(k)
        text.decimal(v)
    }

    public mutating func add<T: BinaryInteger>(_ k: String, _ v: T) {
        key(k)
        text.raw(String(v))
    }

    public mutating func add(_ k: String, _ v: Bool) {
        key(k)
        text.raw(v ? "true" : "false")
    }

    public mutating func add(_ k: String, _ v: String) {
        key(k)
        text.quoted(v)
    }

    /// Adds a pre-rendered JSON value.
    public mutating func addRaw(_ k: String, _ json: String) {
        key(k)
        text.raw(json)
    }

    /// The finished object.
    public var result: String {
        var done = text
        done.byte(UInt8(ascii: "}"))
        return done.string
    }
}
