import Tensor

/// Layer normalisation over the last axis (`torch.nn.LayerNorm`, eps 1e-5), gain 1 and bias 0 at init.
public final class LayerNorm: Module {
    /// Gain `[D]`.
    public let weight: Tensor
    /// Bias `[D]`.
    public let bias: Tensor
    /// Added to the variance.
    public let eps: Float
    public var isTraining = true

    /// A layer norm over `dim` features.
    public init(_ dim: Int, eps: Float = 1e-5) {
        weight = Initialization.ones([dim])
        bias = Initialization.zeros([dim])
        self.eps = eps
    }

    public func visit(_ v: ParameterVisitor) {
        v.param("weight", weight)
        v.param("bias", bias)
    }

    /// `[…, D]` → `[…, D]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        Tensor.layerNorm(x, weight: weight, bias: bias, eps: eps)
    }

    /// `linear(self(x), weight, bias)`: a pre-norm block's norm and the projection after it, as one op
    /// that keeps only x̂ with the fused kernels (`Tensor.layerNormLinear`), else the two layers.
    public func projected(_ x: Tensor, weight projection: Tensor, bias projectionBias: Tensor?) -> Tensor {
        guard Engine.useFusedKernels else {
            return Linear(weight: projection, bias: projectionBias)(self(x))
        }
        return Tensor.layerNormLinear(x, normWeight: weight, normBias: bias, eps: eps,
                                      weight: projection, bias: projectionBias)
    }
}
