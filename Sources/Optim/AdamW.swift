import Components
import Foundation
import Tensor

/// AdamW with decoupled weight decay, step for step as `torch.optim.AdamW` (single-tensor path,
/// `amsgrad=False`):
///
///     θ ← θ · (1 − lr·λ)                                  (decoupled decay, Loshchilov & Hutter)
///     m ← β1·m + (1 − β1)·g,   v ← β2·v + (1 − β2)·g²
///     θ ← θ − lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε)
///
/// `t` counts the steps each parameter has taken. β1 may change between steps (one-cycle momentum);
/// the bias correction uses the current β1, as torch does.
public final class AdamW: Optimizer, Component {
    public static let typeName = "adamw"
    public static let summary = "AdamW with decoupled weight decay (torch.optim.AdamW)"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("lr", .float, default: .double(1e-3), range: 0...10, doc: "peak learning rate (schedules scale it)"),
        ParameterSpec("betas", .floats, default: .list([.double(0.9), .double(0.999)]), range: 0...1,
                      doc: "[β1, β2] moment coefficients, each in [0, 1) (torch default [0.9, 0.999])"),
        ParameterSpec("eps", .float, default: .double(1e-8), range: 0...1,
                      doc: "added to √v̂ (torch default 1e-8; open_clip and the fixtures use 1e-6)"),
        ParameterSpec("weight_decay", .float, default: .double(0.01), range: 0...10,
                      doc: "decoupled weight decay λ (torch default 0.01)"),
        ParameterSpec("exclude_from_decay", .bool, default: .bool(false),
                      doc: "no decay on gains, biases, embeddings and logit_scale as open_clip (false: decay all, as the authors)"),
    ]

    public let baseLearningRate: Double
    public var learningRate: Double
    public var beta1: Double
    /// β2.
    public let beta2: Double
    /// ε.
    public let eps: Double
    /// λ.
    public let weightDecay: Double
    /// Whether `AdamW.isExcludedFromDecay` parameters skip the decay.
    public let excludeFromDecay: Bool

    private struct State { var shape: [Int]; var expAvg: [Float]; var expAvgSq: [Float]; var step: Int }
    private var state: [String: State] = [:]

    /// An AdamW optimizer with the given settings (defaults as torch).
    public init(lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                weightDecay: Double = 0.01, excludeFromDecay: Bool = false) {
        precondition(betas.0 >= 0 && betas.0 < 1 && betas.1 >= 0 && betas.1 < 1, "AdamW: betas must be in [0, 1)")
        baseLearningRate = lr
        learningRate = lr
        beta1 = betas.0
        beta2 = betas.1
        self.eps = eps
        self.weightDecay = weightDecay
        self.excludeFromDecay = excludeFromDecay
    }

    public convenience init(config: ComponentConfig, context: BuildContext) throws {
        let b = config.list("betas").compactMap(\.number)
        guard b.count == 2, b.allSatisfy({ $0 >= 0 && $0 < 1 }) else {
            throw ComponentError(path: config.path + ".betas",
                                 "expected two coefficients in [0, 1), got \(config.list("betas")); write e.g. betas: [0.9, 0.98]")
        }
        self.init(lr: config.double("lr"), betas: (b[0], b[1]), eps: config.double("eps"),
                  weightDecay: config.double("weight_decay"), excludeFromDecay: config.bool("exclude_from_decay"))
    }

    /// open_clip's exclusion rule: tensors of rank < 2 (gains, biases, `logit_scale`) and names containing
    /// `bias`, `ln_`, `embedding` or `logit_scale` get no weight decay when `exclude_from_decay` is on.
    public static func isExcludedFromDecay(name: String, shape: [Int]) -> Bool {
        shape.count < 2 || ["bias", "ln_", "embedding", "logit_scale"].contains { name.contains($0) }
    }

    /// The decay factor λ this optimizer applies to one parameter.
    public func decay(for name: String, shape: [Int]) -> Double {
        excludeFromDecay && AdamW.isExcludedFromDecay(name: name, shape: shape) ? 0 : weightDecay
    }

    public func step(_ parameters: NamedParameters) {
        withoutGradients {
            for (name, p) in parameters {
                guard let g = p.grad else { continue }
                precondition(g.shape == p.shape, "AdamW: gradient \(g.shape) of '\(name)' does not match \(p.shape)")
                var s = state[name] ?? State(shape: p.shape, expAvg: [Float](repeating: 0, count: p.count),
                                             expAvgSq: [Float](repeating: 0, count: p.count), step: 0)
                precondition(s.expAvg.count == p.count, "AdamW: state of '\(name)' has \(s.expAvg.count) elements, parameter \(p.count)")
                s.step += 1
                let t = Double(s.step)
                let decay = Float(1 - learningRate * decay(for: name, shape: p.shape))
                let w1 = Float(1 - beta1), b2 = Float(beta2), w2 = Float(1 - beta2)
                let stepSize = Float(learningRate / (1 - Foundation.pow(beta1, t)))
                let bc2Sqrt = Float((1 - Foundation.pow(beta2, t)).squareRoot())
                let e = Float(eps)
                let n = p.count
                g.withPointer { gp in
                    s.expAvg.withUnsafeMutableBufferPointer { m in
                        s.expAvgSq.withUnsafeMutableBufferPointer { v in
                            p.data.withUnsafeMutableBufferPointer { x in
                                for i in 0..<n {
                                    let gi = gp[i]
                                    x[i] *= decay
                                    m[i] += w1 * (gi - m[i])          // torch: exp_avg.lerp_(grad, 1 − β1)
                                    v[i] = v[i] * b2 + w2 * gi * gi
                                    x[i] -= stepSize * m[i] / (v[i].squareRoot() / bc2Sqrt + e)
                                }
                            }
                        }
                    }
                }
                state[name] = s
            }
        }
    }

    public func stateTensors() -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (name, s) in state {
            out[name + "/exp_avg"] = Tensor(shape: s.shape, data: s.expAvg)
            out[name + "/exp_avg_sq"] = Tensor(shape: s.shape, data: s.expAvgSq)
            out[name + "/step"] = Tensor(Float(s.step))
        }
        return out
    }

    public func loadStateTensors(_ tensors: [String: Tensor], parameters: NamedParameters) throws {
        let grouped = try validateState(tensors, parameters: parameters, slots: ["exp_avg", "exp_avg_sq", "step"])
        var next: [String: State] = [:]
        for (name, g) in grouped {
            let step = g["step"]!.data[0]
            guard step >= 0, step == step.rounded() else {
                throw OptimizerStateError(["'\(name)/step': \(step) is not a step count"])
            }
            let m = g["exp_avg"]!
            next[name] = State(shape: m.shape, expAvg: m.data, expAvgSq: g["exp_avg_sq"]!.data, step: Int(step))
        }
        state = next
    }
}
