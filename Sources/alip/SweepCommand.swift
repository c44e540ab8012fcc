import ArgumentParser
import Foundation
import ALIP
import Recipes

/// `alip sweep RECIPE [--out DIR] [--jobs N] [--dry-run]`: expand the recipe's `sweep:` block, validate
/// every variant, run those not finished in DIR, then write the report (report.md, report.csv,
/// report.svg, index.html).
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run a recipe's sweep: every variant validates first; finished runs are skipped.")

    @Argument(help: "A recipe with a sweep: block.")
    var recipe: String

    @Option(name: .customLong("set"), help: "Override a key in every variant (repeatable).")
    var overrides: [String] = []

    @Option(help: "Folder of the sweep's runs (default runs/<recipe name>).")
    var out: String?

    @Option(help: "Variants run at once.")
    var jobs: Int = 1

    @Flag(help: "List the variants and exit.")
    var dryRun = false

    func run() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        let resolved: ResolvedRecipe
        let variants: [SweepVariant]
        do {
            resolved = try RecipeLoader.load(URL(fileURLWithPath: recipe), overrides: overrides, registry: registry)
            variants = try RecipeLoader.variants(of: resolved, registry: registry)
        } catch let e as RecipeErrors {
            FileHandle.standardError.write(Data((e.description + "\n").utf8))
            throw ExitCode.failure
        }
        let outDir = runFolder(out, recipe: resolved)
        if dryRun {
            for v in variants {
                let done = SweepRunner.isFinished(v, in: outDir) ? "  (finished)" : ""
                print("\(v.name)\(done)")
            }
            print("\(variants.count) runs in \(outDir.path)")
            return
        }
        let registry = registry
        let outcome = try SweepRunner.run(variants, in: outDir, jobs: jobs) { recipe, runDirectory in
            // A variant stopped midway continues from its newest checkpoint.
            let resume = RunDirectory(runDirectory).latestCheckpoint
            _ = try RecipeRun.train(recipe, in: runDirectory, registry: registry, resume: resume) { trainer in
                trainer.log = logLine
                trainer.isTerminal = false
            }
        }
        let report = SweepReport.collect(variants, in: outDir, metrics: resolved.sweep?.metrics ?? [])
        try report.write(to: outDir, title: resolved.name)
        print("ran \(outcome.ran.count), skipped \(outcome.skipped.count) finished, failed \(outcome.failed.count); report: \(outDir.appendingPathComponent("report.md").path)")
        if !outcome.failed.isEmpty { throw ExitCode.failure }
    }
}
