/// Builds one JSON object as text, keys in insertion order. Used for the per-packet JSON
/// Lines of `--dump --json`, where speed and key order matter.
public struct JSONLine {
    private(set) var text = "{"
    private var first = true

    public init() {}

    private mutating func key(_ k: String) {
        if !first { text += "," }
        first = false
        text += "\""
        text += k
        text += "\":"
    }

    public mutating func add(_ k: String, _ v: UInt64) {
        key(k)
        text += String(v)
    }

    public mutating func add<T: BinaryInteger>(_ k: String, _ v: T) {
        key(k)
        text += String(v)
    }

    public mutating func add(_ k: String, _ v: Bool) {
        key(k)
        text += v ? "true" : "false"
    }

    public mutating func add(_ k: String, _ v: String) {
        key(k)
        JSONLine.appendQuoted(v, to: &text)
    }

    /// Adds a pre-rendered JSON value.
    public mutating func addRaw(_ k: String, _ json: String) {
        key(k)
        text += json
    }

    /// The finished object.
    public var result: String { text + "}" }

    /// Appends `s` as a JSON string literal.
    public static func appendQuoted(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += "\\u00" + (scalar.value < 16 ? "0" : "") + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
