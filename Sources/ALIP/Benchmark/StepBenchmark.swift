import Foundation
import NN
import Optim
import Tensor

/// The training-step benchmark behind `alip bench step`: one ALIP (or CLIP) step of a dual encoder on
/// random inputs, built directly (no recipe, no data loader), exactly as `../shared/bench/alip_step.py`
/// times the open_clip reference: one image pass, the shared text tower on raw text and caption (one
/// pass over both, as the trainer runs it), LCG/DCG gates, adaptive loss on both paths, backward,
/// gradient clipping at 1.0, the one-cycle schedule, AdamW and the logit-scale clamp.
public struct StepBenchmark {
    /// Which step to time.
    public enum Mode: String, Sendable, CaseIterable {
        /// ALIP: raw text and caption paths with LCG and DCG gates.
        case alip
        /// CLIP: one raw-text path, plain symmetric InfoNCE.
        case clip
    }

    /// The result of a benchmark run.
    public struct Result: Sendable {
        /// Milliseconds of each timed step.
        public var stepMs: [Double]
        /// Process CPU time (user + system, all threads) per timed step in milliseconds: less sensitive to
        /// other processes on a shared machine than wall time, and it counts busy-waiting threads.
        public var cpuMsPerStep: Double
        /// Model FLOPs of one step (`flopsPerStep`).
        public var flops: Double
        /// FLOPs the step actually runs, counted the same way (`executedFlopsPerStep`): fewer than the
        /// model formula, because the engine skips work whose result reaches nothing.
        public var executedFlops: Double
        /// Batch size.
        public var batch: Int
        /// The last step's loss.
        public var finalLoss: Float
        /// Per-op profile of one extra, separately timed step (empty unless asked for).
        public var profile: [String: OpProfiler.Entry]
        /// Milliseconds of the profiled step (0 when none).
        public var profiledStepMs: Double

        /// Median step time in milliseconds.
        public var medianMs: Double { stepMs.isEmpty ? 0 : MatmulBenchmark.median(stepMs) }
        /// Samples per second at the median.
        public var samplesPerSecond: Double { Double(batch) / (medianMs / 1e3) }
        /// Achieved model GFLOP/s at the median (the formula's FLOPs, as the reference reports them).
        public var gflops: Double { flops / (medianMs * 1e6) }
        /// GFLOP/s of the work actually run, at the median.
        public var executedGflops: Double { executedFlops / (medianMs * 1e6) }
    }

    /// The tiny model of the benchmark (`../shared/bench/README.md`, the same as `fixtures/tiny-128.h5`):
    /// embed 128; ViT 32 px, patch 4, width 128, 4 layers, head width 32; text context 32, vocab 4096,
    /// width 128, 4 layers, 4 heads; MLP ×4, exact GELU.
    public static let tinyConfig = CLIPConfig(
        embedDim: 128,
        vision: .init(imageSize: 32, patchSize: 4, width: 128, layers: 4, headWidth: 32),
        text: .init(contextLength: 32, vocabSize: 4096, width: 128, layers: 4, heads: 4))

    /// The model's shape.
    public var config: CLIPConfig
    /// Samples per step.
    public var batch: Int
    /// ALIP or CLIP.
    public var mode: Mode
    /// The model.
    public let model: DualEncoder
    let optimizer: AdamW
    let schedule: OneCycleSchedule
    let objective: any Objective
    let images: Tensor
    let raw: [[Int32]]
    let caption: [[Int32]]
    let params: NamedParameters
    var step = 0
    let totalSteps: Int

    /// A benchmark of `mode` steps at `batch` samples on a model of `config`, seeded by `seed`.
    /// `totalSteps` sizes the one-cycle schedule (as the reference: warm-up + timed + 1).
    public init(config: CLIPConfig = StepBenchmark.tinyConfig, batch: Int, mode: Mode, seed: UInt64 = 0,
                totalSteps: Int = 100) throws {
        try config.validate()
        self.config = config
        self.batch = batch
        self.mode = mode
        self.totalSteps = totalSteps
        var g = RandomGenerator(seed: seed)
        model = DualEncoder(config: config, generator: &g)
        params = model.namedParameters()
        optimizer = AdamW(lr: 1e-3, betas: (0.9, 0.98), eps: 1e-6, weightDecay: 0.1)
        schedule = OneCycleSchedule(warmupFraction: 0.1)
        switch mode {
        case .alip:
            objective = try ALIPObjective(paths: ["raw", "caption"], sampleGate: LanguageConsistencyGate(),
                                          pairGate: DescriptionConsistencyGate(), loss: AdaptiveInfoNCELoss())
        case .clip:
            objective = CLIPObjective(path: "raw", loss: InfoNCELoss())
        }
        let v = config.vision
        images = Tensor.randn([batch, 3, v.imageSize, v.imageSize], generator: &g)
        raw = StepBenchmark.tokens(batch: batch, context: config.text.contextLength, vocab: config.text.vocabSize, generator: &g)
        caption = StepBenchmark.tokens(batch: batch, context: config.text.contextLength, vocab: config.text.vocabSize, generator: &g)
    }

