import Foundation
import Report
import RoCE
import Stats
import Testing
import TestSupport

/// The JSON writer's text, read back by Foundation's parser (written elsewhere), and its
/// layout: two spaces a level, `{}` and `[]` when empty, compact on one line when asked.
struct JSONWriterTests {
    /// Strings with every kind of escape, numbers at their limits, empty and nested
    /// containers, and an array written element by element.
    static let document: JSONValue = .object([
        ("plain", .string("mlx5_0")),
        ("escapes", .string("a\"b\\c\nd\re\tf\u{01}g\u{1f}h")),
        ("unicode", .string("中文🙂")),
        ("", .string("")),
        ("max", .uint(.max)),
        ("min", .int(.min)),
        ("zero", .uint(0)),
        ("half", .double(0.5)),
        ("big", .double(1e300)),
        ("whole", .double(-42)),
        ("nan", .double(.nan)),
        ("flags", .array([.bool(true), .bool(false), .null])),
        ("empty_object", .object([])),
        ("empty_array", .array([])),
        ("streamed", .streamed(count: 3) { i, out in
            out.beginObject()
            out.key("i")
            out.value(UInt64(i))
            out.key("inner")
            out.beginArray()
            out.endArray()
            out.endObject()
        }),
        ("none_streamed", .streamed(count: 0) { _, _ in }),
    ])

    @Test(arguments: [2, nil] as [Int?])
    func foundationReadsBackWhatWasWritten(indent: Int?) throws {
        let text = JSONWriterTests.document.render(indent: indent)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(parsed["plain"] as? String == "mlx5_0")
        #expect(parsed["escapes"] as? String == "a\"b\\c\nd\re\tf\u{01}g\u{1f}h")
        #expect(parsed["unicode"] as? String == "中文🙂")
        #expect(parsed[""] as? String == "")
        #expect((parsed["max"] as? NSNumber)?.uint64Value == .max)
        #expect((parsed["min"] as? NSNumber)?.int64Value == .min)
        #expect((parsed["zero"] as? NSNumber)?.intValue == 0)
        #expect((parsed["half"] as? NSNumber)?.doubleValue == 0.5)
        #expect((parsed["whole"] as? NSNumber)?.intValue == -42)
        #expect(parsed["nan"] is NSNull)
        #expect((parsed["flags"] as? [Any])?.count == 3)
        #expect((parsed["empty_object"] as? [String: Any])?.isEmpty == true)
        #expect((parsed["empty_array"] as? [Any])?.isEmpty == true)
        let streamed = try #require(parsed["streamed"] as? [[String: Any]])
        #expect(streamed.map { ($0["i"] as? NSNumber)?.intValue } == [0, 1, 2])
        #expect(streamed.allSatisfy { ($0["inner"] as? [Any])?.isEmpty == true })
        #expect((parsed["none_streamed"] as? [Any])?.isEmpty == true)
        // Compact means one line; pretty means a line a member.
        #expect(text.contains("\n") == (indent != nil))
    }

    @Test func layout() {
        let value: JSONValue = .object([
            ("a", .uint(1)), ("b", .object([("c", .array([.uint(2), .object([])]))])), ("d", .array([])),
        ])
        #expect(value.render() == """
            {
              "a": 1,
              "b": {
                "c": [
                  2,
                  {}
                ]
              },
              "d": []
            }
            """)
        #expect(value.render(indent: nil) == #"{"a":1,"b":{"c":[2,{}]},"d":[]}"#)
        #expect(JSONValue.object([]).render() == "{}")
    }

    /// Fractions have six decimals, as the text snapshot writes them (`Units.fixed`), rounded
    /// half away from zero; a sign only on what does not round to zero; out of range, Swift's
    /// own description.
    @Test func fractionsAreWrittenWithSixDecimals() {
        let cases: [(Double, String)] = [
            (0.5, "0.500000"), (-0.5, "-0.500000"), (12200.40668, "12200.406680"), (3.000001, "3.000001"),
            (100.0033333333, "100.003333"), (0.0000004, "0.000000"), (-0.0000004, "0.000000"),
            (0.0000006, "0.000001"), (-2.25, "-2.250000"), (123456.5, "123456.500000"),
            (1e14 + 0.5, "100000000000000.5"), (1e300, "1e+300"),
        ]
        for (v, text) in cases {
            #expect(JSONValue.double(v).render(indent: nil) == text, "\(v)")
        }
        for i in 1...2000 {
            let v = Double((i &* 2_654_435_761) % 1_000_000_007 - 500_000_000) / Double(i % 997 + 3)
            guard v != v.rounded() else { continue }
            #expect(JSONValue.double(v).render(indent: nil) == Units.fixed(v, digits: 6), "\(v)")
        }
    }

    /// A snapshot's JSON value written three times, laid out two ways: the QPs' member
    /// starts, made for the first layout, are made again for the other.
    @Test func aSnapshotsValueIsWrittenEitherWay() throws {
        let engine = StatsEngine()
        for qpn: UInt32 in [0x11, 0x12] {
            engine.ingest(TestPackets.build(0x04, qpn: qpn, psn: 1).packet, frameLength: 60, timestamp: 1_000_000_000,
                          direction: .inbound)
        }
        let value = Snapshot(engine: engine, source: Snapshot.Source(kind: "file", file: "t", mode: "file")).json
        let pretty = value.render(), compact = value.render(indent: nil), again = value.render()
        #expect(!compact.contains("\n") && pretty == again && pretty.contains("\n      \"packets\": 1,"))
        let a = try JSONSerialization.jsonObject(with: Data(pretty.utf8)) as! NSDictionary
        let b = try JSONSerialization.jsonObject(with: Data(compact.utf8)) as! NSDictionary
        #expect(a == b)
    }

    /// A document written in pieces is the document written whole.
    @Test func piecesMakeTheWholeDocument() {
        let big: JSONValue = .object([("qps", .streamed(count: 5000) { i, out in
            out.beginObject()
            out.key("src")
            out.value("10.0.\(i / 256).\(i % 256)")
            out.key("packets")
            out.value(UInt64(i) * 1_000_003)
            out.endObject()
        })])
        var pieces: [[UInt8]] = []
        big.write { pieces.append(Array($0)) }
        #expect(pieces.count > 1)
        #expect(String(decoding: pieces.joined(), as: UTF8.self) == big.render())
    }

    /// `--dump --json`'s lines: compact, every escape, numbers of every width.
    @Test func dumpLinesParse() throws {
        var line = JSONLine()
        line.add("name", "quote\" and \\ and \u{7}")
        line.add("psn", UInt64(0xFF_FFFF))
        line.add("negative", Int32(-5))
        line.add("ok", true)
        line.addRaw("vlan.id", "[1,2]")
        let text = line.result()
        #expect(!text.contains("\n"))
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(parsed["name"] as? String == "quote\" and \\ and \u{7}")
        #expect((parsed["psn"] as? NSNumber)?.intValue == 0xFF_FFFF)
        #expect((parsed["negative"] as? NSNumber)?.intValue == -5)
        #expect(parsed["ok"] as? Bool == true)
        #expect((parsed["vlan.id"] as? [Int]) == [1, 2])
    }
}
