import Checkpoint
import Data
import Foundation
import NN
import Optim
import Tensor

/// Why a run stopped before its last step.
public struct TrainingError: Error, CustomStringConvertible, Sendable {
    /// The message: what happened, at which step, what was kept, what to try.
    public let message: String
    /// Creates the error.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What a finished (or interrupted) run reports.
public struct TrainingSummary: Sendable {
    /// Final metrics: every evaluator's, plus `train.loss`, `train.steps`, `train.seconds`,
    /// `train.samples_per_s`. Written as `summary.json` when the run finishes.
    public var metrics: [String: Double]
    /// Steps completed.
    public var steps: Int
    /// The newest checkpoint written.
    public var checkpoint: URL?
    /// Whether an interrupt (Ctrl-C) stopped the run early (then nothing was evaluated).
    public var interrupted: Bool
}

/// The training loop (DESIGN.md §5, §8): per step it encodes the images and the objective's text fields
/// (one shared text encoder; all fields in one pass), computes the objective's loss (gate weights
/// without gradients), backpropagates, clips the gradient norm, sets the schedule's learning rate (and
/// β1), steps the optimizer and clamps `logit_scale` to [0, ln 100]. It logs to `metrics.jsonl`,
/// TensorBoard and a progress display, checkpoints every `checkpoint_every` steps and at the end
/// (keeping the newest `keep_checkpoints`), evaluates, and writes `summary.json`.
///
/// A run resumed from a checkpoint continues exactly: parameters, optimizer moments, gate EMAs and the
/// data position are restored, the schedule is a function of the step, and every augmentation is seeded
/// by (seed, epoch, row). A non-finite loss or gradient stops the run before the bad update, keeping
/// the last good checkpoint; an interrupt saves a checkpoint after the current step.
public final class Trainer {
    /// The run's components.
    public let setup: TrainingSetup
    /// The run's folder.
    public let runDirectory: RunDirectory
    /// The resolved recipe text, saved as `recipe.yaml` and in every checkpoint.
    public let recipeText: String
    /// Where log lines and the final table go (default: standard error).
    public var log: @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    /// Whether the progress display redraws one line in place (a terminal) or prints plain lines.
    public var isTerminal: Bool = ProgressReporter.standardErrorIsTerminal
    /// Polled after every step; when raised the run saves a checkpoint and stops.
    public var interrupt: InterruptFlag?
    /// Called after every completed step with the step count (instrumentation and tests).
    public var afterStep: ((Int) -> Void)?

    /// The latest sample-gate weight the run computed for each training row (NaN: not seen yet), and
    /// whether noise injection corrupted that row: the `noise-detection` evaluator's input.
    private var latestWeights: [Float] = []
    private var corruptedRows: [Bool] = []

    /// The folder the recipe's relative paths resolve against (kept in checkpoints for `alip eval`).
    public let recipeDirectory: URL?

    /// A trainer for `setup` writing into `runDirectory`.
    public init(setup: TrainingSetup, runDirectory: RunDirectory, recipeText: String, recipeDirectory: URL? = nil) {
        self.setup = setup
        self.runDirectory = runDirectory
        self.recipeText = recipeText
        self.recipeDirectory = recipeDirectory
    }

    // MARK: - The loop

