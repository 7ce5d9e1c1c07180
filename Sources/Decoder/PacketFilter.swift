/// A filter over decoded packets: by destination QPN, by opcode (name, number or class) and
/// by address. Shared by `--qpn` / `--opcode` / `--addr`, the dump and the live view.
public struct PacketFilter: Sendable, Hashable, CustomStringConvertible {
    /// An opcode selector.
    public enum OpcodeSelector: Sendable, Hashable {
        /// Exactly these opcodes (a full name, a number, or an operation name such as
        /// `SEND_ONLY` that matches it on every transport).
        case opcodes(Set<UInt8>)
        /// Every opcode with any of these classes.
        case classes(OpcodeClass)
        /// AETH NAKs (any code).
        case nak
        /// AETH RNR NAKs.
        case rnrNak
        /// Packets whose IP header carries ECN CE.
        case congestionExperienced
        /// Opcodes of one transport.
        case transport(Transport)
    }

    /// Destination QPN to match.
    public var qpn: UInt32?
    /// Opcode selector to match.
    public var opcode: OpcodeSelector?
    /// Source or destination address to match.
    public var address: IPAddress?
    /// The text the opcode selector was parsed from, for display.
    public var opcodeText: String?

    public init(qpn: UInt32? = nil, opcode: OpcodeSelector? = nil, address: IPAddress? = nil, opcodeText: String? = nil) {
        self.qpn = qpn
        self.opcode = opcode
        self.address = address
        self.opcodeText = opcodeText
    }

    /// Whether the filter matches everything.
    public var isEmpty: Bool { qpn == nil && opcode == nil && address == nil }

    /// Whether `packet` passes the filter.
    public func matches(_ packet: RoCEPacket) -> Bool {
        if let qpn, packet.bth.destQP != qpn { return false }
        if let address, packet.ip.source != address && packet.ip.destination != address { return false }
        if let opcode, !PacketFilter.matches(opcode, packet) { return false }
        return true
    }

    static func matches(_ selector: OpcodeSelector, _ packet: RoCEPacket) -> Bool {
        switch selector {
        case .opcodes(let set): set.contains(packet.bth.opcode)
        case .classes(let c): !packet.opcodeInfo.classes.isDisjoint(with: c)
        case .nak: if case .nak = packet.syndrome { true } else { false }
        case .rnrNak: if case .rnrNak = packet.syndrome { true } else { false }
        case .congestionExperienced: packet.ip.ecn == .ce
        case .transport(let t): packet.opcodeInfo.transport == t
        }
    }

    /// Whether an opcode selector matches `opcode` by the opcode alone (no packet needed):
    /// used to filter per-opcode tables. Syndrome and ECN selectors match the opcodes that
    /// can carry them.
    public static func matches(_ selector: OpcodeSelector, opcode: UInt8) -> Bool {
        let info = OpcodeTable[opcode]
        switch selector {
        case .opcodes(let set): return set.contains(opcode)
        case .classes(let c): return !info.classes.isDisjoint(with: c)
        case .nak, .rnrNak: return info.headers.contains(.aeth)
        case .congestionExperienced: return true
        case .transport(let t): return info.transport == t
        }
    }

    /// Parses an opcode selector: a number (`6`, `0x06`), a full name (`RC_RDMA_WRITE_FIRST`),
    /// an operation name on any transport (`RDMA_WRITE_FIRST`), a class (`write`, `read`,
    /// `send`, `atomic`, `ack`, `request`, `response`, `first`, `middle`, `last`, `only`,
    /// `immediate`, `invalidate`, `flush`, `cnp`, `unknown`), `nak`, `rnr`, `ce`, or a
    /// transport (`rc`, `uc`, `rd`, `ud`, `xrc`). Case-insensitive.
    public static func parseOpcode(_ text: String) -> OpcodeSelector? {
        let t = text.trimmingCharactersInSet()
        if let n = parseNumber(t) {
            return n <= 255 ? .opcodes([UInt8(n)]) : nil
        }
        let lower = t.lowercased()
        switch lower {
        case "nak": return .nak
        case "rnr", "rnr_nak": return .rnrNak
        case "ce", "ecn": return .congestionExperienced
        default: break
        }
        if let (_, c) = OpcodeClass.names.first(where: { $0.0 == lower }) { return .classes(c) }
        if let transport = Transport.allCases.first(where: { $0.name.lowercased() == lower && $0 != .cnp }) {
            return .transport(transport)
        }
        if let opcode = OpcodeTable.opcode(named: t) { return .opcodes([opcode]) }
        let suffix = "_" + t.uppercased()
        let matching = OpcodeTable.entries.filter { $0.isDefined && $0.name.hasSuffix(suffix) }.map(\.opcode)
        return matching.isEmpty ? nil : .opcodes(Set(matching))
    }

    /// Parses a QPN or other number: decimal or `0x` hexadecimal.
    public static func parseNumber(_ text: String) -> UInt32? {
        let t = text.trimmingCharactersInSet().lowercased()
        if t.hasPrefix("0x") { return UInt32(t.dropFirst(2), radix: 16) }
        return UInt32(t)
    }

    public var description: String {
        var parts: [String] = []
        if let qpn { parts.append("qpn 0x" + String(qpn, radix: 16)) }
        if opcode != nil { parts.append("opcode " + (opcodeText ?? "?")) }
        if let address { parts.append("addr \(address)") }
        return parts.joined(separator: ", ")
    }
}

extension String {
    func trimmingCharactersInSet() -> String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s.removeFirst() }
        while s.last?.isWhitespace == true { s.removeLast() }
        return String(s)
    }
}
