import ALIP
import ArgumentParser
import Data
import Foundation
import Recipes

/// `alip demo`: the README's run command. Generates the digit-scenes benchmark on first use, trains the
/// CLIP and ALIP demo recipes (resuming or reusing runs already in the output folder) and prints one
/// table comparing their evaluation metrics.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Generate digit scenes (first use), train Recipes/clip.yaml and Recipes/alip.yaml, print the comparison.")

    @Option(help: "Folder of the demo's runs.")
    var out: String = "runs/demo"

    @Option(help: "The folder with the recipes (run from the repository root).")
    var recipes: String = "Recipes"

    @Option(name: .customLong("set"), help: "Override a key in both recipes, e.g. --set train.steps=100 (repeatable).")
    var overrides: [String] = []

    func run() throws {
        try reportingErrors {
            let recipeDir = URL(fileURLWithPath: recipes, isDirectory: true)
            let names = ["clip", "alip"]
            let files = names.map { recipeDir.appendingPathComponent("\($0).yaml") }
            for f in files where !FileManager.default.fileExists(atPath: f.path) {
                throw ValidationError("\(f.path) not found; run `alip demo` from the repository root or pass --recipes DIR")
            }
            let dataDir = recipeDir.deletingLastPathComponent().appendingPathComponent("data/digit-scenes")
            logLine("data: \(dataDir.path) (generated on first use)")
            _ = try DigitScenes.ensure(at: dataDir)

            var results: [(String, [String: Double])] = []
            for (name, file) in zip(names, files) {
                let recipe = try RecipeLoader.load(file, overrides: overrides, registry: registry)
                let folder = URL(fileURLWithPath: out, isDirectory: true).appendingPathComponent(name)
                let run = RunDirectory(folder)
                let sameRecipe = (try? Data(contentsOf: run.recipe)) == Data(recipe.yaml.utf8)
                if run.isFinished, sameRecipe {
                    logLine("\(name): finished run found in \(folder.path); reusing it (delete the folder to train again)")
                    results.append((name, try Trainer.readSummary(run.summary)))
                    continue
                }
                if run.isFinished || (run.latestCheckpoint != nil && !sameRecipe) {
                    throw ValidationError("\(folder.path) holds a run of a different recipe; delete it or pass --out DIR")
                }
                logLine("training \(name) (\(file.path)) in \(folder.path)")
                let summary = try RecipeRun.train(recipe, in: folder, registry: registry, resume: run.latestCheckpoint) { t in
                    t.log = logLine
                }
                results.append((name, summary.metrics))
            }
            print(DemoCommand.comparison(results))
        }
    }

    /// One row per metric, one column per run.
    static func comparison(_ runs: [(String, [String: Double])]) -> String {
        let keys = Set(runs.flatMap { $0.1.keys }).sorted { a, b in
            let ta = a.hasPrefix("train."), tb = b.hasPrefix("train.")
            return ta == tb ? a < b : tb
        }
        let width = max(24, keys.map(\.count).max() ?? 0)
        var lines = ["metric".padding(toLength: width, withPad: " ", startingAt: 0)
                     + runs.map { $0.0.uppercased().leftPadded(10) }.joined()]
        lines.append(String(repeating: "-", count: width + 10 * runs.count))
        for k in keys {
            lines.append(k.padding(toLength: width, withPad: " ", startingAt: 0)
                         + runs.map { ($0.1[k].map(Trainer.format) ?? "–").leftPadded(10) }.joined())
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    /// The string right-aligned in `n` columns.
    func leftPadded(_ n: Int) -> String { count >= n ? " " + self : String(repeating: " ", count: n - count) + self }
}
