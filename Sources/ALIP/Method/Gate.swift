import Foundation
import Tensor

/// A gate (slot `gate`): per-sample weights computed from the embeddings *without gradients*, with
/// running means (EMAs) as state. An objective runs its `sample` gate, then its `pair` gate, and
/// multiplies every weight they return into each path's loss.
public protocol Gate: AnyObject {
    /// Text fields the gate reads besides the objective's paths (LCG: raw text and caption).
    var requiredFields: [String] { get }
    /// Called once by the objective with its paths before the first batch (a pair gate keeps one EMA
    /// per path).
    func prepare(paths: [String])
    /// The weights for one batch; updates the EMAs first (as the authors' code, the weights use the
    /// updated means). The objective calls it inside `withoutGradients`.
    func weigh(_ input: GateInput) -> GateOutput
    /// The EMAs by key (`ema_text_caption`, `ema_image_raw`, …); setting assigns the keys given.
    var state: [String: Double] { get set }
}

extension Gate {
    public func prepare(paths: [String]) {}
}

/// What a gate sees: the batch, the objective's paths, and what earlier gates found.
public struct GateInput {
    /// The encoded batch (the gate reads values only).
    public var batch: EncodedBatch
    /// The text fields the objective trains on.
    public var paths: [String]
    /// The raw-text/caption consistency ratio `r_i = exp(s_i − m_tc)^γ` (before any cap) from an earlier
    /// sample gate, nil when none computed it. DCG's `text-below-mean` acts where `r_i < 1`.
    public var consistency: [Float]?

    /// Creates an input.
    public init(batch: EncodedBatch, paths: [String], consistency: [Float]? = nil) {
        self.batch = batch
        self.paths = paths
        self.consistency = consistency
    }
}

/// What a gate returns for one batch.
public struct GateOutput {
    /// Weights that apply to every path (LCG), nil for none.
    public var sample: [Float]?
    /// Weights per path name (DCG), empty for none.
    public var pair: [String: [Float]]
    /// The consistency ratio this gate computed, for later gates (see `GateInput.consistency`).
    public var consistency: [Float]?
    /// Statistics (EMAs, weight summaries) by key.
    public var stats: [String: Double]

    /// Creates an output.
    public init(sample: [Float]? = nil, pair: [String: [Float]] = [:], consistency: [Float]? = nil, stats: [String: Double] = [:]) {
        self.sample = sample
        self.pair = pair
        self.consistency = consistency
        self.stats = stats
    }
}

/// A running mean as the authors' gates keep it: `m ← momentum·m + (1 − momentum)·mean(x)`.
public struct GateEMA: Sendable, Equatable {
    /// The decay.
    public let momentum: Double
    /// The current mean.
    public var value: Double

    /// Starts at `initial`.
    public init(momentum: Double, initial: Double) {
        self.momentum = momentum
        self.value = initial
    }

    /// Folds in the batch mean of `x` and returns the updated value.
    @discardableResult
    public mutating func update(_ x: [Float]) -> Double {
        let mean = x.isEmpty ? value : x.reduce(0.0) { $0 + Double($1) } / Double(x.count)
        value = momentum * value + (1 - momentum) * mean
        return value
    }
}

/// Row-wise dot products `⟨a_i, b_i⟩` of two `[B, D]` tensors (values only, no graph).
func rowDots(_ a: Tensor, _ b: Tensor) -> [Float] {
    precondition(a.shape == b.shape && a.rank == 2, "rowDots: shapes \(a.shape) and \(b.shape) must be one [B, D]")
    let n = a.shape[0], d = a.shape[1]
    return a.withPointer { x in b.withPointer { y in
        (0..<n).map { i in
            var s: Double = 0
            for j in 0..<d { s += Double(x[i * d + j]) * Double(y[i * d + j]) }
            return Float(s)
        }
    } }
}

/// `exp(s_i − m)^γ`, optionally capped: the weight formula both gates share (paper Eq. 3–5).
func gateWeights(_ s: [Float], mean m: Double, gamma: Double, cap: Double?) -> [Float] {
    s.map { si in
        let r = Foundation.pow(Foundation.exp(Double(si) - m), gamma)
        return Float(cap.map { Swift.min($0, r) } ?? r)
    }
}