    /// Token rows in open_clip's layout, as the reference draws them: SOT (vocab−2), 1…ctx−2 word ids in
    /// [1, vocab−3], EOT (vocab−1, the largest id), zero padding.
    public static func tokens(batch: Int, context: Int, vocab: Int, generator g: inout RandomGenerator) -> [[Int32]] {
        (0..<batch).map { _ in
            var row = [Int32](repeating: 0, count: context)
            let n = 1 + g.nextInt(below: max(context - 2, 1))   // numpy integers(1, ctx-1): 1…ctx−2
            row[0] = Int32(vocab - 2)
            for j in 1...n { row[j] = Int32(1 + g.nextInt(below: vocab - 3)) }
            row[n + 1] = Int32(vocab - 1)
            return row
        }
    }

    /// Runs one training step and returns its loss.
    @discardableResult
    public mutating func runStep() throws -> Float {
        for p in params { p.tensor.grad = nil }
        OpProfiler.mark()
        let image = model.encodeImage(images, normalize: true)
        let texts: [String: Tensor]
        switch mode {
        case .alip:
            let all = model.encodeText(raw + caption, normalize: true)
            texts = ["raw": all.slice(axis: 0, 0..<batch), "caption": all.slice(axis: 0, batch..<(2 * batch))]
        case .clip:
            texts = ["raw": model.encodeText(raw, normalize: true)]
        }
        let result = try objective.loss(EncodedBatch(image: image, texts: texts, logitScale: model.logitScale))
        let loss = result.total.item
        result.total.backward()
        _ = clipGradNorm(params, maxNorm: 1.0)
        _ = schedule.apply(to: optimizer, step: min(step, totalSteps - 1), totalSteps: totalSteps)
        withoutGradients { optimizer.step(params) }
        clampLogitScale(model.logitScale)
        step += 1
        return loss
    }