    /// Trains from the start, or from `resume` (a checkpoint of this recipe), to `train.steps`, then
    /// evaluates and writes `summary.json`.
    public func run(resume: Checkpoint? = nil, resumeURL: URL? = nil) throws -> TrainingSummary {
        let opts = setup.options
        if let t = opts.threads { Engine.threads = t }
        let model = setup.model, objective = setup.objective, optimizer = setup.optimizer
        let params = model.namedParameters()
        let rowCount = setup.dataset.rowCount
        latestWeights = [Float](repeating: .nan, count: rowCount)
        corruptedRows = [Bool](repeating: false, count: rowCount)

        try prepareRunDirectory(resuming: resume != nil)
        let loader = try setup.dataset.trainLoader(tokenizer: setup.tokenizer, batchSize: opts.batchSize,
                                                   seed: setup.seed, noise: setup.noise)
        defer { loader.shutdown() }
        guard loader.batchesPerEpoch > 0 else {
            throw TrainingError("the training set \(setup.dataset.sourceDescription) has \(loader.sampleCount) usable rows, "
                                + "fewer than one batch of \(opts.batchSize); lower train.batch_size or add data")
        }
        loader.onEpochEnd = { [log] report in if !report.skipped.isEmpty { log(report.summary) } }

        var step = 0
        if let ckpt = resume {
            step = try restore(ckpt, from: resumeURL ?? runDirectory.url, params: params, loader: loader)
            log("resumed at step \(step) from \(resumeURL?.path ?? "checkpoint") (\(loader.position))")
        }
        let metricsLog = try MetricsLog(url: runDirectory.metrics, resumeStep: resume == nil ? nil : step)
        defer { metricsLog.close() }
        let board = try TensorBoardWriter(directory: runDirectory.url)
        defer { board.close() }
        let progress = ProgressReporter(total: opts.steps, startStep: step, isTerminal: isTerminal, every: opts.logEvery)
        let fields = objective.textFields

        var lastCheckpoint: URL? = runDirectory.latestCheckpoint
        var windowLoss = 0.0, windowSteps = 0, windowSamples = 0
        var windowStart = Self.now()
        let runStart = Self.now()
        var samplesSeen = 0
        var lastLoss = Double.nan

        while step < opts.steps {
            let batch = try loader.nextWrapping()
            let b = batch.count
            for p in params { p.tensor.grad = nil }

            // Forward: one image pass; every text field through the shared text encoder in one pass.
            let image = model.encodeImage(batch.images, normalize: true)
            var rows: [[Int32]] = []
            rows.reserveCapacity(b * fields.count)
            for f in fields {
                guard let t = batch.tokens[f] else {
                    throw TrainingError("the objective trains on text field '\(f)', but the batches carry only "
                                        + batch.tokens.keys.sorted().joined(separator: ", "))
                }
                rows += t
            }
            let allText = model.encodeText(rows, normalize: true)
            var texts: [String: Tensor] = [:]
            for (k, f) in fields.enumerated() {
                texts[f] = fields.count == 1 ? allText : allText.slice(axis: 0, (k * b)..<((k + 1) * b))
            }
            let result = try objective.loss(EncodedBatch(image: image, texts: texts, logitScale: model.logitScale,
                                                         corrupted: batch.corrupted))
            let loss = Double(result.total.item)
            guard loss.isFinite else {
                throw nonFinite(step: step + 1, what: "loss is \(loss) (paths: "
                                + result.perPath.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")",
                                lastCheckpoint: lastCheckpoint)
            }

            // Backward, clip, schedule, update, clamp.
            result.total.backward()
            let norm = opts.gradClip.map { clipGradNorm(params, maxNorm: Float($0)) } ?? gradNorm(params)
            guard norm.isFinite else {
                throw nonFinite(step: step + 1, what: "gradient norm is \(norm)", lastCheckpoint: lastCheckpoint)
            }
            let scheduled = setup.schedule.apply(to: optimizer, step: step, totalSteps: opts.steps)
            withoutGradients { optimizer.step(params) }
            clampLogitScale(model.logitScale)
            record(weights: result.sampleWeights, rows: batch.rows, corrupted: batch.corrupted)
            step += 1
            samplesSeen += b
            windowLoss += loss; windowSteps += 1; windowSamples += b
            lastLoss = loss

            if step % opts.logEvery == 0 || step == opts.steps {
                let elapsed = max(Self.now() - windowStart, 1e-9)
                var m: [String: Double] = ["loss": windowLoss / Double(windowSteps), "lr": scheduled.learningRate,
                                           "beta1": optimizer.beta1, "grad_norm": Double(norm),
                                           "logit_scale": Double(model.logitScale.item),
                                           "samples_per_s": Double(windowSamples) / elapsed, "epoch": Double(loader.position.epoch)]
                for (path, v) in result.perPath { m["loss.\(path)"] = Double(v) }
                for (k, v) in result.stats { m[k] = v }
                try metricsLog.append(step: step, m)
                try board.add(step: step, scalars: m)
                progress.update(step: step, loss: m["loss"]!, samplesPerSecond: m["samples_per_s"]!)
                windowLoss = 0; windowSteps = 0; windowSamples = 0; windowStart = Self.now()
            }
            if step % opts.checkpointEvery == 0 && step < opts.steps {
                lastCheckpoint = try saveCheckpoint(step: step, params: params, loader: loader)
            }
            afterStep?(step)
            if interrupt?.isRaised == true {
                progress.finish()
                lastCheckpoint = try saveCheckpoint(step: step, params: params, loader: loader)
                log("interrupted at step \(step); saved \(lastCheckpoint!.path). Continue with: alip train … --resume \(lastCheckpoint!.path)")
                return TrainingSummary(metrics: [:], steps: step, checkpoint: lastCheckpoint, interrupted: true)
            }
            if let every = opts.evalEvery, step % every == 0, step < opts.steps {
                let metrics = try evaluate()
                let scalars = Dictionary(uniqueKeysWithValues: metrics.map { ("eval/" + $0.key, $0.value) })
                try metricsLog.append(step: step, scalars)
                try board.add(step: step, scalars: scalars)
                progress.message(Self.formatTable(metrics, title: "evaluation at step \(step)"))
            }
        }
        progress.finish()
        if lastCheckpointStep(lastCheckpoint) != step {
            lastCheckpoint = try saveCheckpoint(step: step, params: params, loader: loader)
        }

        var metrics = try evaluate()
        let seconds = Self.now() - runStart
        metrics["train.steps"] = Double(step)
        if !lastLoss.isNaN { metrics["train.loss"] = lastLoss }
        if samplesSeen > 0 {
            metrics["train.seconds"] = seconds
            metrics["train.samples_per_s"] = Double(samplesSeen) / max(seconds, 1e-9)
        }
        try Self.writeSummary(metrics, to: runDirectory.summary)
        return TrainingSummary(metrics: metrics, steps: step, checkpoint: lastCheckpoint, interrupted: false)
    }

