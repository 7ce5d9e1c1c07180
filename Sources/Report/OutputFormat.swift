/// How a snapshot is printed: `--format text|json|prometheus`.
public enum OutputFormat: String, CaseIterable, Sendable {
    /// `top -b`-like text.
    case text
    /// One JSON document (docs/json-schema.md).
    case json
    /// The Prometheus text exposition, for node_exporter's textfile collector.
    case prometheus
}

extension Snapshot {
    /// The snapshot in `format`; `metricsQPs` bounds the per-QP series of the exposition.
    public func rendered(as format: OutputFormat, metricsQPs: Int, version: String) -> String {
        switch format {
        case .text: return renderText()
        case .json: return jsonText()
        case .prometheus:
            let exporter = PrometheusExporter(topK: metricsQPs, version: version)
            exporter.update(self)
            return exporter.render()
        }
    }

    /// The same, handed to `sink` in pieces: text and JSON as they are written, never whole.
    public func write(as format: OutputFormat, metricsQPs: Int, version: String,
                      to sink: @escaping (UnsafeRawBufferPointer) -> Void) {
        if format == .json { return writeJSON(to: sink) }
        if format == .text { return writeText(to: sink) }
        var text = rendered(as: format, metricsQPs: metricsQPs, version: version)
        text.withUTF8 { sink(UnsafeRawBufferPointer($0)) }
    }
}
