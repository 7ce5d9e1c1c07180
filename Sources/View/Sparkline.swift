/// A one-line chart of recent samples, newest at the right.
public enum Sparkline {
    /// The last `width` samples of `values` (oldest first) as `width` characters scaled to
    /// their maximum: a zero sample is a space, any other at least the lowest level. Missing
    /// history is blank on the left.
    public static func render(_ values: [Double], width: Int, levels: [Character]) -> String {
        guard width > 0, !levels.isEmpty else { return "" }
        let shown = values.suffix(width)
        let peak = shown.filter(\.isFinite).max() ?? 0
        var out = Format.spaces(width - shown.count)
        for v in shown {
            guard v.isFinite, v > 0, peak > 0 else {
                out.append(" ")
                continue
            }
            let level = Int((v / peak * Double(levels.count)).rounded(.up)) - 1
            out.append(levels[min(levels.count - 1, max(0, level))])
        }
        return out
    }
}