    /// Runs the recipe's evaluators on the current model.
    public func evaluate() throws -> [String: Double] {
        let record = try noiseRecord()
        let ctx = setup.evaluationContext(noiseRecord: record, notes: { [log] in log("note: " + $0) })
        return try setup.evaluators.run(ctx)
    }

    // MARK: - State

    /// The noise record of the rows seen so far, when the training set has injected noise and the
    /// objective has a sample gate.
    private func noiseRecord() throws -> NoiseRecord? {
        guard setup.noise != nil else { return nil }
        var w: [Float] = [], c: [Bool] = []
        for (i, x) in latestWeights.enumerated() where !x.isNaN { w.append(x); c.append(corruptedRows[i]) }
        return w.isEmpty ? nil : try NoiseRecord(weights: w, corrupted: c)
    }

    private func record(weights: [Float]?, rows: [Int], corrupted: [Bool]) {
        guard let weights, weights.count == rows.count else { return }
        for (k, r) in rows.enumerated() where r < latestWeights.count {
            latestWeights[r] = weights[k]
            corruptedRows[r] = k < corrupted.count ? corrupted[k] : false
        }
    }

    private func prepareRunDirectory(resuming: Bool) throws {
        if !resuming, !runDirectory.existingCheckpoints().isEmpty {
            throw TrainingError("\(runDirectory.url.path) already holds a run (\(runDirectory.existingCheckpoints().count) "
                                + "checkpoint(s)); continue it with --resume \(runDirectory.latestCheckpoint!.path), "
                                + "or choose another --out")
        }
        try runDirectory.create()
        try Data(recipeText.utf8).write(to: runDirectory.recipe, options: .atomic)
    }

    private func saveCheckpoint(step: Int, params: NamedParameters, loader: BatchLoader) throws -> URL {
        var state: [String: StateValue] = [:]
        for (k, v) in setup.objective.state { state[Self.objectiveStatePrefix + k] = .double(v) }
        let pos = loader.position
        state["data/epoch"] = .int(pos.epoch)
        state["data/batch"] = .int(pos.batch)
        state["noise/latest_weight"] = .doubles(latestWeights.map(Double.init))
        state["noise/corrupted"] = .doubles(corruptedRows.map { $0 ? 1 : 0 })
        if let dir = recipeDirectory { state["recipe/directory"] = .string(dir.path) }
        let ckpt = Checkpoint(model: params, optimizer: setup.optimizer.stateByParameter(),
                              optimizerAttributes: ["learning_rate": .double(setup.optimizer.learningRate),
                                                    "beta1": .double(setup.optimizer.beta1)],
                              state: state, tokenizer: setup.tokenizer.jsonString(), recipe: recipeText, step: step)
        let url = runDirectory.checkpoint(step: step)
        try ckpt.write(to: url)
        runDirectory.pruneCheckpoints(keep: setup.options.keepCheckpoints)
        return url
    }

