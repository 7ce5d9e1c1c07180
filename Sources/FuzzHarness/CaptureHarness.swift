import Capture

/// The capture reader on a whole file, read to its end or its first fault.
enum CaptureHarness {
    static func run(_ bytes: UnsafeRawBufferPointer) {
        let file = ScratchFile.shared
        file.write(bytes)
        // A small first buffer (64 B to 8 KiB, from the input's length) so that records
        // larger than the buffer exercise its growth and refills.
        let bufferSize = 64 << (bytes.count % 8)
        do {
            let reader = try CaptureReader(fileDescriptor: file.descriptor, name: "fuzz", bufferSize: bufferSize)
            var sum: UInt64 = 0
            while let packet = try reader.next() {
                // Touch every byte handed over: the address sanitizer checks it is inside the buffer.
                for b in packet.data { sum &+= UInt64(b) }
                sum &+= UInt64(bitPattern: packet.timestampNanoseconds) &+ UInt64(packet.originalLength)
                    &+ UInt64(packet.linkType)
            }
            blackHole(sum)
        } catch {
            fuzzCheck(isOneLine(error.description), "capture error not one line: \(error.description)")
        }
    }
}

/// Keeps a value alive so the optimiser cannot drop the work that made it.
@inline(never)
func blackHole<T>(_ value: T) { _ = value }
