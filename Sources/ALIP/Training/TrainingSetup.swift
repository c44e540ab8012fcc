import Data
import Foundation
import NN
import Optim
import Tensor

/// Everything a training run is made of, built from a validated recipe tree by the registry: the
/// training data set and its noise, the tokenizer, the model, the objective, the optimizer, the
/// schedule and the evaluators. `alip train`, `alip eval` and `alip sweep` build runs this way.
///
/// Build order follows what components tell each other through `BuildContext.facts`: the data set
/// publishes `image_size`, the tokenizer `vocab_size` and `context_length`, the model reads them.
public final class TrainingSetup {
    /// The run's seed (recipe key `seed`).
    public let seed: UInt64
    /// The context the components were built with (facts, the recipe's folder).
    public let context: BuildContext
    /// The training set.
    public let dataset: any TrainingDataset
    /// Noise injected into the training set's raw text (recipe key `data.noise`), if any.
    public let noise: (any TextNoise)?
    /// The tokenizer: trained from the training texts, loaded from its file, or restored from a checkpoint.
    public let tokenizer: BPETokenizer
    /// The dual encoder.
    public let model: DualEncoder
    /// The training objective with its gates.
    public let objective: any Objective
    /// The optimizer.
    public let optimizer: any Optimizer
    /// The learning-rate schedule.
    public let schedule: any LearningRateSchedule
    /// The evaluators of `data.eval`.
    public let evaluators: EvaluationSuite
    /// The `train:` section.
    public let options: TrainingOptions

    /// Builds every component of `root` (a recipe tree as the Recipes layer resolves it: every default
    /// filled in). `tokenizerJSON`, when given (resume, evaluation of a checkpoint), replaces training
    /// the tokenizer so token ids match the saved model.
    public init(root: ConfigValue, baseDirectory: URL, registry: Registry, tokenizerJSON: String? = nil) throws {
        guard case .map(let r) = root else { throw ComponentError(path: "", "a recipe must be a mapping") }
        func required(_ key: String, in m: [String: ConfigValue], path: String) throws -> ConfigValue {
            guard let v = m[key], v != .null else { throw ComponentError(path: path, "missing; the recipe must set it") }
            return v
        }
        if case .int(let s)? = r["seed"] { seed = UInt64(max(0, s)) } else { seed = 0 }
        let context = BuildContext(registry: registry, baseDirectory: baseDirectory, seed: seed)
        self.context = context
        options = try TrainingOptions(section: try required("train", in: r, path: "train"))

        guard case .map(let data)? = r["data"] else { throw ComponentError(path: "data", "missing; the recipe must set `data: {train: …}`") }
        dataset = try context.build(.dataset, try required("train", in: data, path: "data.train"), path: "data.train",
                                    as: (any TrainingDataset).self)
        if let n = data["noise"], n != .null {
            noise = try context.build(.noise, n, path: "data.noise", as: (any TextNoise).self)
        } else {
            noise = nil
        }

        let spec = try context.build(.tokenizer, try required("tokenizer", in: r, path: "tokenizer"), path: "tokenizer",
                                     as: (any TokenizerSpec).self)
        if let json = tokenizerJSON {
            do { tokenizer = try BPETokenizer(json: json, source: "the checkpoint's /tokenizer") }
            catch { throw ComponentError(path: "tokenizer", "\(error)") }
        } else {
            let ds = dataset
            tokenizer = try spec.makeTokenizer(trainingTexts: { ds.trainingTexts() })
        }
        context.facts["vocab_size"] = tokenizer.vocabSize
        context.facts["context_length"] = tokenizer.contextLength

        model = try context.build(.model, try required("model", in: r, path: "model"), path: "model", as: DualEncoder.self)
        objective = try context.build(.objective, try required("objective", in: r, path: "objective"), path: "objective",
                                      as: (any Objective).self)
        optimizer = try context.build(.optimizer, try required("optimizer", in: r, path: "optimizer"), path: "optimizer",
                                      as: (any Optimizer).self)
        schedule = try context.build(.schedule, try required("schedule", in: r, path: "schedule"), path: "schedule",
                                     as: (any LearningRateSchedule).self)
        var evals: [ConfigValue] = []
        if case .list(let l)? = data["eval"] { evals = l }
        evaluators = try EvaluationSuite(configs: evals, path: "data.eval", context: context)

        for field in objective.textFields where !dataset.fields.contains(field) {
            throw ComponentError(path: "objective", "trains on text field '\(field)', but the training manifest "
                                 + "\(dataset.sourceDescription) provides only \(dataset.fields.joined(separator: ", "))")
        }
    }

    /// An evaluation context over this run's model and tokenizer: it encodes any manifest of the training
    /// set's format with the evaluation transforms, and texts with the tokenizer.
    public func evaluationContext(noiseRecord: NoiseRecord?, notes: @escaping (String) -> Void) -> CachedEvaluationContext {
        ModelEvaluation.context(model: model, tokenizer: tokenizer, imageSize: dataset.imageSize,
                                baseDirectory: context.baseDirectory,
                                noiseRecord: noiseRecord, notes: notes)
    }
}
