import Checkpoint
import Foundation
import NN
import Optim
import Tensor

/// `alip parity FIXTURE.h5`: one ALIP training step of the framework's own components, compared with
/// the same step exported from PyTorch/open_clip and the authors' gate and loss code (the layout of
/// `../shared/fixtures/tiny-a.h5`, see its README).
///
/// It builds the model from the fixture's `config` attribute, loads `/params` strictly, runs forward on
/// `/inputs`, the LCG and DCG gates (EMAs starting at 1.0), the adaptive loss on both paths and plain
/// CLIP InfoNCE, backward, gradient-norm clipping at 1.0 and one AdamW step (lr 1e-3, betas 0.9/0.98,
/// eps 1e-6, weight decay 0.1) with the `logit_scale` clamp, and compares every expected tensor.
public enum ParityCheck {
    /// One compared tensor.
    public struct Row: Sendable {
        /// The expected tensor's path in the fixture (`expected/loss_alip`, `grads/visual.proj`, …).
        public let name: String
        /// Largest absolute difference.
        public let maxAbsError: Double
        /// Largest difference relative to the element's tolerance scale (see ``tolerance``).
        public let maxRelError: Double
        /// Whether every element is within tolerance.
        public let passed: Bool
    }

    /// Relative tolerance: float32 round-off of one training step.
    public static let tolerance = 1e-4

    /// Runs the step and compares. Throws when the fixture cannot be read or does not fit its config.
    public static func run(fixture url: URL) throws -> [Row] {
        let file = try HDF5File(reading: url)
        let configJSON = try file.stringAttribute("config")
        let config: CLIPConfig
        do { config = try JSONDecoder().decode(CLIPConfig.self, from: Data(configJSON.utf8)) }
        catch { throw HDF5Error(file: url, object: "/ (attribute config)", "not a model config: \(error)") }
        var generator = RandomGenerator(seed: 0)
        let model = DualEncoder(config: config, generator: &generator)
        let params = model.namedParameters()
        try loadParameters(try file.tensors(under: "/params"), into: params, file: url)

        var rows: [Row] = []
        func compare(_ name: String, _ actual: Tensor) throws {
            let path = "/" + name
            guard file.exists(path) else { return }
            rows.append(Self.compare(name, actual: actual, expected: try file.tensor(path)))
        }
        func tokens(_ path: String) throws -> [[Int32]] {
            let (shape, values) = try file.int32s(path)
            guard shape.count == 2 else { throw HDF5Error(file: url, object: path, "expected [B, context] tokens, got \(shape)") }
            return (0..<shape[0]).map { Array(values[($0 * shape[1])..<(($0 + 1) * shape[1])]) }
        }

        // Forward.
        let images = try file.tensor("/inputs/images")
        let v = model.encodeImage(images, normalize: true)
        let t = model.encodeText(try tokens("/inputs/raw_tokens"), normalize: true)
        let c = model.encodeText(try tokens("/inputs/caption_tokens"), normalize: true)
        try compare("expected/image_features", v)
        try compare("expected/raw_features", t)
        try compare("expected/caption_features", c)
        try compare("expected/logit_scale_exp", withoutGradients { model.logitScaleExp })
        try compare("expected/logits_per_image_raw", withoutGradients { model.logits(v, t) })
        try compare("expected/logits_per_image_caption", withoutGradients { model.logits(v, c) })

        // Gates, run on their own to expose every weight (the objective below runs its own copies).
        let batch = EncodedBatch(image: v, texts: ["raw": t, "caption": c], logitScale: model.logitScale)
        let paths = ["raw", "caption"]
        let lcg = LanguageConsistencyGate(), dcg = DescriptionConsistencyGate()
        dcg.prepare(paths: paths)
        let (sample, pair) = withoutGradients { () -> (GateOutput, GateOutput) in
            let s = lcg.weigh(GateInput(batch: batch, paths: paths))
            return (s, dcg.weigh(GateInput(batch: batch, paths: paths, consistency: s.consistency)))
        }
        if let w = sample.sample { try compare("expected/weight_sample", Tensor(shape: [w.count], data: w)) }
        if let r = sample.consistency { try compare("expected/lcg_ratio", Tensor(shape: [r.count], data: r)) }
        for (field, name) in [("raw", "weight_raw"), ("caption", "weight_caption")] {
            if let w = pair.pair[field] { try compare("expected/\(name)", Tensor(shape: [w.count], data: w)) }
        }

        // The objective (the real `alip` component), then the CLIP loss for reference.
        let objective = try ALIPObjective(paths: paths, sampleGate: LanguageConsistencyGate(),
                                          pairGate: DescriptionConsistencyGate(), loss: AdaptiveInfoNCELoss())
        let result = try objective.loss(batch)
        try compare("expected/loss_alip", result.total)
        for (field, name) in [("raw", "loss_raw"), ("caption", "loss_caption")] {
            if let l = result.perPath[field] { try compare("expected/\(name)", Tensor(l)) }
        }
        let state = objective.state
        for (key, name) in [("sample.ema_text_caption", "momentum_tc"), ("pair.ema_image_raw", "momentum_vt"),
                            ("pair.ema_image_caption", "momentum_vc")] {
            if let m = state[key] { try compare("expected/\(name)", Tensor(Float(m))) }
        }
        let clip = withoutGradients { InfoNCELoss().loss(image: v, text: t, logitScale: model.logitScale, weights: nil) }
        try compare("expected/loss_clip", clip.loss)

        // Backward, clip, AdamW, clamp.
        result.total.backward()
        for (name, p) in params {
            guard let g = p.grad else { continue }
            try compare("grads/\(name)", g)
        }
        let norm = clipGradNorm(params, maxNorm: 1.0)
        try compare("expected/grad_norm_before_clip", Tensor(norm))
        let adamw = AdamW(lr: 1e-3, betas: (0.9, 0.98), eps: 1e-6, weightDecay: 0.1)
        withoutGradients { adamw.step(params) }
        clampLogitScale(model.logitScale)
        for (name, p) in params { try compare("after_adamw/\(name)", p) }
        return rows
    }

