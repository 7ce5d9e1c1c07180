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
        #expect(table.render() == [
            "QPN          PACKETS  PROCESS",
            "0x11               7  ib_write_bw",
            "0x123456  1234567890  中文🙂",
            "0x1                   ",
        ])
        var written: [UInt8] = []
        table.write { written.append(contentsOf: $0) }
        #expect(String(decoding: written, as: UTF8.self) == table.render().map { $0 + "\n" }.joined())
    }
}
