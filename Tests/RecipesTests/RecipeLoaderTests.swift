import Foundation
import Testing
import Components
@testable import Recipes

@Suite struct RecipeLoaderTests {
    @Test func loadsAndFillsDefaults() throws {
        let f = RecipeFolder()
        f.write("r.yaml", baseRecipe)
        let r = try f.load("r.yaml")
        #expect(r.value(at: "train.steps") == .int(100))
        #expect(r.value(at: "train.log_every") == .int(10))
        #expect(r.value(at: "train.grad_clip") == .double(1.0))
        #expect(r.value(at: "train.eval_every") == .null)
        #expect(r.value(at: "objective.gates.sample.ema_init") == .double(1.0))
        #expect(r.value(at: "objective.loss.type") == .string("adaptive-infonce"))
        #expect(r.value(at: "data.noise") == .null)
        #expect(r.value(at: "data.eval.0.ks") == .list([.int(1), .int(5)]))
        #expect(r.value(at: "optimizer.lr") == .double(0.001))
        #expect(r.seed == 3)
        #expect(r.sweep == nil)
        #expect(r.component(at: "objective.gates.pair")?.typeName == "dcg")
        #expect(r.components.map(\.path).contains("objective.loss"))
    }

    @Test func resolvedYAMLRoundTrips() throws {
        let f = RecipeFolder()
        f.write("r.yaml", baseRecipe)
        let r = try f.load("r.yaml", overrides: ["name=yes", "data.train.fields={caption: \"a: b\", raw: \"x, {y} [z]\"}"])
        f.write("resolved.yaml", r.yaml)
        let again = try f.load("resolved.yaml")
        #expect(again.root == r.root)
        // The same text but for the header line naming the file it was resolved from.
        #expect(again.yaml.split(separator: "\n").dropFirst() == r.yaml.split(separator: "\n").dropFirst())
        #expect(r.yaml.contains("name: \"yes\"\n"))
        #expect(r.yaml.contains("\nobjective:\n  type: alip\n  paths: [raw, caption]\n  gates:\n    sample:\n      type: lcg\n      momentum: 0.99\n"))
    }

