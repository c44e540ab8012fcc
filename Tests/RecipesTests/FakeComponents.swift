// Small test-only components standing in for the real ones (written in parallel by other engineers).
import Foundation
import Components
@testable import Recipes

struct FakeLCG: Component {
    static let typeName = "lcg"
    static let summary = "test gate with an EMA"
    static let parameters: [ParameterSpec] = [
        ParameterSpec("momentum", .float, default: .double(0.99), range: 0...1, doc: "EMA momentum"),
        ParameterSpec("ema_init", .float, default: .double(1.0), doc: "EMA start value"),
        ParameterSpec("gamma", .float, default: .double(2.0), range: 0...Double.infinity, doc: "exponent"),
        ParameterSpec("cap", .bool, default: .bool(true), doc: "clamp weights to 1"),
    ]
    init(config: ComponentConfig, context: BuildContext) throws {}
}

struct FakeDCG: Component {
    static let typeName = "dcg"
    static let summary = "test pair gate"
    static let parameters: [ParameterSpec] = [
        ParameterSpec("momentum", .float, default: .double(0.99), range: 0...1, doc: "EMA momentum"),
    ]
    init(config: ComponentConfig, context: BuildContext) throws {}
}

struct FakeNoGate: Component {
    static let typeName = "none"
    static let summary = "weights of one"
    static let parameters: [ParameterSpec] = []
    init(config: ComponentConfig, context: BuildContext) throws {}
}

struct FakeLoss: Component {
    static let typeName = "adaptive-infonce"
    static let summary = "test loss"
    static let parameters: [ParameterSpec] = []
    init(config: ComponentConfig, context: BuildContext) throws {}
}

struct FakeObjective: Component {
    static let typeName = "alip"
    static let summary = "test objective with gates"
    static let parameters: [ParameterSpec] = [
        ParameterSpec("paths", .strings, default: .list([.string("raw"), .string("caption")]), doc: "text paths"),
        ParameterSpec("gates", .section([
            ParameterSpec("sample", .component(.gate), default: .map(["type": .string("none")]), doc: "sample gate"),
            ParameterSpec("pair", .component(.gate), default: .map(["type": .string("none")]), doc: "pair gate"),
        ]), default: .map([:]), doc: "the gates"),
        ParameterSpec("loss", .component(.loss), default: .map(["type": .string("adaptive-infonce")]), doc: "loss"),
    ]
    init(config: ComponentConfig, context: BuildContext) throws {}
}

struct FakeClip: Component {
    static let typeName = "clip"
    static let summary = "test objective without gates"
    static let parameters: [ParameterSpec] = [
        ParameterSpec("path", .string, default: .string("raw"), doc: "the text field to train on (a name, not a file)"),
    ]
    init(config: ComponentConfig, context: BuildContext) throws {}
}

struct FakeManifest: Component {
    static let typeName = "manifest"
    static let summary = "test dataset"
    static let parameters: [ParameterSpec] = [
        ParameterSpec("path", .file, default: nil, doc: "manifest file"),
        ParameterSpec("image_size", .int, default: .int(224), range: 8...4096, doc: "image side"),
        ParameterSpec("fields", .map, default: .map([:]), doc: "column names"),
    ]
    init(config: ComponentConfig, context: BuildContext) throws {}
}

struct FakeNoise: Component {
    static let typeName = "swap-raw-text"
    static let summary = "test noise"
    static let parameters: [ParameterSpec] = [
        ParameterSpec("rate", .float, default: .double(0), range: 0...1, doc: "fraction of pairs swapped"),
    ]
    init(config: ComponentConfig, context: BuildContext) throws {}
}

struct FakeRetrieval: Component {
    static let typeName = "retrieval"
    static let summary = "test evaluator"
    static let parameters: [ParameterSpec] = [
        ParameterSpec("path", .file, default: nil, doc: "test manifest"),
        ParameterSpec("ks", .ints, default: .list([.int(1), .int(5)]), range: 1...1000, doc: "recall@k"),
    ]
    init(config: ComponentConfig, context: BuildContext) throws {}
}

struct FakeTokenizer: Component {
    static let typeName = "bpe"
    static let summary = "test tokenizer"
    static let parameters: [ParameterSpec] = [
        ParameterSpec("vocab_size", .int, default: .int(1024), range: 16...1_000_000, doc: "vocabulary size"),
        ParameterSpec("context_length", .int, default: .int(32), range: 2...4096, doc: "tokens per text"),
    ]
    init(config: ComponentConfig, context: BuildContext) throws {}
}

