import Report
import RoCE
import Testing

/// The text table's layout: columns two spaces apart, widths in characters (not bytes),
/// numbers right-aligned, the last column not padded.
struct TextTableTests {
    @Test func columnsAlignByCharacters() {
        var table = TextTable([("QPN", .left), ("PACKETS", .right), ("PROCESS", .left)])
        table.add(["0x11", "7", "ib_write_bw"])
        table.add(["0x123456", "1234567890", "中文🙂"])
        table.add(["0x1", "", ""])
        #expect(table.rowCount == 3)
        #expect(lines(of: table) == [
            "QPN          PACKETS  PROCESS\n",
            "0x11               7  ib_write_bw\n",
            "0x123456  1234567890  中文🙂\n",
            "0x1                   \n",
        ])
    }
}

/// The lines a table writes.
func lines(of table: TextTable) -> [String] {
    var lines: [String] = []
    table.write { lines.append(String(decoding: $0, as: UTF8.self)) }
    return lines
}

/// Numbers written as cells, cells past the last column, and the hex of QPNs and opcodes.
struct TextCellTests {
    @Test func numberCellsAndDroppedCells() {
        var table = TextTable([("QPN", .left), ("PACKETS", .right)])
        table.cell("0x11")
        table.cell(UInt64.max)
        table.cell("dropped: past the last column")
        table.endRow()
        table.cell("0x2")
        table.cell(UInt64(0))
        table.endRow()
        table.add(["0x3", "5", "dropped"])
        table.add(["a\r\nb", "1"])  // "\r\n" is one character: 3 in all, as String.count says
        #expect(lines(of: table) == [
            "QPN                PACKETS\n",
            "0x11  18446744073709551615\n",
            "0x2                      0\n",
            "0x3                      5\n",
            "a\r\nb                      1\n",
        ])
    }

    /// `Units.hex` against Swift's own radix formatting, padded by hand.
    @Test func hexMatchesSwiftsRadixFormatting() {
        var values: [UInt64] = [0, 1, 0xF, 0x10, 0xFF_FFFF, 0x100_0000, .max, UInt64(UInt32.max)]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<1000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            values.append(state >> (state % 64))
        }
        for v in values {
            for width in [0, 1, 2, 6, 8, 16, 20] {
                var expected = String(v, radix: 16)
                while expected.count < width { expected = "0" + expected }
                #expect(Units.hex(v, width: width) == "0x" + expected)
            }
        }
        #expect(Units.hex(UInt8(0x7), width: 2) == "0x07")
        #expect(Units.hex(UInt32(0x11), width: 6) == "0x000011")
    }

    /// IPv4 text against string interpolation of the four bytes, every value of each byte.
    @Test func ipv4TextMatchesItsBytes() {
        for b in 0...255 {
            for v in [UInt32(b) << 24 | 0x0001_0203, UInt32(b) << 16 | 0xFF00_00FE, UInt32(b) << 8 | 0x0A00_0009,
                      UInt32(b) | 0x6400_6300, UInt32(b) * 0x0101_0101] {
                #expect(IPAddress(ipv4: v).description == "\(v >> 24).\(v >> 16 & 0xFF).\(v >> 8 & 0xFF).\(v & 0xFF)")
            }
        }
    }
}