    /// `warmup` untimed steps, `steps` timed ones, then (when `profile`) one more under `OpProfiler`.
    public mutating func run(warmup: Int, steps: Int, profile: Bool) throws -> Result {
        for _ in 0..<warmup { try runStep() }
        var times: [Double] = []
        var loss: Float = 0
        let cpu0 = StepBenchmark.cpuSeconds
        for _ in 0..<steps {
            let t0 = DispatchTime.now().uptimeNanoseconds
            loss = try runStep()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        let cpuMs = (StepBenchmark.cpuSeconds - cpu0) * 1e3 / Double(max(steps, 1))
        var prof: [String: OpProfiler.Entry] = [:]
        var profMs = 0.0
        if profile {
            OpProfiler.start()
            let t0 = DispatchTime.now().uptimeNanoseconds
            try runStep()
            profMs = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
            prof = OpProfiler.stop()
        }
        return Result(stepMs: times, cpuMsPerStep: cpuMs, flops: StepBenchmark.flopsPerStep(config, batch: batch, textPaths: textPaths),
                      executedFlops: executedFlopsPerStep(), batch: batch, finalLoss: loss, profile: prof,
                      profiledStepMs: profMs)
    }

    /// Text paths of the step: raw text and caption (ALIP) or raw text (CLIP).
    var textPaths: Int { mode == .alip ? 2 : 1 }

    /// `executedFlopsPerStep` for this benchmark's token rows and the towers' settings (the pooled last
    /// block runs only on the fused path, `Engine.useFusedKernels`).
    func executedFlopsPerStep() -> Double {
        let text = model.text as? TextTransformer, vision = model.visual as? VisionTransformer
        let pooled = Engine.useFusedKernels && (text?.computesPooledRowsOnly ?? false)
            && (vision?.computesPooledRowsOnly ?? false)
        return StepBenchmark.executedFlopsPerStep(config, batch: batch, texts: mode == .alip ? raw + caption : raw,
                                                  textPaths: textPaths,
                                                  lengthGroups: text.map { $0.trimsPadding ? $0.lengthGroups : 0 } ?? 0,
                                                  pooledLastBlock: pooled)
    }

    /// Model FLOPs of one training step, the formula of `alip_step.py`'s `flops_per_step` (2 FLOPs per
    /// multiply-add, matmuls only; training = 3× forward, the patch embedding 2×; full N×N attention also
    /// for the causal text mask; the loss's two B×B×E logit products per path).
    public static func flopsPerStep(_ c: CLIPConfig, batch: Int, textPaths: Int) -> Double {
        let v = c.vision, t = c.text
        let vision = Double(batch * v.layers) * blockMACs(patchCount(v) + 1, v.width, hidden(v.width, v.mlpRatio))
        let text = Double(textPaths * batch * t.layers) * blockMACs(t.contextLength, t.width, hidden(t.width, t.mlpRatio))
        return stepFlops(c, batch: batch, textPaths: textPaths, visionBlocks: vision, textBlocks: text)
    }

    /// FLOPs of one training step as the engine runs it, counted like `flopsPerStep`: each tower's last
    /// block on its pooled rows only when `pooledLastBlock` (keys and values of every position; query,
    /// one-query attention, `out_proj` and MLP of one row), and the text rows (`texts`, every row of every
    /// path) in their `TextTransformer.rowsByLength` groups at each group's length (`lengthGroups` 0:
    /// the full context).
    public static func executedFlopsPerStep(_ c: CLIPConfig, batch: Int, texts: [[Int32]], textPaths: Int,
                                            lengthGroups: Int, pooledLastBlock: Bool) -> Double {
        func tower(_ n: Int, _ d: Int, _ h: Int, _ layers: Int) -> Double {
            guard layers > 0 else { return 0 }
            let last = pooledLastBlock ? Double(n * 2 * d * d + 2 * d * d + 2 * d * h + 2 * n * d) : blockMACs(n, d, h)
            return Double(layers - 1) * blockMACs(n, d, h) + last
        }
        let v = c.vision, t = c.text, th = hidden(t.width, t.mlpRatio)
        var text = 0.0
        if lengthGroups > 0 {
            let positions = TextTransformer.poolingPositions(texts)
            for g in TextTransformer.rowsByLength(positions, groups: lengthGroups) {
                text += Double(g.count) * tower(g.map { positions[$0] }.max()! + 1, t.width, th, t.layers)
            }
        } else {
            text = Double(texts.count) * tower(texts.first?.count ?? t.contextLength, t.width, th, t.layers)
        }
        let vision = Double(batch) * tower(patchCount(v) + 1, v.width, hidden(v.width, v.mlpRatio), v.layers)
        return stepFlops(c, batch: batch, textPaths: textPaths, visionBlocks: vision, textBlocks: text)
    }

    /// Multiply-adds of one full transformer block over n tokens of width d, MLP hidden h.
    static func blockMACs(_ n: Int, _ d: Int, _ h: Int) -> Double { Double(n * (4 * d * d + 2 * d * h) + 2 * n * n * d) }

    static func hidden(_ width: Int, _ ratio: Double) -> Int { Int(ratio * Double(width)) }

    static func patchCount(_ v: CLIPConfig.Vision) -> Int { (v.imageSize / v.patchSize) * (v.imageSize / v.patchSize) }

    /// FLOPs of a step whose blocks take `visionBlocks` + `textBlocks` forward multiply-adds (the whole
    /// batch): plus the projections, the loss's logits (per path) and the patch embedding.
    static func stepFlops(_ c: CLIPConfig, batch: Int, textPaths: Int, visionBlocks: Double, textBlocks: Double) -> Double {
        let v = c.vision, t = c.text, e = c.embedDim
        let b = Double(batch), paths = Double(textPaths)
        let forward = visionBlocks + textBlocks + b * Double(v.width * e) + paths * b * Double(t.width * e)
            + paths * 2 * b * b * Double(e)
        return 2 * (3 * forward + 2 * b * Double(patchCount(v) * 3 * v.patchSize * v.patchSize * v.width))
    }

    /// User + system CPU seconds of this process so far.
    public static var cpuSeconds: Double {
        var u = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &u)
        #else
        getrusage(RUSAGE_SELF, &u)
        #endif
        func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
        return s(u.ru_utime) + s(u.ru_stime)
    }

    /// Peak resident set size of this process in MiB (`getrusage` `ru_maxrss`).
    public static var peakRSSMiB: Double {
        var u = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_maxrss) / 1024                    // KiB on Linux
        #else
        getrusage(RUSAGE_SELF, &u)
        return Double(u.ru_maxrss) / (1024 * 1024)           // bytes on Darwin
        #endif
    }
}
