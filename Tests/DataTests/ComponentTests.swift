import Components
import Foundation
import Testing
@testable import Data

@Suite struct ComponentTests {
    let registry = Registry(origin: "built-in", DataComponents.entries)

    @Test func namesAreUniqueAndDocumented() {
        var seen = Set<String>()
        for (slot, t) in DataComponents.entries {
            #expect(seen.insert("\(slot.rawValue).\(t.typeName)").inserted)
            #expect(!t.summary.isEmpty)
            #expect(t.parameters.allSatisfy { !$0.doc.isEmpty })
        }
    }

    @Test func buildsADatasetWithTransformsAndPublishesFacts() throws {
        let dir = try makeTempDir()
        _ = try makeManifest(in: dir, rows: 4)
        let ctx = BuildContext(registry: registry, baseDirectory: dir, seed: 0)
        let value = ConfigValue.map([
            "type": .string("manifest"), "path": .string("m.tsv"), "image_size": .int(20), "on_error": .string("skip"),
            "transforms": .list([.map(["type": .string("resize")]), .map(["type": .string("center-crop")]),
                                 .map(["type": .string("normalize")])]),
        ])
        let ds: ManifestDataset = try ctx.build(.dataset, value, path: "data.train")
        #expect(ctx.facts["image_size"] == 20)
        #expect(ds.onError == .skip && ds.manifest.rows.count == 4)
        #expect((ds.transforms?.first as? Resize)?.size == 20)      // size defaults to image_size
        let tok: any TokenizerSpec = try ctx.build(.tokenizer, .map(["type": .string("bpe"), "context_length": .int(16)]), path: "tokenizer")
        #expect(tok.vocabSize == 2048 && ctx.facts["vocab_size"] == 2048 && ctx.facts["context_length"] == 16)
        let noise: any TextNoise = try ctx.build(.noise, .map(["type": .string("junk-raw-text"), "rate": .double(0.5)]), path: "data.noise")
        #expect((noise as? JunkRawText)?.rate == 0.5)
    }

    @Test func buildErrorsNameTheRecipeKey() throws {
        let dir = try makeTempDir()
        let ctx = BuildContext(registry: registry, baseDirectory: dir, seed: 0)
        let e = #expect(throws: ComponentError.self) {
            let _: ManifestDataset = try ctx.build(.dataset, .map(["type": .string("manifest"), "path": .string("none.tsv")]), path: "data.train")
        }
        #expect(e?.description == "data.train: \(dir.appendingPathComponent("none.tsv").path): manifest not found; check the dataset's 'path' (relative paths resolve against the recipe's folder)")
    }
}
