import Testing
@testable import View

/// Numbers, times and cells in the view's short forms.
@Suite struct FormatTests {
    @Test func rates() {
        #expect(Format.rate(0) == "0")
        #expect(Format.rate(-3) == "0")
        #expect(Format.rate(.nan) == "0")
        #expect(Format.rate(2.5) == "2.5")
        #expect(Format.rate(37.4) == "37")
        #expect(Format.rate(12_345) == "12.3k")
        #expect(Format.rate(4_560_000) == "4.56M")
    }

    @Test func byteRatesAndSizes() {
        #expect(Format.bytes(0) == "0 B")
        #expect(Format.bytes(512) == "512 B")
        #expect(Format.bytes(1234) == "1.23 KB")
        #expect(Format.bytes(45_600_000) == "45.6 MB")
    }

    @Test func countersAreExactUntilTheyGetLong() {
        #expect(Format.count(0) == "0")
        #expect(Format.count(99_999) == "99999")
        #expect(Format.count(123_456) == "123k")
        #expect(Format.count(1_234_567) == "1.23M")
        for n: UInt64 in [7, 99_999, 100_000, 999_999, 12_345_678, 999_999_999_999] {
            #expect(Format.count(n).count <= 5, "\(n) fits a counter column")
        }
    }

    @Test func roundTripTimes() {
        #expect(Format.microseconds(850) == "850us")
        #expect(Format.microseconds(1250) == "1.25ms")
        #expect(Format.microseconds(12_500) == "12.5ms")
        #expect(Format.microseconds(125_000) == "125ms")
        #expect(Format.microseconds(2_500_000) == "2.50s")
        for us: UInt64 in [1, 999, 1000, 99_999, 999_999, 10_000_000] {
            #expect(Format.microseconds(us).count <= 7, "\(us) fits the RTT column")
        }
    }

    @Test func durations() {
        #expect(Format.duration(0) == "0.0s")
        #expect(Format.duration(4.24) == "4.2s")
        #expect(Format.duration(725) == "12:05")
        #expect(Format.duration(3 * 3600 + 2 * 60 + 9) == "3:02:09")
        #expect(Format.seconds(1) == "1 s")
        #expect(Format.seconds(0.5) == "0.50 s")
        #expect(Format.seconds(2.5) == "2.5 s")
    }

    @Test func cellsArePaddedOrCut() {
        #expect(Format.fit("abc", 5) == "abc  ")
        #expect(Format.fit("abc", 5, right: true) == "  abc")
        #expect(Format.fit("abcdef", 4) == "abcd")
        #expect(Format.fit("abcdef", 4, ellipsis: "~") == "abc~")
        #expect(Format.fit("abc", 0) == "")
        #expect(Format.qpn(0x11) == "0x000011")
    }

    @Test func opcodeNamesLoseTheirTransport() {
        #expect(Format.shortOpcodeName(0x06) == "RDMA_WRITE_FIRST")
        #expect(Format.shortOpcodeName(0x64) == "SEND_ONLY")
        #expect(Format.shortOpcodeName(0x81) == "CNP")
    }
}
