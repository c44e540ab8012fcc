import Foundation
import Testing
import ALIP
import TestSupport
@testable import Recipes

@Suite struct ReferenceTests {
    /// Docs/recipe-reference.md is generated from the built-in registry; regenerate it with
    /// `swift run alip components --markdown > Docs/recipe-reference.md`.
    @Test func recipeReferenceIsInSync() throws {
        let url = FixturePaths.repoRoot.appendingPathComponent("Docs/recipe-reference.md")
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text == ComponentCatalog.markdown(.builtin), "run: \(ComponentCatalog.regenerateCommand)")
    }

    @Test func catalogListsParameters() {
        let text = ComponentCatalog.text(Fakes.registry, slot: .gate)
        #expect(text.hasPrefix("""
        gate:
          dcg — test pair gate [test]
            momentum: float = 0.99 (between 0 and 1) — EMA momentum
          lcg — test gate with an EMA [test]
            momentum: float = 0.99 (between 0 and 1) — EMA momentum
            ema_init: float = 1.0 — EMA start value
        """))
        let json = ComponentCatalog.json(Fakes.registry, slot: .dataset)
        #expect(json.contains("\"name\" : \"manifest\"") && json.contains("\"required\" : true"))
        let md = ComponentCatalog.markdown(Fakes.registry)
        #expect(md.contains("| `momentum` | float | `0.99` | between 0 and 1 | EMA momentum |"))
        #expect(md.contains("| `train.steps` | int | `required` | at least 1 | optimizer steps to train |"))
    }
}
