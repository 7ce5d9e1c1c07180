/// The AETH syndrome (IBTA vol. 1, 9.7.5.1): ACK with credits, RNR NAK with its timer,
/// or NAK with its code.
public enum AETHSyndrome: Sendable, Hashable, CustomStringConvertible {
    /// Positive acknowledgement; `credits` is the 5-bit credit count (31 = invalid/unlimited).
    case ack(credits: UInt8)
    /// Receiver not ready; `timer` is the 5-bit RNR timer code.
    case rnrNak(timer: UInt8)
    /// Negative acknowledgement with its 5-bit code.
    case nak(NAKCode)
    /// The reserved syndrome class `10`, or bit 7 set.
    case reserved(UInt8)

    /// Decodes a syndrome byte.
    public init(byte: UInt8) {
        let low = byte & 0x1F
        guard byte & 0x80 == 0 else {
            self = .reserved(byte)
            return
        }
        switch byte >> 5 & 3 {
        case 0: self = .ack(credits: low)
        case 1: self = .rnrNak(timer: low)
        case 3: self = .nak(NAKCode(rawValue: low))
        default: self = .reserved(byte)
        }
    }

    /// The syndrome byte.
    public var byte: UInt8 {
        switch self {
        case .ack(let credits): credits & 0x1F
        case .rnrNak(let timer): 0x20 | timer & 0x1F
        case .nak(let code): 0x60 | code.rawValue & 0x1F
        case .reserved(let b): b
        }
    }

    public var description: String {
        switch self {
        case .ack(let credits): "ACK credits \(credits)"
        case .rnrNak(let timer): "RNR NAK timer \(timer) (\(AETHSyndrome.rnrTimerDescription(timer)))"
        case .nak(let code): "NAK \(code.name)"
        case .reserved(let b): "reserved syndrome 0x" + String(b, radix: 16)
        }
    }

    /// The RNR NAK timer values of the IBTA table, in microseconds (code 0 = 655.36 ms).
    public static let rnrTimerMicroseconds: [Int] = [
        655_360, 10, 20, 30, 40, 60, 80, 120, 160, 240, 320, 480, 640, 960, 1_280, 1_920, 2_560,
        3_840, 5_120, 7_680, 10_240, 15_360, 20_480, 30_720, 40_960, 61_440, 81_920, 122_880,
        163_840, 245_760, 327_680, 491_520,
    ]

    /// "1.28 ms" for timer code 14.
    public static func rnrTimerDescription(_ code: UInt8) -> String {
        let us = rnrTimerMicroseconds[Int(code & 0x1F)]
        let whole = us / 1000, frac = us % 1000
        var text = String(whole)
        if frac != 0 {
            var f = String(frac)
            while f.count < 3 { f = "0" + f }
            while f.hasSuffix("0") { f.removeLast() }
            text += "." + f
        }
        return text + " ms"
    }
}

/// A NAK code of the AETH syndrome.
public struct NAKCode: RawRepresentable, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue & 0x1F }

    public static let psnSequenceError = NAKCode(rawValue: 0)
    public static let invalidRequest = NAKCode(rawValue: 1)
    public static let remoteAccessError = NAKCode(rawValue: 2)
    public static let remoteOperationalError = NAKCode(rawValue: 3)
    public static let invalidRDRequest = NAKCode(rawValue: 4)

    /// The name used in views and JSON ("psn_sequence_error", ..., "code_9").
    public var name: String {
        switch rawValue {
        case 0: "psn_sequence_error"
        case 1: "invalid_request"
        case 2: "remote_access_error"
        case 3: "remote_operational_error"
        case 4: "invalid_rd_request"
        default: "code_\(rawValue)"
        }
    }
}
