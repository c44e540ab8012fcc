/// The recipe's `train:` section (the training loop's settings), read from the validated recipe tree.
/// The section's keys, defaults and ranges are declared in the Recipes layer's schema.
public struct TrainingOptions: Sendable, Equatable {
    /// Pairs per optimizer step.
    public var batchSize: Int
    /// Optimizer steps to train.
    public var steps: Int
    /// Maximum global gradient norm (nil: no clipping).
    public var gradClip: Double?
    /// Steps between metric log lines.
    public var logEvery: Int
    /// Steps between checkpoints (one is always written at the end).
    public var checkpointEvery: Int
    /// Newest checkpoints kept on disk.
    public var keepCheckpoints: Int
    /// Steps between evaluations during training (nil: only at the end).
    public var evalEvery: Int?
    /// Threads for BLAS and the kernels (nil: `ALIP_NUM_THREADS` or every core).
    public var threads: Int?

    /// Options given directly (tests, benchmarks).
    public init(batchSize: Int, steps: Int, gradClip: Double? = 1.0, logEvery: Int = 10, checkpointEvery: Int = 500,
                keepCheckpoints: Int = 3, evalEvery: Int? = nil, threads: Int? = nil) {
        self.batchSize = batchSize
        self.steps = steps
        self.gradClip = gradClip
        self.logEvery = logEvery
        self.checkpointEvery = checkpointEvery
        self.keepCheckpoints = keepCheckpoints
        self.evalEvery = evalEvery
        self.threads = threads
    }

    /// Reads a validated `train:` mapping (defaults already filled in by the recipe loader).
    public init(section: ConfigValue) throws {
        guard case .map(let m) = section else { throw ComponentError(path: "train", "expected a mapping") }
        func int(_ k: String) -> Int? { if case .int(let i)? = m[k] { return i }; return nil }
        func double(_ k: String) -> Double? { m[k]?.number }
        guard let steps = int("steps"), steps >= 1 else {
            throw ComponentError(path: "train.steps", "missing or not a positive integer; set e.g. `train: {steps: 600}`")
        }
        self.init(batchSize: int("batch_size") ?? 128, steps: steps, gradClip: double("grad_clip"),
                  logEvery: int("log_every") ?? 10, checkpointEvery: int("checkpoint_every") ?? 500,
                  keepCheckpoints: int("keep_checkpoints") ?? 3, evalEvery: int("eval_every"), threads: int("threads"))
    }
}