struct FakeViT: Component {
    static let typeName = "vit"
    static let summary = "test image encoder"
    static let parameters: [ParameterSpec] = [
        ParameterSpec("width", .int, default: .int(64), range: 1...8192, doc: "width"),
        ParameterSpec("act", .choice(["gelu", "quick-gelu"]), default: .string("gelu"), doc: "activation"),
    ]
    init(config: ComponentConfig, context: BuildContext) throws {}
}

struct FakeModel: Component {
    static let typeName = "dual-encoder"
    static let summary = "test model"
    static let parameters: [ParameterSpec] = [
        ParameterSpec("embed_dim", .int, default: .int(64), range: 1...8192, doc: "embedding width"),
        ParameterSpec("image", .component(.encoder), default: nil, doc: "image encoder"),
    ]
    init(config: ComponentConfig, context: BuildContext) throws {}
}

struct FakeAdamW: Component {
    static let typeName = "adamw"
    static let summary = "test optimizer"
    static let parameters: [ParameterSpec] = [
        ParameterSpec("lr", .float, default: .double(1e-3), range: 0...Double.infinity, doc: "learning rate"),
        ParameterSpec("betas", .floats, default: .list([.double(0.9), .double(0.98)]), range: 0...1, doc: "betas"),
    ]
    init(config: ComponentConfig, context: BuildContext) throws {}
}

struct FakeOneCycle: Component {
    static let typeName = "one-cycle"
    static let summary = "test schedule"
    static let parameters: [ParameterSpec] = [
        ParameterSpec("warmup_fraction", .float, default: .double(0.1), range: 0...1, doc: "warm-up share"),
    ]
    init(config: ComponentConfig, context: BuildContext) throws {}
}

enum Fakes {
    static let registry = Registry(origin: "test", [
        (.gate, FakeLCG.self), (.gate, FakeDCG.self), (.gate, FakeNoGate.self), (.loss, FakeLoss.self),
        (.objective, FakeObjective.self), (.objective, FakeClip.self), (.dataset, FakeManifest.self),
        (.noise, FakeNoise.self), (.evaluator, FakeRetrieval.self), (.tokenizer, FakeTokenizer.self),
        (.encoder, FakeViT.self), (.model, FakeModel.self), (.optimizer, FakeAdamW.self), (.schedule, FakeOneCycle.self),
    ])
}

/// A temporary folder of recipe files for one test, removed when the value goes away.
final class RecipeFolder {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("recipes-test-\(UUID().uuidString)")
            .standardizedFileURL
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    @discardableResult
    func write(_ name: String, _ text: String) -> URL {
        let f = url.appendingPathComponent(name)
        try! FileManager.default.createDirectory(at: f.deletingLastPathComponent(), withIntermediateDirectories: true)
        try! text.write(to: f, atomically: true, encoding: .utf8)
        return f
    }

    func load(_ name: String, overrides: [String] = [], checks: [RecipeCheck] = []) throws -> ResolvedRecipe {
        try RecipeLoader.load(url.appendingPathComponent(name), overrides: overrides, registry: Fakes.registry, checks: checks)
    }

    /// The rendered errors of loading `name` (relative to this folder), or nil when it loads.
    func errors(_ name: String, overrides: [String] = [], checks: [RecipeCheck] = []) -> String? {
        do {
            _ = try load(name, overrides: overrides, checks: checks)
            return nil
        } catch let e as RecipeErrors {
            let t = e.render(relativeTo: url)
            // DUMP=/tmp/x.txt appends the rendered text, for updating the snapshots after a deliberate change.
            if let dump = ProcessInfo.processInfo.environment["DUMP"] { try? (t + "\n=====\n").appendToFile(dump) }
            return t
        } catch {
            return "unexpected: \(error)"
        }
    }
}

/// A complete valid recipe for the fakes.
let baseRecipe = """
name: base
seed: 3
data:
  train: {type: manifest, path: train.tsv, image_size: 32}
  eval:
    - {type: retrieval, path: test.tsv}
tokenizer: {type: bpe, vocab_size: 2048}
model:
  type: dual-encoder
  embed_dim: 128
  image: {type: vit, width: 128}
objective:
  type: alip
  gates:
    sample: {type: lcg, momentum: 0.99}
    pair: {type: dcg}
optimizer: {type: adamw, lr: 1.0e-3, betas: [0.9, 0.98]}
schedule: {type: one-cycle}
train: {batch_size: 16, steps: 100}

"""

extension String {
    func appendToFile(_ p: String) throws {
        if let h = FileHandle(forWritingAtPath: p) { h.seekToEndOfFile(); h.write(Data(utf8)); h.closeFile() }
        else { try write(toFile: p, atomically: true, encoding: .utf8) }
    }
}