    @Test func extendsMergesDeeplyListsReplace() throws {
        let f = RecipeFolder()
        f.write("base/tiny.yaml", baseRecipe)
        f.write("alip.yaml", """
        extends: base/tiny.yaml
        name: alip
        objective:
          gates:
            sample: {momentum: 0.5}
        optimizer: {betas: [0.8, 0.9]}
        """)
        let r = try f.load("alip.yaml")
        #expect(r.name == "alip")
        #expect(r.value(at: "objective.gates.sample") == .map(["type": .string("lcg"), "momentum": .double(0.5),
            "ema_init": .double(1.0), "gamma": .double(2.0), "cap": .bool(true)]))
        #expect(r.value(at: "objective.gates.pair.type") == .string("dcg"))
        #expect(r.value(at: "optimizer.betas") == .list([.double(0.8), .double(0.9)]))
        // Paths written in base/ resolve against the loaded recipe's folder.
        #expect(r.value(at: "data.train.path") == .string("base/train.tsv"))
    }

    @Test func replaceMarkerAndTypeChangeReplaceWholesale() throws {
        let f = RecipeFolder()
        f.write("base.yaml", baseRecipe)
        f.write("a.yaml", """
        extends: [base.yaml]
        model: {_replace_: true, type: dual-encoder, image: {type: vit}}
        objective: {gates: {sample: {type: none}}}
        """)
        let r = try f.load("a.yaml")
        #expect(r.value(at: "model.embed_dim") == .int(64))
        #expect(r.value(at: "model.image.width") == .int(64))
        #expect(r.value(at: "objective.gates.sample") == .map(["type": .string("none")]))
    }

    @Test func commandLinePathsAreRelativeToTheCurrentFolderAlsoInsideFlowValues() throws {
        let f = RecipeFolder()
        f.write("r.yaml", baseRecipe)
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        let r = try f.load("r.yaml", overrides: ["data.train.path=a/train.tsv", "data.eval=[{type: retrieval, path: b/test.tsv}]"])
        #expect(r.value(at: "data.train.path") == .string(cwd.appendingPathComponent("a/train.tsv").standardizedFileURL.path))
        #expect(r.value(at: "data.eval.0.path") == .string(cwd.appendingPathComponent("b/test.tsv").standardizedFileURL.path))
    }

    /// Only parameters declared `.file` are paths: a string parameter that happens to be called `path`
    /// (the clip objective's text field) stays as written, from a base recipe and from `--set`.
    @Test func onlyFileParametersAreResolvedAsPaths() throws {
        let f = RecipeFolder()
        f.write("base/tiny.yaml", baseRecipe)
        f.write("base/clip.yaml", "extends: tiny.yaml\nobjective: {_replace_: true, type: clip, path: caption}\n")
        f.write("a.yaml", "extends: base/clip.yaml\n")
        let fromBase = try f.load("a.yaml")
        #expect(fromBase.value(at: "objective.path") == .string("caption"))
        #expect(fromBase.value(at: "data.train.path") == .string("base/train.tsv"))
        let fromOverride = try f.load("a.yaml", overrides: ["objective={type: clip, path: raw}", "objective.path=caption"])
        #expect(fromOverride.value(at: "objective.path") == .string("caption"))
    }

    @Test func absoluteExtendsPathsResolveAsGiven() throws {
        let f = RecipeFolder()
        let base = f.write("bases/base.yaml", baseRecipe)
        f.write("elsewhere/a.yaml", "extends: \(base.path)\ntrain: {steps: 7}\n")
        let r = try f.load("elsewhere/a.yaml")
        #expect(r.value(at: "train.steps") == .int(7))
        #expect(r.value(at: "seed") == .int(3))
    }

    @Test func multipleBasesLaterWins() throws {
        let f = RecipeFolder()
        f.write("base.yaml", baseRecipe)
        f.write("long.yaml", "train: {steps: 5000}\n")
        f.write("big.yaml", "train: {batch_size: 512}\n")
        f.write("a.yaml", "extends: [base.yaml, long.yaml, big.yaml]\n")
        let r = try f.load("a.yaml")
        #expect(r.value(at: "train.steps") == .int(5000))
        #expect(r.value(at: "train.batch_size") == .int(512))
    }

    @Test func overridesAreTypedByTheTargetKind() throws {
        let f = RecipeFolder()
        f.write("r.yaml", baseRecipe)
        let r = try f.load("r.yaml", overrides: [
            "train.steps=500", "name=123", "optimizer.betas=[0.5, 0.6]", "objective.gates.pair={type: none}",
            "data.noise={type: swap-raw-text, rate: 0.4}", "data.eval.0.ks=[10]", "objective.gates.sample.type=none",
        ])
        #expect(r.value(at: "train.steps") == .int(500))
        #expect(r.name == "123")
        #expect(r.value(at: "optimizer.betas") == .list([.double(0.5), .double(0.6)]))
        #expect(r.value(at: "objective.gates.pair") == .map(["type": .string("none")]))
        #expect(r.value(at: "objective.gates.sample") == .map(["type": .string("none")]))
        #expect(r.value(at: "data.noise.rate") == .double(0.4))
        #expect(r.value(at: "data.eval.0.ks") == .list([.int(10)]))
    }

    @Test func pathCheckFindsMissingFiles() throws {
        let f = RecipeFolder()
        f.write("r.yaml", baseRecipe)
        f.write("train.tsv", "x\n")
        let text = f.errors("r.yaml", checks: RecipeChecks.standard)
        #expect(text == """
        r.yaml:6:31: error: file 'test.tsv' for evaluator 'retrieval' does not exist
            - {type: retrieval, path: test.tsv}
                                      ^
        note: looked for \(f.url.path)/test.tsv; paths are relative to the recipe that names them
        """)
        f.write("test.tsv", "x\n")
        #expect(f.errors("r.yaml", checks: RecipeChecks.standard) == nil)
    }

    @Test func extraChecksGetPositionsFromTheirPath() throws {
        let f = RecipeFolder()
        f.write("r.yaml", baseRecipe)
        let widths: RecipeCheck = { r in
            r.value(at: "model.image.width") == r.value(at: "model.embed_dim") ? [] :
                [Diagnostic(path: "model.image.width", "image width 128 must equal embed_dim", notes: [.init("set both")])]
        }
        #expect(f.errors("r.yaml", checks: [widths]) == nil)
        let text = f.errors("r.yaml", overrides: ["model.embed_dim=64"], checks: [widths])
        #expect(text == """
        r.yaml:11:29: error: image width 128 must equal embed_dim
          image: {type: vit, width: 128}
                                    ^
        note: set both
        """)
    }
}
