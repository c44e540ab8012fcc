import Components

/// The root schema of a recipe: its top-level keys as declared parameters, validated exactly like a
/// component's (unknown keys, kinds, ranges, required keys). `extends` is consumed while loading and
/// `sweep` becomes `ResolvedRecipe.sweep`; the other keys make up `ResolvedRecipe.root`.
public enum RecipeSchema {
    /// `data:` — what to train and evaluate on.
    public static let data: [ParameterSpec] = [
        ParameterSpec("train", .component(.dataset), default: nil, doc: "the training data set"),
        ParameterSpec("noise", .component(.noise), default: nil, optional: true,
                      doc: "controlled noise applied to the training pairs (none when omitted)"),
        ParameterSpec("eval", .components(.evaluator), default: .list([]), doc: "evaluations run at eval_every and at the end"),
    ]

    /// `train:` — the training loop.
    public static let train: [ParameterSpec] = [
        ParameterSpec("batch_size", .int, default: .int(128), range: 1...Double.infinity, doc: "pairs per optimizer step"),
        ParameterSpec("steps", .int, default: nil, range: 1...Double.infinity, doc: "optimizer steps to train"),
        ParameterSpec("grad_clip", .float, default: .double(1.0), range: 0...Double.infinity, optional: true,
                      doc: "clip the global gradient norm to this (null: no clipping)"),
        ParameterSpec("log_every", .int, default: .int(10), range: 1...Double.infinity, doc: "steps between metric log lines"),
        ParameterSpec("checkpoint_every", .int, default: .int(500), range: 1...Double.infinity, doc: "steps between checkpoints"),
        ParameterSpec("keep_checkpoints", .int, default: .int(3), range: 1...Double.infinity, doc: "newest checkpoints kept on disk"),
        ParameterSpec("eval_every", .int, default: nil, range: 1...Double.infinity, optional: true,
                      doc: "steps between evaluations (null: only at the end)"),
        ParameterSpec("threads", .int, default: nil, range: 1...Double.infinity, optional: true,
                      doc: "CPU threads for kernels (null: all cores)"),
    ]

    /// `sweep:` — ablation variants (only at the root).
    public static let sweep: [ParameterSpec] = [
        ParameterSpec("grid", .map, default: .map([:]), doc: "dotted key → list of values; every combination is a variant"),
        ParameterSpec("zip", .map, default: .map([:]), doc: "dotted key → list of values, all lists the same length, taken in step"),
        ParameterSpec("repeat", .int, default: .int(1), range: 1...1000, doc: "runs per variant with seeds seed, seed+1, …"),
        ParameterSpec("report", .section(report), default: .map(["metrics": .list([])]), doc: "what the sweep report shows"),
    ]

    /// `sweep.report:`.
    public static let report: [ParameterSpec] = [
        ParameterSpec("metrics", .strings, default: .list([]),
                      doc: "summary.json keys to tabulate and plot (empty: every key found)"),
    ]

    /// Every top-level key, in the order the resolved recipe is written.
    public static let root: [ParameterSpec] = [
        ParameterSpec("extends", .strings, default: .list([]),
                      doc: "base recipe(s) merged first, relative to this file (a string or a list)"),
        ParameterSpec("name", .string, default: .string("recipe"), doc: "the run's name"),
        ParameterSpec("seed", .int, default: .int(0), range: 0...Double(UInt32.max), doc: "seed of every random draw"),
        ParameterSpec("plugins", .strings, default: nil, optional: true, doc: "reserved: plugin modules the recipe needs"),
        ParameterSpec("data", .section(data), default: nil, doc: "training and evaluation data"),
        ParameterSpec("tokenizer", .component(.tokenizer), default: nil, doc: "text tokenizer"),
        ParameterSpec("model", .component(.model), default: nil, doc: "the image and text encoders"),
        ParameterSpec("objective", .component(.objective), default: nil, doc: "the training objective (clip, alip, …)"),
        ParameterSpec("optimizer", .component(.optimizer), default: nil, doc: "the optimizer"),
        ParameterSpec("schedule", .component(.schedule), default: nil, doc: "the learning-rate schedule"),
        ParameterSpec("train", .section(train), default: nil, doc: "the training loop"),
        ParameterSpec("sweep", .section(sweep), default: nil, optional: true, doc: "ablation variants (see Docs/sweeps.md)"),
    ]

    /// The keys `ResolvedRecipe.root` holds (root without `extends` and `sweep`).
    static let resolved: [ParameterSpec] = root.filter { $0.name != "extends" && $0.name != "sweep" }
}
