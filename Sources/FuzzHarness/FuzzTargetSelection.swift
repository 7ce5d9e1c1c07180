#if canImport(Glibc)
import Glibc
#endif

extension FuzzTarget {
    /// The target libFuzzer runs, chosen once at start-up.
    nonisolated(unsafe) public static var selected: FuzzTarget?

    /// Picks the target from `--target=NAME` among the arguments (libFuzzer ignores flags
    /// that start with `--`), else from `RDMATOP_FUZZ_TARGET`; exits with the list of targets
    /// when neither names one.
    public static func select(arguments: [String]) {
        let named = arguments.last { $0.hasPrefix("--target=") }.map { String($0.dropFirst("--target=".count)) }
            ?? getenv("RDMATOP_FUZZ_TARGET").map { String(cString: $0) }
        guard let named, let target = FuzzTarget(rawValue: named) else {
            let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
            var line = "rdmatop-fuzz: give --target=NAME, one of: \(names)\n"
            line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
            exit(2)
        }
        selected = target
    }
}
