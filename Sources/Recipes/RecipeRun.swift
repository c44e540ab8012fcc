import ALIP
import Checkpoint
import Components
import Foundation

/// Runs resolved recipes: what `alip train`, `alip sweep`, `alip eval` and `alip demo` share.
public enum RecipeRun {
    /// Trains `recipe` in `directory` (a run folder: recipe.yaml, metrics.jsonl, event files,
    /// checkpoints/, summary.json). With `resume`, continues from that checkpoint: its tokenizer, weights,
    /// optimizer moments, gate EMAs and data position. `configure` adjusts the trainer before it runs
    /// (log sink, interrupt flag, progress mode, callbacks).
    public static func train(_ recipe: ResolvedRecipe, in directory: URL, registry: Registry, resume: URL? = nil,
                             configure: (Trainer) -> Void = { _ in }) throws -> TrainingSummary {
        var checkpoint: Checkpoint?
        if let resume { checkpoint = try Checkpoint.read(from: resume) }
        let setup = try TrainingSetup(root: recipe.root, baseDirectory: recipe.baseDirectory, registry: registry,
                                      tokenizerJSON: checkpoint?.tokenizer)
        let trainer = Trainer(setup: setup, runDirectory: RunDirectory(directory),
                              recipeText: recipe.yaml, recipeDirectory: recipe.baseDirectory)
        configure(trainer)
        if let checkpoint, checkpoint.recipe != recipe.yaml {
            trainer.log("note: the recipe differs from the one \(resume!.lastPathComponent) was trained with; continuing with the given recipe")
        }
        return try trainer.run(resume: checkpoint, resumeURL: resume)
    }

    /// The recipe a checkpoint was trained with, loaded back (with `overrides` applied) together with
    /// the folder its relative paths resolve against.
    public static func recipe(of checkpoint: Checkpoint, at url: URL, overrides: [String] = [],
                              registry: Registry) throws -> (recipe: ResolvedRecipe, baseDirectory: URL) {
        guard !checkpoint.recipe.isEmpty else {
            throw TrainingError("\(url.path) holds no recipe (attribute 'recipe' is empty); it was not written by `alip train`")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("alip-eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("recipe.yaml")
        try Data(checkpoint.recipe.utf8).write(to: file)
        let recipe = try RecipeLoader.load(file, overrides: overrides, registry: registry, checks: [])
        var base = url.deletingLastPathComponent()
        if case .string(let dir)? = checkpoint.state["recipe/directory"] { base = URL(fileURLWithPath: dir, isDirectory: true) }
        return (recipe, base)
    }

    /// Evaluates a checkpoint with its recipe's evaluators (or the recipe's with `overrides`); `data`
    /// replaces the `path` of every evaluator (the test manifest), keeping the rest of their settings.
    public static func evaluate(checkpoint url: URL, data: URL? = nil, overrides: [String] = [], registry: Registry,
                                notes: @escaping @Sendable (String) -> Void) throws -> [String: Double] {
        let checkpoint = try Checkpoint.read(from: url)
        let (saved, base) = try recipe(of: checkpoint, at: url, overrides: overrides, registry: registry)
        var root = saved.root
        if let data { root = replacingEvaluatorPaths(root, with: data.path) }
        let setup: TrainingSetup
        do {
            setup = try TrainingSetup(root: root, baseDirectory: base, registry: registry, tokenizerJSON: checkpoint.tokenizer)
        } catch let e as ComponentError where e.path == "data.train" || e.path.hasPrefix("data.train.") {
            // The training set is rebuilt for its settings (image size, fields); say how to point at a copy.
            throw ComponentError(path: e.path, e.message + "\nnote: `alip eval` rebuilds the training set of the checkpoint's "
                                 + "recipe for its settings (the tokenizer comes from the checkpoint); if the data moved, "
                                 + "add --set data.train.path=FILE")
        }
        try loadParameters(checkpoint.modelByName, into: setup.model.namedParameters(), file: url)
        let ctx = setup.evaluationContext(noiseRecord: nil, notes: notes)
        return try setup.evaluators.run(ctx)
    }

    /// `root` with `data.eval[*].path` set to `path`.
    static func replacingEvaluatorPaths(_ root: ConfigValue, with path: String) -> ConfigValue {
        guard case .map(var r) = root, case .map(var data)? = r["data"], case .list(let evals)? = data["eval"] else { return root }
        data["eval"] = .list(evals.map { e in
            guard case .map(var m) = e, m["path"] != nil else { return e }
            m["path"] = .string(path)
            return .map(m)
        })
        r["data"] = .map(data)
        return .map(r)
    }
}
