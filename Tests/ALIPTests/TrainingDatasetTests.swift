import Components
import Data
import Foundation
import Testing
@testable import ALIP

/// A data set that is not a `ManifestDataset`: it wraps one and counts the loaders it made, standing in
/// for a plugin's data set. The trainer must take it from the registry like the built-in one.
final class WrappedManifest: TrainingDataset, Component, @unchecked Sendable {
    static let typeName = "wrapped-manifest"
    static let summary = "test: a manifest behind another type"
    static let parameters: [ParameterSpec] = [ParameterSpec("path", .file, default: nil, doc: "manifest")]
    let inner: ManifestDataset
    nonisolated(unsafe) static var loadersMade = 0

    init(config: ComponentConfig, context: BuildContext) throws {
        inner = try ManifestDataset(url: context.resolve(path: config.string("path")), imageSize: 16)
        context.facts["image_size"] = 16
    }
    var fields: [String] { inner.fields }
    var imageSize: Int { inner.imageSize }
    var sourceDescription: String { "wrapped " + inner.sourceDescription }
    var rowCount: Int { inner.rowCount }
    func trainingTexts() -> [String] { inner.trainingTexts() }
    func trainLoader(tokenizer: any Tokenizing, batchSize: Int, seed: UInt64, noise: (any TextNoise)?) throws -> BatchLoader {
        WrappedManifest.loadersMade += 1
        return try inner.trainLoader(tokenizer: tokenizer, batchSize: batchSize, seed: seed, noise: noise)
    }
}

@Suite struct TrainingDatasetTests {
    @Test func theTrainerTakesAnyRegisteredTrainingDataset() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wrapped-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var options = DigitScenes.Options()
        options.imageSize = 16
        try DigitScenes.generate(into: folder.appendingPathComponent("data"), train: 32, test: 8, seed: 2, options: options)
        func m(_ d: [String: ConfigValue]) -> ConfigValue { .map(d) }
        let root = m([
            "data": m(["train": m(["type": .string("wrapped-manifest"), "path": .string("data/train.tsv")])]),
            "tokenizer": m(["type": .string("bpe"), "vocab_size": .int(600), "context_length": .int(16)]),
            "model": m(["type": .string("dual-encoder"), "embed_dim": .int(16),
                        "image": m(["type": .string("vit"), "width": .int(16), "layers": .int(1), "heads": .int(2), "patch_size": .int(8)]),
                        "text": m(["type": .string("text-transformer"), "width": .int(16), "layers": .int(1), "heads": .int(2)])]),
            "objective": m(["type": .string("clip")]),
            "optimizer": m(["type": .string("adamw")]),
            "schedule": m(["type": .string("constant")]),
            "train": m(["batch_size": .int(8), "steps": .int(2), "log_every": .int(1), "checkpoint_every": .int(100)]),
        ])
        let registry = Registry.builtin.merging(Registry(origin: "test", [(.dataset, WrappedManifest.self)]))
        let setup = try TrainingSetup(root: root, baseDirectory: folder, registry: registry)
        #expect(setup.dataset is WrappedManifest)
        let trainer = Trainer(setup: setup, runDirectory: RunDirectory(folder.appendingPathComponent("run")), recipeText: "")
        trainer.log = { _ in }
        trainer.isTerminal = false
        let before = WrappedManifest.loadersMade
        let summary = try trainer.run()
        #expect(summary.steps == 2)
        #expect(WrappedManifest.loadersMade == before + 1)
    }
}
