extension String {
    /// Calls `body` with the string's UTF-8: a native string's where it lies, a bridged one's
    /// copied first. (`withUTF8` is mutating: calling it copies the string into a `var`
    /// first, and a snapshot of 10k QPs writes a million strings.)
    @inline(__always)
    func withUTF8Bytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        if let result = try utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = self
        return try copy.withUTF8(body)
    }
}
