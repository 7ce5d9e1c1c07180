import Capture
import Report
import RoCE

/// Reads a capture file and decodes every frame: the packet source behind `--read`.
public final class CaptureFileSource {
    private let reader: CaptureReader
    private let decoder: PacketDecoder
    /// Frames read so far.
    public private(set) var frameCount: UInt64 = 0

    /// Opens `path` ("-" for standard input).
    public init(path: String, decoder: PacketDecoder) throws(CaptureError) {
        reader = try CaptureReader(path: path)
        self.decoder = decoder
    }

    /// Calls `body` for each frame, decoded, until the end of the file. A fault in the file is
    /// thrown after the frames before it have been handed over.
    public func forEach(_ body: (DecodedFrame) throws -> Void) throws {
        while let captured = try reader.next() {
            frameCount += 1
            try body(DecodedFrame(captured, number: frameCount, format: reader.format, decoder: decoder))
        }
    }
}
