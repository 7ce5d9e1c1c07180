import Testing
@testable import View

@Suite struct SparklineTests {
    let levels = Array("12345678")

    @Test func scalesToTheLargestSample() {
        #expect(Sparkline.render([1, 2, 4, 8], width: 4, levels: levels) == "1248")
        #expect(Sparkline.render([10, 10], width: 2, levels: levels) == "88")
    }

    @Test func zeroIsBlankAndAnythingElseIsVisible() {
        #expect(Sparkline.render([0, 0.001, 1000], width: 3, levels: levels) == " 18")
        #expect(Sparkline.render([0, 0], width: 2, levels: levels) == "  ")
    }

    @Test func keepsTheNewestSamplesAtTheRight() {
        let values = (1...100).map(Double.init)
        let line = Sparkline.render(values, width: 10, levels: levels)
        #expect(line.count == 10)
        #expect(line.last == "8")
        #expect(Sparkline.render([5], width: 6, levels: levels) == "     8", "missing history is blank on the left")
        #expect(Sparkline.render([1, 2], width: 0, levels: levels) == "")
    }

    @Test func unicodeAndASCIILevels() {
        #expect(Sparkline.render([1, 8], width: 2, levels: Symbols.unicode.sparkline) == "▁█")
        #expect(Sparkline.render([1, 8], width: 2, levels: Symbols.ascii.sparkline) == "_@")
        #expect(Sparkline.render([.nan, .infinity, 3], width: 3, levels: levels) == "  8")
    }
}
