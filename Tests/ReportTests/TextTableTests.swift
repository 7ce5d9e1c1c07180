import Report
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
        var lines: [String] = []
        table.write { lines.append(String(decoding: $0, as: UTF8.self)) }
        #expect(lines == [
            "QPN          PACKETS  PROCESS\n",
            "0x11               7  ib_write_bw\n",
            "0x123456  1234567890  中文🙂\n",
            "0x1                   \n",
        ])
    }
}
