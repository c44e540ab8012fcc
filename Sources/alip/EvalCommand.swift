import ALIP
import ArgumentParser
import Foundation
import Recipes

/// `alip eval CHECKPOINT [--data MANIFEST] [--set key=value]… [--json]`: runs the evaluators of the
/// recipe stored in a checkpoint (or the ones `--set data.eval=…` gives) and prints a table.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a checkpoint with its recipe's evaluators (or others) and print a table.")

    @Argument(help: "A checkpoint written by `alip train`.")
    var checkpoint: String

    @Option(help: "A manifest that replaces every evaluator's `path` (the test set).")
    var data: String?

    @Option(name: .customLong("set"), help: "Override a key of the stored recipe, e.g. --set 'data.eval=[{type: retrieval, path: test.tsv}]'.")
    var overrides: [String] = []

    @Flag(help: "Print one JSON object instead of the table.")
    var json = false

    func run() throws {
        try reportingErrors {
            let url = URL(fileURLWithPath: checkpoint)
            let metrics = try RecipeRun.evaluate(checkpoint: url, data: data.map { URL(fileURLWithPath: $0) },
                                                 overrides: overrides, registry: registry, notes: { logLine("note: " + $0) })
            if json { print(Trainer.metricsJSON(metrics, oneLine: true)) }
            else { print(Trainer.formatTable(metrics, title: "evaluation of \(url.lastPathComponent)")) }
        }
    }
}
