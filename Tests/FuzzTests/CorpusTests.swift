import Foundation
import Testing
import FuzzHarness

/// Every committed fuzzing input (fuzz/corpus/TARGET) through its harness, without the
/// sanitizers: what the campaigns kept, and the inputs of the crashes they found, must run
/// to the end. (`make test` also runs each target under libFuzzer for a short time.)
@Suite(.serialized) struct CorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../fuzz/corpus").standardized

    static func inputs(_ target: FuzzTarget) throws -> [URL] {
        let folder = corpus.appendingPathComponent(target.rawValue)
        return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    @Test(arguments: FuzzTarget.allCases)
    func everyCorpusInputRuns(target: FuzzTarget) throws {
        let inputs = try Self.inputs(target)
        #expect(!inputs.isEmpty, "no corpus for \(target.rawValue)")
        try withOutputDiscarded {
            for url in inputs { target.run([UInt8](try Data(contentsOf: url))) }
        }
    }
}

/// Runs `body` with standard output and standard error sent to /dev/null (the pipeline
/// target prints snapshots and one-line errors as rdmatop does).
func withOutputDiscarded<T>(_ body: () throws -> T) rethrows -> T {
    let saved = (dup(1), dup(2))
    let null = open("/dev/null", O_WRONLY)
    dup2(null, 1)
    dup2(null, 2)
    close(null)
    defer {
        dup2(saved.0, 1)
        dup2(saved.1, 2)
        close(saved.0)
        close(saved.1)
    }
    return try body()
}
