import ALIP
import Checkpoint
import Data
import Foundation
import Recipes
import Tensor
import TestSupport

/// A failure preparing the shared tiny data set (Sendable, so the result can be cached in a static).
struct TinyDataError: Error, CustomStringConvertible, Sendable { let description: String }

/// The tiny digit-scenes set (64 training and 32 test scenes) the end-to-end tests train on, generated
/// once per test process into a temporary folder and removed when the process exits.
enum TinyData {
    private static let generated: Result<URL, TinyDataError> = {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("alip-e2e-digit-scenes-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        do {
            try DigitScenes.generate(into: dir, train: 64, test: 32)
        } catch {
            return .failure(TinyDataError(description: "generating the tiny digit scenes in \(dir.path): \(error)"))
        }
        TinyData.registerCleanup(dir.path)
        return .success(dir)
    }()

    /// The data folder (`train.tsv`, `test.tsv`, `train/`, `test/`).
    static func folder() throws -> URL { try generated.get() }
    static func train() throws -> String { try folder().appendingPathComponent("train.tsv").path }
    static func test() throws -> String { try folder().appendingPathComponent("test.tsv").path }

    private static let cleanupLock = NSLock()
    nonisolated(unsafe) private static var cleanupPaths: [String] = []
    private static func registerCleanup(_ path: String) {
        cleanupLock.lock(); defer { cleanupLock.unlock() }
        if cleanupPaths.isEmpty {
            atexit { for p in TinyData.cleanupPaths { try? FileManager.default.removeItem(atPath: p) } }
        }
        cleanupPaths.append(path)
    }
}

/// Recipes of the repository loaded with overrides that make them tiny: the tiny data set, width-16
/// one-layer towers, batch 16, one thread (so runs are comparable bit for bit).
enum TinyRecipe {
    /// The repository's `Recipes/` folder.
    static let recipes = FixturePaths.repoRoot.appendingPathComponent("Recipes")

    /// The overrides: data paths, a small model and tokenizer, and the `train:` settings given.
    static func overrides(steps: Int, logEvery: Int = 5, checkpointEvery: Int = 10, keep: Int = 2,
                          linearProbe: Bool = false) throws -> [String] {
        let train = try TinyData.train(), test = try TinyData.test()
        var evals = ["{type: retrieval, path: \(test)}", "{type: zero-shot, path: \(test)}"]
        if linearProbe { evals.append("{type: linear-probe, train_path: \(train), path: \(test), max_iterations: 50}") }
        evals.append("{type: noise-detection}")
        return [
            "data.train.path=\(train)",
            "data.eval=[\(evals.joined(separator: ", "))]",
            "tokenizer.vocab_size=600",
            "model.embed_dim=16",
            "model.image.width=16", "model.image.layers=1", "model.image.heads=2", "model.image.patch_size=8",
            "model.text.width=16", "model.text.layers=1", "model.text.heads=2",
            "train.batch_size=16", "train.steps=\(steps)", "train.log_every=\(logEvery)",
            "train.checkpoint_every=\(checkpointEvery)", "train.keep_checkpoints=\(keep)", "train.threads=1",
        ]
    }

    /// `Recipes/<file>` with the tiny overrides and `extra` ones (applied last).
    static func load(_ file: String, steps: Int, logEvery: Int = 5, checkpointEvery: Int = 10, keep: Int = 2,
                     linearProbe: Bool = false, extra: [String] = []) throws -> ResolvedRecipe {
        try RecipeLoader.load(recipes.appendingPathComponent(file),
                              overrides: try overrides(steps: steps, logEvery: logEvery, checkpointEvery: checkpointEvery,
                                                       keep: keep, linearProbe: linearProbe) + extra,
                              registry: .builtin)
    }
}

/// Collects a trainer's log lines (the trainer logs from its own thread).
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    func append(_ s: String) { lock.lock(); storage.append(s); lock.unlock() }
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return storage }
}

/// Trains `recipe` in `folder` quietly; `configure` sees the trainer after the quiet defaults are set.
@discardableResult
func quietTrain(_ recipe: ResolvedRecipe, in folder: URL, resume: URL? = nil, log: LogLines = LogLines(),
                configure: (Trainer) -> Void = { _ in }) throws -> TrainingSummary {
    try RecipeRun.train(recipe, in: folder, registry: .builtin, resume: resume) { trainer in
        trainer.log = { log.append($0) }
        trainer.isTerminal = false
        configure(trainer)
    }
}

/// The bit patterns of every parameter of a model, by name.
func parameterBits(_ params: [(name: String, tensor: Tensor)]) -> [String: [UInt32]] {
    Dictionary(uniqueKeysWithValues: params.map { ($0.name, $0.tensor.data.map(\.bitPattern)) })
}

/// The names of the entries that differ between two tensors-by-name tables (missing ones included).
func differingTensors(_ a: [String: Tensor], _ b: [String: Tensor]) -> [String] {
    Set(a.keys).union(b.keys).sorted().filter { k in
        guard let x = a[k], let y = b[k] else { return true }
        return x.shape != y.shape || x.data.map(\.bitPattern) != y.data.map(\.bitPattern)
    }
}

/// The steps logged in a run's `metrics.jsonl`, in file order.
func loggedSteps(_ run: RunDirectory) throws -> [Int] { try MetricsLog.read(run.metrics).map(\.step) }
