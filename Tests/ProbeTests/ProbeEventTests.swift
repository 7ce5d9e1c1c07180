import Testing
import Probe

/// `ProbeEvent(record:clockOffset:)`: the ring-buffer record parser the probe and the
/// fuzzing harness share, on records laid out as bpf/rdmatop.h says (24-byte header).
@Suite struct ProbeEventTests {
    /// A record: timestamp, ifindex, orig_len, cap_len, direction, framing, hook, reserved, bytes.
    static func record(timestamp: UInt64, ifindex: UInt32 = 3, originalLength: UInt32, capturedLength: UInt32,
                       direction: UInt8 = 1, framing: UInt8 = 1, hook: UInt8 = 2, bytes: [UInt8]) -> [UInt8] {
        var r: [UInt8] = []
        func put(_ v: UInt64, _ n: Int) { for i in 0..<n { r.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
        put(timestamp, 8)
        put(UInt64(ifindex), 4)
        put(UInt64(originalLength), 4)
        put(UInt64(capturedLength), 4)
        r += [direction, framing, hook, 0]
        return r + bytes
    }

    @Test func aRecordGivesItsFieldsAndBorrowsItsBytes() throws {
        let r = Self.record(timestamp: 1_000, originalLength: 1500, capturedLength: 4, bytes: [1, 2, 3, 4])
        try r.withUnsafeBytes { raw in
            let event = try #require(ProbeEvent(record: raw, clockOffset: 5))
            #expect(event.timestampNanoseconds == 1_005)
            #expect(event.ifindex == 3 && event.originalLength == 1500 && event.direction == .outbound && event.hook == 2)
            #expect(event.linkType == .rawIP)
            #expect(Array(event.data) == [1, 2, 3, 4])
            #expect(event.data.baseAddress == raw.baseAddress! + 24)
        }
    }

    @Test func aCapturedLengthBeyondTheRecordIsCutToIt() throws {
        let r = Self.record(timestamp: 0, originalLength: 9000, capturedLength: 0xFFFF_FFFF, framing: 0, bytes: [9, 8])
        try r.withUnsafeBytes { raw in
            let event = try #require(ProbeEvent(record: raw, clockOffset: 0))
            #expect(Array(event.data) == [9, 8])
            #expect(event.linkType == .ethernet)
        }
    }

    @Test func aRecordShorterThanTheHeaderIsNone() {
        let r = Self.record(timestamp: 0, originalLength: 0, capturedLength: 0, bytes: [])
        for n in [0, 1, 23] {
            r.withUnsafeBytes { raw in
                #expect(ProbeEvent(record: UnsafeRawBufferPointer(rebasing: raw.prefix(n)), clockOffset: 0) == nil)
            }
        }
    }

    @Test func theClockOffsetWrapsInsteadOfTrapping() throws {
        let r = Self.record(timestamp: UInt64.max, originalLength: 0, capturedLength: 0, bytes: [])
        try r.withUnsafeBytes { raw in
            let event = try #require(ProbeEvent(record: raw, clockOffset: Int64.min))
            #expect(event.timestampNanoseconds == Int64.max)
        }
    }
}