    /// Compares element by element: element i passes when |a − e| ≤ tolerance · max(|e_i|, 0.05·max|E|, 1e-2);
    /// the floor judges near-zero elements against the tensor's own scale (float32 round-off of a dot
    /// product is relative to its terms, not to a result that happens to be near zero).
    public static func compare(_ name: String, actual: Tensor, expected: Tensor) -> Row {
        guard actual.shape == expected.shape || (actual.count == 1 && expected.count == 1) else {
            return Row(name: name + " (shape \(actual.shape) vs \(expected.shape))", maxAbsError: .infinity,
                       maxRelError: .infinity, passed: false)
        }
        let scale = expected.data.reduce(0) { max($0, abs(Double($1))) }
        let floor = max(0.05 * scale, 1e-2)
        var maxAbs = 0.0, maxRel = 0.0
        for (a, e) in zip(actual.data, expected.data) {
            let d = abs(Double(a) - Double(e))
            if d.isNaN { maxAbs = .nan; maxRel = .infinity; break }
            maxAbs = max(maxAbs, d)
            maxRel = max(maxRel, d / max(abs(Double(e)), floor))
        }
        return Row(name: name, maxAbsError: maxAbs, maxRelError: maxRel, passed: maxRel <= tolerance)
    }

    /// The table `alip parity` prints.
    public static func format(_ rows: [Row], fixture: String) -> String {
        let width = max(40, rows.map(\.name.count).max() ?? 0)
        var lines = ["parity with \(fixture) (relative tolerance \(tolerance))",
                     "tensor".padding(toLength: width, withPad: " ", startingAt: 0) + "   max abs err   max rel err  result"]
        for r in rows {
            lines.append(r.name.padding(toLength: width, withPad: " ", startingAt: 0)
                         + String(format: "  %12.3e  %12.3e  ", r.maxAbsError, r.maxRelError) + (r.passed ? "pass" : "FAIL"))
        }
        let failed = rows.filter { !$0.passed }.count
        lines.append("\(rows.count - failed) passed, \(failed) failed")
        return lines.joined(separator: "\n")
    }
}