    private func restore(_ ckpt: Checkpoint, from url: URL, params: NamedParameters, loader: BatchLoader) throws -> Int {
        try loadParameters(ckpt.modelByName, into: params, file: url)
        do { try setup.optimizer.loadState(byParameter: ckpt.optimizer, parameters: params) }
        catch { throw TrainingError("\(url.path): \(error)") }
        do { try setup.objective.restoreState(try Self.objectiveState(of: ckpt, file: url)) }
        catch { throw TrainingError("\(url.path): \(error)") }
        guard let epoch = ckpt.state["data/epoch"]?.intValue, let batch = ckpt.state["data/batch"]?.intValue else {
            throw TrainingError("\(url.path): /state/data/epoch and /state/data/batch are missing; this checkpoint cannot resume training")
        }
        try loader.seek(to: LoaderPosition(epoch: epoch, batch: batch))
        if case .doubles(let w)? = ckpt.state["noise/latest_weight"], case .doubles(let c)? = ckpt.state["noise/corrupted"],
           w.count == latestWeights.count, c.count == corruptedRows.count {
            latestWeights = w.map(Float.init)
            corruptedRows = c.map { $0 != 0 }
        }
        if let lr = ckpt.optimizerAttributes["learning_rate"]?.doubleValue { setup.optimizer.learningRate = lr }
        if let b1 = ckpt.optimizerAttributes["beta1"]?.doubleValue { setup.optimizer.beta1 = b1 }
        guard ckpt.step <= setup.options.steps else {
            throw TrainingError("\(url.path) is at step \(ckpt.step), past train.steps = \(setup.options.steps); raise train.steps to continue")
        }
        return ckpt.step
    }

    /// Where a checkpoint's `/state` keeps the objective's gate EMAs (`objective/sample.ema_text_caption`, …).
    public static let objectiveStatePrefix = "objective/"

    /// The objective state (gate EMAs) a checkpoint saved, keyed as `Objective.state`.
    public static func objectiveState(of checkpoint: Checkpoint, file: URL) throws -> [String: Double] {
        var out: [String: Double] = [:]
        for (k, v) in checkpoint.state where k.hasPrefix(objectiveStatePrefix) {
            guard let d = v.doubleValue else { throw TrainingError("\(file.path): /state/\(k) is not a number") }
            out[String(k.dropFirst(objectiveStatePrefix.count))] = d
        }
        return out
    }

    private func nonFinite(step: Int, what: String, lastCheckpoint: URL?) -> TrainingError {
        let kept = lastCheckpoint.map { "the last good checkpoint is \($0.path)" } ?? "no checkpoint was written yet"
        return TrainingError("step \(step): \(what); stopped before updating the parameters, \(kept). "
                             + "Try a lower optimizer.lr, a smaller train.grad_clip, or check the data")
    }

    private func lastCheckpointStep(_ url: URL?) -> Int? {
        guard let name = url?.deletingPathExtension().lastPathComponent, name.hasPrefix("step-") else { return nil }
        return Int(name.dropFirst(5))
    }

    // MARK: - Output

    private static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

    /// Metrics as one flat JSON object, keys sorted, non-finite values as `null`: one key per line
    /// (`summary.json`) or all on one line (`--json` output).
    public static func metricsJSON(_ metrics: [String: Double], oneLine: Bool = false) -> String {
        let items = metrics.keys.sorted().map { k -> String in
            let v = metrics[k]!
            return "\"\(k)\": " + (v.isFinite ? String(v) : "null")
        }
        return oneLine ? "{" + items.joined(separator: ", ") + "}"
            : "{\n" + items.map { "  " + $0 }.joined(separator: ",\n") + "\n}\n"
    }

    /// Writes metrics as `metricsJSON(_:)`, atomically.
    public static func writeSummary(_ metrics: [String: Double], to url: URL) throws {
        try Data(metricsJSON(metrics).utf8).write(to: url, options: .atomic)
    }

    /// Reads a `summary.json` written by ``writeSummary(_:to:)`` (non-numbers are left out). Numbers read
    /// back exactly as written (`JSONDecoder`; `JSONSerialization` on Linux can be off in the last digit).
    public static func readSummary(_ url: URL) throws -> [String: Double] {
        let data = try Data(contentsOf: url)
        guard let obj = try? JSONDecoder().decode([String: JSONNumber].self, from: data) else {
            throw TrainingError("\(url.path): not a JSON object")
        }
        return obj.compactMapValues(\.value)
    }

    /// A two-column table of metrics (sorted by name), for the terminal.
    public static func formatTable(_ metrics: [String: Double], title: String) -> String {
        let keys = metrics.keys.sorted()
        let width = max(6, keys.map(\.count).max() ?? 6)
        var lines = [title, String(repeating: "-", count: width + 12)]
        for k in keys {
            lines.append(k.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + Self.format(metrics[k]!))
        }
        return lines.joined(separator: "\n")
    }

    /// A metric as the tables print it: 4 significant decimals, integers without a fraction.
    public static func format(_ v: Double) -> String {
        if !v.isFinite { return String(v) }
        if v == v.rounded() && abs(v) < 1e9 { return String(Int(v)) }
        return String(format: "%.4f", v)
    }
}

/// A JSON value read for its number: `value` is nil for null, strings, lists and objects.
struct JSONNumber: Decodable {
    let value: Double?
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        value = try? c.decode(Double.self)
    }
}
