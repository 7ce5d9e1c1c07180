import FuzzHarness
#if canImport(Glibc)
import Glibc
#endif

// The libFuzzer driver. Built with `-sanitize=fuzzer,address` (`make fuzz`), the binary holds
// libFuzzer, whose `LLVMFuzzerRunDriver` runs the campaign with this file's callback; built
// normally, it has no libFuzzer and says so. (SwiftPM renames an executable's `main`, so the
// driver is called from here rather than through libFuzzer's own `main`.)

/// Called by libFuzzer for each input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzTarget.selected?.run(UnsafeRawBufferPointer(start: data.map(UnsafeRawPointer.init), count: size))
    return 0
}

/// Called once by libFuzzer's own `main`, when that is the entry point: picks the target.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(_ argc: UnsafeMutablePointer<Int32>,
                             _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>) -> Int32 {
    FuzzTarget.select(arguments: (0..<Int(argc.pointee)).compactMap { argv.pointee[$0].map { String(cString: $0) } })
    return 0
}

typealias RunDriver = @convention(c) (
    UnsafeMutablePointer<Int32>, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

// `--seed=DIR [--captures=DIR]`: write the starting corpus instead of fuzzing.
if let seed = CommandLine.arguments.first(where: { $0.hasPrefix("--seed=") }) {
    let captures = CommandLine.arguments.first { $0.hasPrefix("--captures=") }.map { String($0.dropFirst(11)) }
    do {
        try FuzzSeeds.write(to: String(seed.dropFirst(7)), capturesDirectory: captures)
        exit(0)
    } catch {
        var line = "rdmatop-fuzz: \(error)\n"
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
        exit(1)
    }
}
FuzzTarget.select(arguments: CommandLine.arguments)
guard let symbol = dlsym(nil, "LLVMFuzzerRunDriver") else {
    var line = "rdmatop-fuzz: built without libFuzzer (build with -sanitize=fuzzer: make fuzz)\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    exit(2)
}
var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(unsafeBitCast(symbol, to: RunDriver.self)(&argc, &argv, { fuzzerTestOneInput($0, $1) }))
