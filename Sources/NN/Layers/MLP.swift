import Tensor

/// The activation between a transformer MLP's two layers.
public enum Activation: String, Sendable, Codable, CaseIterable {
    /// Exact (erf) GELU, PyTorch's `nn.GELU()` (open_clip's default).
    case gelu
    /// QuickGELU x·σ(1.702x), OpenAI CLIP's activation (`quick_gelu: true`).
    case quickGelu = "quick_gelu"

    /// Applies the activation.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case .gelu: return x.gelu()
        case .quickGelu: return x.quickGelu()
        }
    }
}

/// A transformer block's feed-forward network: `c_proj(act(c_fc(x)))` (open_clip's `mlp` Sequential,
/// whose activation has no parameters, so the names are `c_fc.*` and `c_proj.*`).
public final class MLP: Module {
    /// `Linear(d, hidden)`.
    public let cFc: Linear
    /// `Linear(hidden, d)`.
    public let cProj: Linear
    /// The activation between them.
    public let activation: Activation
    public var isTraining = true

    /// An MLP `width → hidden → width` with PyTorch's default Linear init.
    public init(width: Int, hidden: Int, activation: Activation = .gelu, generator: inout RandomGenerator) {
        cFc = Linear(inFeatures: width, outFeatures: hidden, generator: &generator)
        cProj = Linear(inFeatures: hidden, outFeatures: width, generator: &generator)
        self.activation = activation
    }

    public func visit(_ v: ParameterVisitor) {
        v.child("c_fc", cFc)
        v.child("c_proj", cProj)
    }

    /// `[…, d]` → `[…, d]`, of `norm(x)` when `norm` is given (a pre-norm block's `ln_2`), plus
    /// `residual` when given. With the fused kernels the norm runs inside `c_fc`
    /// (`Tensor.layerNormLinear`), an exact GELU and `c_proj` run as one op (`Tensor.geluLinear`, which
    /// keeps only the pre-activation for the backward), and the residual is added in `c_proj`'s GEMM.
    public func callAsFunction(_ x: Tensor, normalizedBy norm: LayerNorm? = nil, residual: Tensor? = nil) -> Tensor {
        guard Engine.useFusedKernels else {
            return cProj(activation(cFc(norm.map { $0(x) } ?? x)), residual: residual)
        }
        let hidden = norm?.projected(x, weight: cFc.weight, bias: cFc.bias) ?? cFc(x)
        if activation == .gelu {
            return Tensor.geluLinear(hidden, weight: cProj.weight, bias: cProj.bias, residual: residual)
        }
        return cProj(activation(hidden), residual: residual)
    }
}
