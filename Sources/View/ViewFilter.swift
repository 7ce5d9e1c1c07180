import RoCE
import Stats

/// The view's filter over QP rows, typed at the `/` prompt or given by `--qpn`, `--opcode`
/// and `--addr`. Terms are separated by spaces; each is a QPN (`17`, `0x11`), an address
/// (`10.0.0.2`, either end of the flow), or an opcode selector (`RC_RDMA_WRITE_FIRST`,
/// `write`, `nak`, ..., as `--opcode` takes them). A term may be tagged to say which it is:
/// `qpn:17`, `op:17` (opcode 17), `addr:10.0.0.2`. Terms of one kind are alternatives; terms
/// of different kinds must all match.
public struct ViewFilter: Equatable, Sendable, CustomStringConvertible {
    /// The text the filter was parsed from.
    public private(set) var text: String = ""
    public private(set) var qpns: [UInt32] = []
    public private(set) var addresses: [IPAddress] = []
    /// Opcode selectors, with the text each came from.
    public private(set) var opcodes: [(selector: PacketFilter.OpcodeSelector, text: String)] = []

    /// The empty filter: every row.
    public init() {}

    /// Whether every row passes.
    public var isEmpty: Bool { qpns.isEmpty && addresses.isEmpty && opcodes.isEmpty }

    /// A filter that is not valid, and why.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var term: String
        public var reason: String
        public var description: String { "\(term): \(reason)" }
    }

    /// Parses the text of the `/` prompt.
    public static func parse(_ text: String) throws(ParseError) -> ViewFilter {
        var filter = ViewFilter()
        let terms = text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }).map(String.init)
        for term in terms {
            let (tag, value) = splitTag(term)
            switch tag {
            case "qpn", "qp", "q":
                guard let n = PacketFilter.parseNumber(value), n <= 0xFF_FFFF else {
                    throw ParseError(term: term, reason: "not a 24-bit QP number")
                }
                filter.qpns.append(n)
            case "addr", "address", "ip", "a":
                guard let a = IPAddress(value) else { throw ParseError(term: term, reason: "not an IP address") }
                filter.addresses.append(a)
            case "op", "opcode", "o":
                guard let s = PacketFilter.parseOpcode(value) else {
                    throw ParseError(term: term, reason: "not an opcode name, number or class")
                }
                filter.opcodes.append((s, value))
            default:
                if let n = PacketFilter.parseNumber(term) {
                    guard n <= 0xFF_FFFF else { throw ParseError(term: term, reason: "not a 24-bit QP number") }
                    filter.qpns.append(n)
                } else if let a = IPAddress(term) {
                    filter.addresses.append(a)
                } else if let s = PacketFilter.parseOpcode(term) {
                    filter.opcodes.append((s, term))
                } else {
                    throw ParseError(term: term, reason: "not a QPN, an address or an opcode")
                }
            }
        }
        filter.text = terms.joined(separator: " ")
        return filter
    }

    /// `qpn:17` → ("qpn", "17"); an IPv6 address or an untagged term → ("", term).
    private static func splitTag(_ term: String) -> (String, String) {
        for separator: Character in [":", "="] {
            if let i = term.firstIndex(of: separator) {
                let tag = term[..<i].lowercased()
                if ["qpn", "qp", "q", "addr", "address", "ip", "a", "op", "opcode", "o"].contains(tag) {
                    return (tag, String(term[term.index(after: i)...]))
                }
            }
        }
        return ("", term)
    }

    /// The filter of the command line's `--qpn`, `--opcode` and `--addr`.
    public init(_ packetFilter: PacketFilter) {
        var terms: [String] = []
        if let q = packetFilter.qpn { terms.append("qpn:0x" + String(q, radix: 16)) }
        if let a = packetFilter.address { terms.append("addr:\(a)") }
        if packetFilter.opcode != nil, let t = packetFilter.opcodeText { terms.append("op:" + t) }
        self = (try? ViewFilter.parse(terms.joined(separator: " "))) ?? ViewFilter()
        if let selector = packetFilter.opcode, opcodes.isEmpty {
            opcodes.append((selector, packetFilter.opcodeText ?? "?"))
        }
    }

    /// Whether a QP row passes: its QPN, either of its addresses, and an opcode it carried
    /// (for `nak`, `rnr` and `ce`: a NAK, an RNR NAK or a CE mark it carried).
    public func matches(_ flow: FlowStats) -> Bool {
        if !qpns.isEmpty && !qpns.contains(flow.key.qpn) { return false }
        if !addresses.isEmpty && !addresses.contains(where: { $0 == flow.key.source || $0 == flow.key.destination }) {
            return false
        }
        if !opcodes.isEmpty && !opcodes.contains(where: { ViewFilter.flow(flow, matches: $0.selector) }) { return false }
        return true
    }

    /// Whether a row of the opcode table passes (only the opcode selectors apply there).
    public func matches(opcode: UInt8) -> Bool {
        opcodes.isEmpty || opcodes.contains { PacketFilter.matches($0.selector, opcode: opcode) }
    }

    /// Whether the filter has terms that the opcode table cannot apply (QPNs, addresses).
    public var selectsFlows: Bool { !qpns.isEmpty || !addresses.isEmpty }

    static func flow(_ flow: FlowStats, matches selector: PacketFilter.OpcodeSelector) -> Bool {
        switch selector {
        case .nak: return flow.counts.nakCount > 0
        case .rnrNak: return flow.counts.rnrNaks > 0
        case .congestionExperienced: return flow.counts.ecnCE > 0
        default: return flow.opcodes.sorted.contains { $0.count > 0 && PacketFilter.matches(selector, opcode: $0.opcode) }
        }
    }

    /// "qpn 0x11, opcode write".
    public var description: String {
        var parts: [String] = []
        if !qpns.isEmpty { parts.append("qpn " + qpns.map { "0x" + String($0, radix: 16) }.joined(separator: "|")) }
        if !addresses.isEmpty { parts.append("addr " + addresses.map(\.description).joined(separator: "|")) }
        if !opcodes.isEmpty { parts.append("opcode " + opcodes.map(\.text).joined(separator: "|")) }
        return parts.joined(separator: ", ")
    }

    public static func == (a: ViewFilter, b: ViewFilter) -> Bool {
        a.text == b.text && a.qpns == b.qpns && a.addresses == b.addresses
            && a.opcodes.map(\.selector) == b.opcodes.map(\.selector)
    }
}
