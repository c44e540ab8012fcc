import ALIP
import Components
import Data
import Foundation
import Recipes
import Testing
import TestSupport

/// Every recipe shipped under `Recipes/` and `Plugins/*/` validates: structure, registry names, keys and
/// every sweep variant. Bases under `Recipes/base/` are not runnable on their own (no objective); they
/// are validated through the recipes that extend them.
@Suite("Shipped recipes validate")
struct RecipesFolderTests {
    /// The built-in registry plus every plugin module's (the list the build-tool plugin generates).
    static let registry: Registry = pluginRegistries.reduce(Registry.builtin) { $0.merging($1) }

    /// The shipped recipes, relative to the repository root.
    static func shippedRecipes() -> [String] {
        let fm = FileManager.default
        let root = FixturePaths.repoRoot
        var out: [String] = []
        if let e = fm.enumerator(atPath: root.appendingPathComponent("Recipes").path) {
            for case let p as String in e where p.hasSuffix(".yaml") && !p.hasPrefix("base/") { out.append("Recipes/" + p) }
        }
        let plugins = (try? fm.contentsOfDirectory(atPath: root.appendingPathComponent("Plugins").path)) ?? []
        for plugin in plugins {
            guard let e = fm.enumerator(atPath: root.appendingPathComponent("Plugins/\(plugin)").path) else { continue }
            for case let p as String in e where p.hasSuffix(".yaml") && !p.hasPrefix("Sources/") && !p.hasPrefix("Tests/") {
                out.append("Plugins/\(plugin)/" + p)
            }
        }
        return out.sorted()
    }

    @Test func findsTheShippedRecipes() {
        let found = Self.shippedRecipes()
        for expected in ["Recipes/alip.yaml", "Recipes/clip.yaml", "Recipes/ablations/gates.yaml", "Recipes/ablations/noise.yaml",
                         "Recipes/ablations/paths.yaml", "Plugins/ThresholdGate/threshold-vs-lcg.yaml"] {
            #expect(found.contains(expected), "\(found)")
        }
    }

    /// Without the data files (a fresh clone): everything but the path check.
    @Test func everyRecipeValidatesWithoutData() throws {
        var failures: [String] = []
        for path in Self.shippedRecipes() {
            do {
                let recipe = try RecipeLoader.load(FixturePaths.repoRoot.appendingPathComponent(path), registry: Self.registry, checks: [])
                let variants = try RecipeLoader.variants(of: recipe, registry: Self.registry, checks: [])
                if let sweep = recipe.sweep {
                    if variants.count != sweep.count || variants.count < 2 { failures.append("\(path): \(variants.count) variants, sweep says \(sweep.count)") }
                    if Set(variants.map(\.name)).count != variants.count { failures.append("\(path): variant names repeat") }
                }
            } catch {
                failures.append("\(path):\n\(error)")
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    /// With the data laid out where the recipes expect it (`data/digit-scenes/` at the repository root; here
    /// in a copy of the recipe folders): every check on, the paths as written.
    @Test func everyRecipeValidatesWithTheDataInPlace() throws {
        let scratch = try ScratchFolder("e2e-recipes")
        defer { scratch.remove() }
        let fm = FileManager.default
        let recipes = Self.shippedRecipes()
        // Copy Recipes/ (bases included) and each recipe under Plugins/, keeping the layout.
        try fm.copyItem(at: FixturePaths.repoRoot.appendingPathComponent("Recipes"), to: scratch.path("Recipes"))
        for p in recipes where p.hasPrefix("Plugins/") {
            let to = scratch.path(p)
            try fm.createDirectory(at: to.deletingLastPathComponent(), withIntermediateDirectories: true)
            try fm.copyItem(at: FixturePaths.repoRoot.appendingPathComponent(p), to: to)
        }
        try DigitScenes.generate(into: scratch.path("data/digit-scenes"), train: 4, test: 2)

        var failures: [String] = []
        for path in recipes {
            do {
                let recipe = try RecipeLoader.load(scratch.path(path), registry: Self.registry)
                _ = try RecipeLoader.variants(of: recipe, registry: Self.registry)
            } catch {
                failures.append("\(path):\n\(error)")
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")

        // And the check does bite: without the data every recipe fails on its paths.
        try fm.removeItem(at: scratch.path("data"))
        let clip = #expect(throws: RecipeErrors.self) {
            try RecipeLoader.load(scratch.path("Recipes/clip.yaml"), registry: Self.registry)
        }
        #expect("\(clip.map { "\($0)" } ?? "")".contains("does not exist"))
    }
}
