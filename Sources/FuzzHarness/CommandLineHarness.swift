import ArgumentParser
import RdmaTopCLI

/// The command line: NUL-separated arguments parsed and validated as `rdmatop` does (not
/// run). A usage error must be exit status 64 with a message; help and version exit 0.
enum CommandLineHarness {
    static func run(_ bytes: UnsafeRawBufferPointer) {
        let args = bytes.split(separator: 0, maxSplits: 64, omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        do {
            _ = try RdmaTop.parseAsRoot(args)
        } catch {
            let status = RdmaTop.exitCode(for: error)
            fuzzCheck(status.rawValue == 0 || status.rawValue == 64, "rdmatop \(args): exit status \(status.rawValue)")
            let message = RdmaTop.message(for: error)
            fuzzCheck(status.rawValue == 0 || !message.isEmpty, "rdmatop \(args): a usage error without a message")
        }
    }
}
