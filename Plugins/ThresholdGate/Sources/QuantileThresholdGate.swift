import ALIP
import Foundation
import Tensor

/// A hard-threshold variant of ALIP's Language Consistency Gate (`threshold-lcg`; not in the paper, the
/// example plugin of Docs/extending.md): instead of a smooth weight against a running mean, it keeps
/// the samples whose raw text agrees best with the caption *in this batch* and drops the rest.
///
///     s_i = ⟨t_i, c_i⟩                                  (raw text vs caption, as LCG, paper Eq. 3)
///     τ   = quantile_q(s_1 … s_B)                       (linear interpolation, as torch.quantile)
///     ws_i = 1 if s_i ≥ τ, else floor
///     r_i  = exp(min(0, s_i − τ))                       (the consistency ratio passed to DCG)
///
/// Samples tied at the threshold are kept, so at least one sample (the most consistent) always keeps
/// weight 1: a batch of one, or a batch whose similarities are all equal, is kept whole. For the first
/// `warmup_steps` batches every weight and every ratio is 1 (the gate is off; random early embeddings
/// carry no signal). `r_i` is 1 for kept samples and below 1 for dropped ones, so DCG's
/// `condition: text-below-mean` acts exactly on the dropped samples, as it acts where LCG's ratio is
/// below 1. The only state is the number of batches weighed (for the warm-up), key `step`.
public final class QuantileThresholdGate: Gate, Component {
    public static let typeName = "threshold-lcg"
    public static let summary = "hard threshold: weight 1 at or above a batch quantile of raw-text/caption similarity, floor below"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("quantile", .float, default: .double(0.3), range: 0...1,
                      doc: "batch quantile of ⟨raw, caption⟩ below which samples are dropped (0: keep all)"),
        ParameterSpec("floor", .float, default: .double(0), range: 0...1, doc: "weight of a dropped sample (0: ignored by the loss)"),
        ParameterSpec("warmup_steps", .int, default: .int(0), range: 0...1e9,
                      doc: "batches at the start during which every weight is 1"),
        ParameterSpec("text_field", .string, default: .string("raw"), doc: "the raw-text field"),
        ParameterSpec("caption_field", .string, default: .string("caption"), doc: "the synthetic-caption field"),
    ]

    /// The batch quantile `q` of the similarities that is the threshold.
    public let quantile: Double
    /// The weight of a sample below the threshold.
    public let floor: Double
    /// Batches at the start during which every weight is 1.
    public let warmupSteps: Int
    /// The raw-text field.
    public let textField: String
    /// The caption field.
    public let captionField: String
    /// Batches weighed so far (saved in checkpoints as `step`).
    public private(set) var step: Int = 0

    /// A threshold gate. The arguments must satisfy `QuantileThresholdGate.problem(…) == nil` (a
    /// programmer error otherwise; recipes are checked by `init(config:context:)`, which throws).
    public init(quantile: Double = 0.3, floor: Double = 0, warmupSteps: Int = 0,
                textField: String = "raw", captionField: String = "caption") {
        let problem = QuantileThresholdGate.problem(quantile: quantile, floor: floor, warmupSteps: warmupSteps,
                                                    textField: textField, captionField: captionField)
        precondition(problem == nil, "QuantileThresholdGate: \(problem?.message ?? "")")
        self.quantile = quantile
        self.floor = floor
        self.warmupSteps = warmupSteps
        self.textField = textField
        self.captionField = captionField
    }

    /// Builds the gate from recipe parameters. Reads every value defensively, so a tree that skipped
    /// validation (a value of the wrong type, out of range) throws an error naming the key, never traps.
    public convenience init(config: ComponentConfig, context: BuildContext) throws {
        func number(_ key: String) throws -> Double {
            guard let v = config.values[key]?.number else {
                throw ComponentError(path: config.path + "." + key,
                                     "gate 'threshold-lcg': '\(key)' must be a number, got \(config.values[key]?.description ?? "nothing")")
            }
            return v
        }
        func text(_ key: String) throws -> String {
            guard case .string(let s)? = config.values[key] else {
                throw ComponentError(path: config.path + "." + key,
                                     "gate 'threshold-lcg': '\(key)' must be a field name, got \(config.values[key]?.description ?? "nothing")")
            }
            return s
        }
        guard case .int(let warmup)? = config.values["warmup_steps"] else {
            throw ComponentError(path: config.path + ".warmup_steps",
                                 "gate 'threshold-lcg': 'warmup_steps' must be a whole number of batches, got \(config.values["warmup_steps"]?.description ?? "nothing")")
        }
        let q = try number("quantile"), f = try number("floor")
        let t = try text("text_field"), c = try text("caption_field")
        if let p = QuantileThresholdGate.problem(quantile: q, floor: f, warmupSteps: warmup, textField: t, captionField: c) {
            throw ComponentError(path: config.path + "." + p.key, "gate 'threshold-lcg': " + p.message)
        }
        self.init(quantile: q, floor: f, warmupSteps: warmup, textField: t, captionField: c)
    }

    /// The first problem with a set of arguments (the parameter's key and what to do), nil when none.
    public static func problem(quantile: Double, floor: Double, warmupSteps: Int, textField: String,
                               captionField: String) -> (key: String, message: String)? {
        if !(0...1).contains(quantile) { return ("quantile", "quantile \(quantile) is outside [0, 1]; use e.g. 0.3 to drop the 30% least consistent samples") }
        if !(0...1).contains(floor) { return ("floor", "floor \(floor) is outside [0, 1]; use 0 to ignore dropped samples") }
        if warmupSteps < 0 { return ("warmup_steps", "warmup_steps \(warmupSteps) is negative; use 0 for no warm-up") }
        if textField.isEmpty { return ("text_field", "text_field is empty; name the raw-text field, e.g. raw") }
        if captionField.isEmpty { return ("caption_field", "caption_field is empty; name the caption field, e.g. caption") }
        if textField == captionField {
            return ("caption_field", "text_field and caption_field are both '\(textField)'; the gate compares two different fields")
        }
        return nil
    }

    public var requiredFields: [String] { [textField, captionField] }

    /// The weights for one batch (see the type's formula); counts the batch for the warm-up.
    public func weigh(_ input: GateInput) -> GateOutput {
        withoutGradients {
            let batch = input.batch
            guard let t = batch.texts[textField], let c = batch.texts[captionField] else {
                // The objective checks the batch against `requiredFields` first.
                preconditionFailure("threshold-lcg: the batch lacks '\(textField)' or '\(captionField)'")
            }
            let s = QuantileThresholdGate.rowDots(t, c)
            step += 1
            var stats: [String: Double] = ["step": Double(step)]
            QuantileThresholdGate.summarise(s.map(Float.init), prefix: "similarity", corrupted: nil, into: &stats)
            guard step > warmupSteps, !s.isEmpty else {
                let ones = [Float](repeating: 1, count: s.count)
                stats["kept_fraction"] = 1
                QuantileThresholdGate.summarise(ones, prefix: "weight", corrupted: batch.corrupted, into: &stats)
                return GateOutput(sample: ones, consistency: ones, stats: stats)
            }
            let tau = QuantileThresholdGate.quantile(s, quantile)
            let weights = s.map { $0 >= tau ? Float(1) : Float(floor) }
            let ratios = s.map { Float(Foundation.exp(Swift.min(0, $0 - tau))) }
            stats["threshold"] = tau
            stats["kept_fraction"] = Double(s.filter { $0 >= tau }.count) / Double(s.count)
            QuantileThresholdGate.summarise(weights, prefix: "weight", corrupted: batch.corrupted, into: &stats)
            return GateOutput(sample: weights, consistency: ratios, stats: stats)
        }
    }

    /// `["step": batches weighed]`. Setting restores it; a value that is not a count (negative, NaN,
    /// fractional from a hand-edited file) is rounded into `0…` rather than trapping.
    public var state: [String: Double] {
        get { ["step": Double(step)] }
        set {
            guard let v = newValue["step"] else { return }
            step = v.isFinite ? Int(Swift.min(Swift.max(v, 0), 1e15).rounded()) : 0
        }
    }

    // MARK: - Helpers (plain values, no graph)

    /// The `q`-quantile of `x` with linear interpolation between order statistics (numpy's and
    /// torch.quantile's default): with `x` sorted and `h = q·(n − 1)`, `x[⌊h⌋] + (h − ⌊h⌋)(x[⌈h⌉] − x[⌊h⌋])`.
    /// Never above the maximum, so the largest value is always at or above the threshold.
    public static func quantile(_ x: [Double], _ q: Double) -> Double {
        precondition(!x.isEmpty, "quantile of an empty list")
        let v = x.sorted()
        let h = q * Double(v.count - 1)
        let lo = Int(h.rounded(.down)), hi = Int(h.rounded(.up))
        return Swift.min(v[hi], v[lo] + (h - Double(lo)) * (v[hi] - v[lo]))
    }

    /// Row-wise dot products `⟨a_i, b_i⟩` of two `[B, D]` tensors, accumulated in Double.
    static func rowDots(_ a: Tensor, _ b: Tensor) -> [Double] {
        precondition(a.shape == b.shape && a.rank == 2, "threshold-lcg: shapes \(a.shape) and \(b.shape) must be one [B, D]")
        let n = a.shape[0], d = a.shape[1]
        return a.withPointer { x in b.withPointer { y in
            (0..<n).map { i in
                var s: Double = 0
                for j in 0..<d { s += Double(x[i * d + j]) * Double(y[i * d + j]) }
                return s
            }
        } }
    }

    /// `prefix.mean/min/max`, and the mean over corrupted and clean samples when the batch marks them
    /// (the same keys the built-in gates log).
    static func summarise(_ w: [Float], prefix: String, corrupted: [Bool]?, into stats: inout [String: Double]) {
        guard !w.isEmpty else { return }
        func mean(_ x: [Float]) -> Double { x.reduce(0.0) { $0 + Double($1) } / Double(x.count) }
        stats[prefix + ".mean"] = mean(w)
        stats[prefix + ".min"] = Double(w.min()!)
        stats[prefix + ".max"] = Double(w.max()!)
        guard let c = corrupted, c.count == w.count else { return }
        let bad = zip(w, c).filter { $0.1 }.map(\.0), good = zip(w, c).filter { !$0.1 }.map(\.0)
        if !bad.isEmpty { stats[prefix + ".corrupted_mean"] = mean(bad) }
        if !good.isEmpty { stats[prefix + ".clean_mean"] = mean(good) }
    }
}
