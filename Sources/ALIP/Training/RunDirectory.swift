import Foundation

/// The layout of one run's folder (DESIGN.md §8): `recipe.yaml` (resolved), `metrics.jsonl`, TensorBoard
/// event files, `checkpoints/step-NNNNNNN.h5`, `summary.json`.
public struct RunDirectory: Sendable {
    /// The run's folder.
    public let url: URL

    public init(_ url: URL) { self.url = url }

    public var recipe: URL { url.appendingPathComponent("recipe.yaml") }
    public var metrics: URL { url.appendingPathComponent("metrics.jsonl") }
    public var summary: URL { url.appendingPathComponent("summary.json") }
    public var checkpoints: URL { url.appendingPathComponent("checkpoints") }

    /// The checkpoint file of a step (zero-padded so names sort by step).
    public func checkpoint(step: Int) -> URL {
        checkpoints.appendingPathComponent(String(format: "step-%07d.h5", step))
    }

    /// Creates the folders.
    public func create() throws {
        try FileManager.default.createDirectory(at: checkpoints, withIntermediateDirectories: true)
    }

    /// Checkpoints present, oldest first.
    public func existingCheckpoints() -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: checkpoints.path)) ?? []
        return names.filter { $0.hasPrefix("step-") && $0.hasSuffix(".h5") }.sorted()
            .map { checkpoints.appendingPathComponent($0) }
    }

    /// The newest checkpoint, if any.
    public var latestCheckpoint: URL? { existingCheckpoints().last }

    /// Deletes all but the newest `keep` checkpoints (never the one just written).
    public func pruneCheckpoints(keep: Int) {
        let all = existingCheckpoints()
        guard keep > 0, all.count > keep else { return }
        for url in all.dropLast(keep) { try? FileManager.default.removeItem(at: url) }
    }

    /// Whether the run finished (its summary exists) — sweeps skip such runs.
    public var isFinished: Bool { FileManager.default.fileExists(atPath: summary.path) }
}
