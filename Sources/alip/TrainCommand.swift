import ALIP
import ArgumentParser
import Foundation
import Recipes

/// `alip train RECIPE [--set key=value]… [--out DIR] [--resume CKPT]`: trains a recipe end to end and
/// prints the evaluation table. Ctrl-C saves a checkpoint and exits cleanly.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a recipe: data, tokenizer, model, objective, optimizer, schedule; then evaluate.")

    @Argument(help: "The recipe (YAML).")
    var recipe: String

    @Option(name: .customLong("set"), help: "Override a key: --set train.steps=500 (repeatable).")
    var overrides: [String] = []

    @Option(help: "The run folder (default runs/<recipe name>; with --resume, the checkpoint's run folder).")
    var out: String?

    @Option(help: "Continue the run from this checkpoint.")
    var resume: String?

    @Flag(help: "Print the final metrics as one JSON object on standard output.")
    var json = false

    func run() throws {
        try reportingErrors {
            let resolved = try RecipeLoader.load(URL(fileURLWithPath: recipe), overrides: overrides, registry: registry)
            let resumeURL = resume.map { URL(fileURLWithPath: $0) }
            let folder: URL
            if out != nil { folder = runFolder(out, recipe: resolved) }
            else if let r = resumeURL, r.deletingLastPathComponent().lastPathComponent == "checkpoints" {
                folder = r.deletingLastPathComponent().deletingLastPathComponent()
            } else { folder = runFolder(nil, recipe: resolved) }
            let interrupt = InterruptFlag()
            interrupt.install()
            defer { interrupt.uninstall() }
            logLine("training \(resolved.name) in \(folder.path)")
            let summary = try RecipeRun.train(resolved, in: folder, registry: registry, resume: resumeURL) { trainer in
                trainer.log = logLine
                trainer.interrupt = interrupt
            }
            if summary.interrupted { throw ExitCode(130) }
            if json { print(Trainer.metricsJSON(summary.metrics, oneLine: true)) }
            else { print(Trainer.formatTable(summary.metrics, title: "\(resolved.name): \(summary.steps) steps, \(folder.path)")) }
        }
    }
}
