import Foundation
import Testing
@testable import RoCE

/// The opcode table checked against the independent table in ../shared/reference/roce.md.
@Suite struct OpcodeTableTests {
    static let referencePath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/reference/roce.md").path

    /// Rows of roce.md's opcode table: operation code -> cells for RC, UC, RD, UD, XRC.
    static func referenceRows() throws -> [(UInt8, String, [String])] {
        let text = try String(contentsOfFile: referencePath, encoding: .utf8)
        var rows: [(UInt8, String, [String])] = []
        for line in text.split(separator: "\n") where line.hasPrefix("| 0x") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 7, let code = UInt8(cells[0].dropFirst(2), radix: 16) else { continue }
            rows.append((code, cells[1], Array(cells[2...6])))
        }
        return rows
    }

    static func headers(fromCell cell: String) -> [ExtendedHeader]? {
        if cell == "✗" { return nil }
        if cell == "–" { return [] }
        let names = Dictionary(uniqueKeysWithValues: ExtendedHeader.allCases.map { ($0.name, $0) })
        return cell.split(separator: " ").map { names[String($0)]! }
    }

    @Test func matchesTheReferenceTableForEveryTransport() throws {
        let rows = try Self.referenceRows()
        #expect(rows.count == 26, "roce.md lists 26 operations")
        let transports: [Transport] = [.rc, .uc, .rd, .ud, .xrc]
        var checked = 0
        for (code, operation, cells) in rows {
            for (transport, cell) in zip(transports, cells) {
                let info = OpcodeTable[transport.prefix | code]
                if let expected = Self.headers(fromCell: cell) {
                    #expect(info.isDefined, "\(transport.name) \(operation)")
                    #expect(info.headers == expected, "\(info.name): \(info.headers) vs roce.md \(expected)")
                    #expect(info.headersLength == expected.reduce(0) { $0 + $1.size })
                    #expect(info.transport == transport)
                    checked += 1
                } else {
                    #expect(!info.isDefined, "\(transport.name) \(operation) is not defined in roce.md")
                }
            }
        }
        #expect(checked > 70)
    }

    @Test func headerSizesMatchTheReference() throws {
        let text = try String(contentsOfFile: Self.referencePath, encoding: .utf8)
        for header in ExtendedHeader.allCases where header != .cnpReserved {
            let row = text.split(separator: "\n").first { $0.hasPrefix("| \(header.name) |") }
            let size = try #require(row?.split(separator: "|").dropFirst().first?.trimmingCharacters(in: .whitespaces))
            #expect(Int(size.split(separator: " ")[0]) == header.size, "\(header.name)")
        }
        #expect(ExtendedHeader.cnpReserved.size == 16)
    }

    @Test func everyOpcodeHasAnEntryAndUniqueName() {
        #expect(OpcodeTable.entries.count == 256)
        #expect(Set(OpcodeTable.entries.map(\.name)).count == 256)
        for (i, entry) in OpcodeTable.entries.enumerated() {
            #expect(Int(entry.opcode) == i)
            #expect(OpcodeTable.opcode(named: entry.name) == entry.opcode)
            #expect(OpcodeTable.opcode(named: entry.name.lowercased()) == entry.opcode)
        }
    }

    @Test func namesFollowTheLinuxConvention() {
        #expect(OpcodeTable[0x06].name == "RC_RDMA_WRITE_FIRST")
        #expect(OpcodeTable[0x64].name == "UD_SEND_ONLY")
        #expect(OpcodeTable[0x11].name == "RC_ACKNOWLEDGE")
        #expect(OpcodeTable[0xA0].name == "XRC_SEND_FIRST")
        #expect(OpcodeTable[0x1C].name == "RC_FLUSH")
        #expect(OpcodeTable[0x1D].name == "RC_ATOMIC_WRITE")
        #expect(OpcodeTable[0x81].name == "CNP")
        #expect(OpcodeTable[0x80].name == "UNKNOWN_0x80")
        #expect(OpcodeTable[0xE5].name == "VENDOR_0xE5")
        #expect(OpcodeTable[0xC3].name == "RESERVED_0xC3")
        #expect(OpcodeTable[0x60].name == "UNKNOWN_0x60", "UD has no SEND FIRST")
    }

    @Test func classesDescribeEachOperation() {
        let c = { (op: UInt8) in OpcodeTable[op].classes }
        #expect(c(0x00).isSuperset(of: [.request, .send, .first, .payload]))
        #expect(c(0x01).contains(.middle))
        #expect(c(0x02).contains(.last))
        #expect(c(0x04).contains(.only))
        #expect(c(0x05).isSuperset(of: [.immediate, .only]))
        #expect(c(0x0A).isSuperset(of: [.write, .only]))
        #expect(c(0x0C).isSuperset(of: [.request, .read]) && !c(0x0C).contains(.payload))
        #expect(c(0x0D).isSuperset(of: [.response, .read, .first]))
        #expect(c(0x11).isSuperset(of: [.response, .acknowledge]) && !c(0x11).contains(.payload))
        #expect(c(0x12).isSuperset(of: [.acknowledge, .atomic]))
        #expect(c(0x13).isSuperset(of: [.request, .atomic]))
        #expect(c(0x16).isSuperset(of: [.send, .invalidate, .last]))
        #expect(c(0x1C).contains(.flush))
        #expect(c(0x1D).isSuperset(of: [.write, .atomic, .payload]))
        #expect(c(0x81).contains(.cnp))
        #expect(c(0xE0).contains(.undefined))
        // Every defined packet is exactly one of first / middle / last / only.
        for entry in OpcodeTable.entries where entry.isDefined {
            let position = entry.classes.intersection([.first, .middle, .last, .only])
            #expect([.first, .middle, .last, .only].contains(position), "\(entry.name)")
        }
    }

    @Test func offsetsFollowWireOrder() {
        let rdWriteOnlyImm = OpcodeTable[0x4B]
        #expect(rdWriteOnlyImm.headers == [.rdeth, .deth, .reth, .immDt])
        #expect(rdWriteOnlyImm.offset(of: .rdeth) == 0)
        #expect(rdWriteOnlyImm.offset(of: .deth) == 4)
        #expect(rdWriteOnlyImm.offset(of: .reth) == 12)
        #expect(rdWriteOnlyImm.offset(of: .immDt) == 28)
        #expect(rdWriteOnlyImm.offset(of: .aeth) == nil)
        #expect(rdWriteOnlyImm.headersLength == 32)
    }
}
