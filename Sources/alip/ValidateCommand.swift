import ArgumentParser
import Foundation
import ALIP
import Recipes

/// `alip validate RECIPE…`: parse, merge, override and check recipes (every sweep variant too) without
/// training. Exit 0 when all are valid (printing each one's components, parameter count and
/// estimated memory per step, see `ModelFootprint`), 1 with every error otherwise.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check recipes (extends, --set, every key, every sweep variant) without training.")

    @Argument(help: "Recipe files.")
    var recipes: [String]

    @Option(name: .customLong("set"), help: "Override a key: --set train.steps=500 (repeatable).")
    var overrides: [String] = []

    @Flag(name: .customLong("print"), help: "Print each resolved recipe's YAML.")
    var printYAML = false

    func run() throws {
        var failed = false
        for path in recipes {
            do {
                let recipe = try RecipeLoader.load(URL(fileURLWithPath: path), overrides: overrides, registry: registry)
                let variants = recipe.sweep == nil ? [] : try RecipeLoader.variants(of: recipe, registry: registry)
                print("\(path): ok (\(recipe.name))")
                for line in recipe.summaryLines { print("  \(line)") }
                switch ModelFootprint.of(recipe) {
                case .success(let footprint): for line in footprint.summaryLines { print("  \(line)") }
                case .failure(let why): print("  parameters: not estimated (\(why.reason))")
                }
                if let sweep = recipe.sweep {
                    print("  sweep: \(variants.count) runs (\(sweep.grid.count) grid, \(sweep.zip.count) zip axes, repeat \(sweep.repeats))")
                }
                if printYAML { print(recipe.yaml) }
            } catch let e as RecipeErrors {
                failed = true
                FileHandle.standardError.write(Data((e.description + "\n").utf8))
            }
        }
        if failed { throw ExitCode.failure }
    }
}
