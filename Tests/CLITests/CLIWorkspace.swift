import Foundation
import Testing
import TestSupport

/// A failure preparing the shared CLI workspace (Sendable, so it can be cached in a static).
struct WorkspaceError: Error, CustomStringConvertible, Sendable { let description: String }

/// A folder the CLI tests run `alip` in, made once per test process: tiny digit scenes written by
/// `alip data digit-scenes` under `data/`, and `tiny.yaml`, which extends the repository's
/// `Recipes/alip.yaml` (through a relative path) with width-16 one-layer towers, batch 16 and 6 steps.
/// Each test writes its runs under its own `runs/<name>`; the folder is removed when the process exits.
enum CLIWorkspace {
    private static let prepared: Result<URL, WorkspaceError> = {
        do {
            let scratch = try ScratchFolder("e2e-cli")
            registerCleanup(scratch.url.path)
            let data = try ALIPExecutable.run(["data", "digit-scenes", "--out", "data", "--train", "64", "--test", "32"],
                                              in: scratch.url)
            guard data.status == 0 else { return .failure(WorkspaceError(description: "alip data digit-scenes: \(data.transcript)")) }
            let alip = scratch.relativePath(to: FixturePaths.repoRoot.appendingPathComponent("Recipes/alip.yaml"))
            try scratch.write(tinyRecipe(extending: alip), to: "tiny.yaml")
            return .success(scratch.url)
        } catch {
            return .failure(WorkspaceError(description: "\(error)"))
        }
    }()

    /// The workspace folder.
    static func folder() throws -> URL { try prepared.get() }

    /// A path inside the workspace.
    static func path(_ relative: String) throws -> URL { try folder().appendingPathComponent(relative) }

    /// Runs `alip ARGS…` in the workspace.
    static func alip(_ arguments: [String], timeout: Double = 180, whileRunning: ((Process) -> Bool)? = nil) throws -> ProcessResult {
        try ALIPExecutable.run(arguments, in: try folder(), timeout: timeout, whileRunning: whileRunning)
    }

    /// Writes a recipe file into the workspace.
    @discardableResult
    static func write(_ text: String, to name: String) throws -> URL {
        let url = try path(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        return url
    }

    static func tinyRecipe(extending base: String) -> String {
        """
        # The CLI tests' tiny setting: the ALIP recipe on 64 digit scenes with a width-16 model.
        extends: \(base)
        name: cli-tiny
        data:
          train: {path: data/train.tsv}
          eval:
            - {type: retrieval, path: data/test.tsv}
            - {type: zero-shot, path: data/test.tsv}
            - {type: noise-detection}
        tokenizer: {vocab_size: 600}
        model:
          embed_dim: 16
          image: {width: 16, layers: 1, heads: 2, patch_size: 8}
          text: {width: 16, layers: 1, heads: 2}
        train: {batch_size: 16, steps: 6, log_every: 2, checkpoint_every: 4, keep_checkpoints: 2, threads: 1}

        """
    }

    private static let cleanupLock = NSLock()
    nonisolated(unsafe) private static var cleanupPaths: [String] = []
    private static func registerCleanup(_ path: String) {
        cleanupLock.lock(); defer { cleanupLock.unlock() }
        if cleanupPaths.isEmpty {
            atexit { for p in CLIWorkspace.cleanupPaths { try? FileManager.default.removeItem(atPath: p) } }
        }
        cleanupPaths.append(path)
    }
}

/// A JSON object printed on standard output, as numbers by key.
func jsonNumbers(_ text: String) throws -> [String: Double] {
    let line = try #require(text.split(separator: "\n").last { $0.hasPrefix("{") }, "no JSON object in: \(text)")
    let obj = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    var out: [String: Double] = [:]
    for (k, v) in obj { if let d = v as? Double { out[k] = d } else if let i = v as? Int { out[k] = Double(i) } }
    return out
}

/// `summary.json` of a run folder, as numbers by key.
func summaryNumbers(_ url: URL) throws -> [String: Double] {
    try jsonNumbers(String(contentsOf: url.appendingPathComponent("summary.json"), encoding: .utf8)
        .replacingOccurrences(of: "\n", with: " "))
}

/// The file names in a folder (sorted; empty when it does not exist).
func names(in url: URL) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
}
