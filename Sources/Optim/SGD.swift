import Components
import Tensor

/// Stochastic gradient descent with optional momentum and Nesterov momentum, as `torch.optim.SGD`:
///
///     g ← g + λ·θ                                   (L2 weight decay, coupled)
///     b ← g (first step), else b ← μ·b + (1 − dampening)·g
///     g ← g + μ·b (nesterov) or g ← b
///     θ ← θ − lr·g
public final class SGD: Optimizer, Component {
    public static let typeName = "sgd"
    public static let summary = "SGD with momentum / Nesterov and L2 weight decay (torch.optim.SGD)"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("lr", .float, default: .double(1e-3), range: 0...100, doc: "peak learning rate (schedules scale it)"),
        ParameterSpec("momentum", .float, default: .double(0), range: 0...1, doc: "momentum μ in [0, 1) (0: plain SGD)"),
        ParameterSpec("dampening", .float, default: .double(0), range: 0...1, doc: "dampening of the momentum buffer"),
        ParameterSpec("nesterov", .bool, default: .bool(false), doc: "Nesterov momentum (needs momentum > 0, dampening 0)"),
        ParameterSpec("weight_decay", .float, default: .double(0), range: 0...10, doc: "L2 penalty λ added to the gradient"),
    ]

    public let baseLearningRate: Double
    public var learningRate: Double
    /// The momentum μ (what one-cycle cycles for SGD).
    public var beta1: Double
    /// Dampening of the momentum buffer.
    public let dampening: Double
    /// Whether the update uses Nesterov momentum.
    public let nesterov: Bool
    /// λ.
    public let weightDecay: Double

    private struct State { var shape: [Int]; var buffer: [Float]; var step: Int }
    private var state: [String: State] = [:]

    /// An SGD optimizer. Nesterov needs `momentum > 0` and `dampening == 0` (as torch).
    public init(lr: Double = 1e-3, momentum: Double = 0, dampening: Double = 0, nesterov: Bool = false, weightDecay: Double = 0) {
        precondition(!nesterov || (momentum > 0 && dampening == 0), "SGD: nesterov needs momentum > 0 and dampening 0")
        baseLearningRate = lr
        learningRate = lr
        beta1 = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weightDecay = weightDecay
    }

    public convenience init(config: ComponentConfig, context: BuildContext) throws {
        let nesterov = config.bool("nesterov"), mu = config.double("momentum"), damp = config.double("dampening")
        if nesterov && (mu <= 0 || damp != 0) {
            throw ComponentError(path: config.path + ".nesterov",
                                 "nesterov needs momentum > 0 and dampening 0 (got momentum \(mu), dampening \(damp)); set momentum: 0.9 or nesterov: false")
        }
        self.init(lr: config.double("lr"), momentum: mu, dampening: damp, nesterov: nesterov, weightDecay: config.double("weight_decay"))
    }

    public func step(_ parameters: NamedParameters) {
        withoutGradients {
            let lr = Float(learningRate), mu = Float(beta1), damp = Float(1 - dampening), wd = Float(weightDecay)
            for (name, p) in parameters {
                guard let gt = p.grad else { continue }
                precondition(gt.shape == p.shape, "SGD: gradient \(gt.shape) of '\(name)' does not match \(p.shape)")
                var g = gt.data
                if wd != 0 { for i in 0..<g.count { g[i] += wd * p.data[i] } }
                if beta1 != 0 {
                    if var s = state[name] {
                        for i in 0..<g.count { s.buffer[i] = mu * s.buffer[i] + damp * g[i] }
                        s.step += 1
                        state[name] = s
                    } else {
                        state[name] = State(shape: p.shape, buffer: g, step: 1)
                    }
                    let b = state[name]!.buffer
                    if nesterov { for i in 0..<g.count { g[i] += mu * b[i] } } else { g = b }
                }
                p.data.withUnsafeMutableBufferPointer { x in for i in 0..<g.count { x[i] -= lr * g[i] } }
            }
        }
    }

    public func stateTensors() -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (name, s) in state {
            out[name + "/momentum_buffer"] = Tensor(shape: s.shape, data: s.buffer)
            out[name + "/step"] = Tensor(Float(s.step))
        }
        return out
    }

    public func loadStateTensors(_ tensors: [String: Tensor], parameters: NamedParameters) throws {
        let grouped = try validateState(tensors, parameters: parameters, slots: ["momentum_buffer", "step"])
        var next: [String: State] = [:]
        for (name, g) in grouped {
            let b = g["momentum_buffer"]!
            next[name] = State(shape: b.shape, buffer: b.data, step: Int(g["step"]!.data[0]))
        }
        state = next
    }
}
