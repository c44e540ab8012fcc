import Foundation

/// Runs one variant in its run folder (the trainer): writes `summary.json` there when it finishes.
public typealias SweepRunVariant = @Sendable (ResolvedRecipe, URL) throws -> Void

/// Runs a sweep's variants, `jobs` at a time, each in `out/<variant name>/`. A variant whose
/// `summary.json` exists is finished and skipped, so a stopped sweep resumes where it left off. A
/// failing variant does not stop the others; failures are returned.
public enum SweepRunner {
    /// What happened to each variant.
    public struct Outcome: Sendable {
        public var ran: [String] = []
        public var skipped: [String] = []
        public var failed: [(name: String, error: String)] = []
    }

    /// The run folder of a variant.
    public static func runDirectory(_ v: SweepVariant, in out: URL) -> URL { out.appendingPathComponent(v.name, isDirectory: true) }

    /// Whether a variant already finished (its `summary.json` exists).
    public static func isFinished(_ v: SweepVariant, in out: URL) -> Bool {
        FileManager.default.fileExists(atPath: runDirectory(v, in: out).appendingPathComponent("summary.json").path)
    }

    public static func run(_ variants: [SweepVariant], in out: URL, jobs: Int = 1, log: @Sendable (String) -> Void = { print($0) },
                           runVariant: SweepRunVariant) throws -> Outcome {
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let state = SharedOutcome()
        let todo = variants.filter { v in
            if isFinished(v, in: out) { state.update { $0.skipped.append(v.name) }; log("skip \(v.name) (finished)"); return false }
            return true
        }
        let next = SharedCounter()
        let workers = max(1, min(jobs, todo.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let i = next.take(below: todo.count) {
                let v = todo[i]
                let dir = runDirectory(v, in: out)
                log("run \(v.name)")
                do {
                    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                    try v.recipe.yaml.write(to: dir.appendingPathComponent("recipe.yaml"), atomically: true, encoding: .utf8)
                    try runVariant(v.recipe, dir)
                    state.update { $0.ran.append(v.name) }
                } catch {
                    log("failed \(v.name): \(error)")
                    state.update { $0.failed.append((v.name, "\(error)")) }
                }
            }
        }
        return state.value
    }
}

private final class SharedOutcome: @unchecked Sendable {
    private let lock = NSLock()
    private var outcome = SweepRunner.Outcome()
    func update(_ f: (inout SweepRunner.Outcome) -> Void) { lock.lock(); f(&outcome); lock.unlock() }
    var value: SweepRunner.Outcome { lock.lock(); defer { lock.unlock() }; return outcome }
}

private final class SharedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func take(below limit: Int) -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard n < limit else { return nil }
        n += 1
        return n - 1
    }
}
