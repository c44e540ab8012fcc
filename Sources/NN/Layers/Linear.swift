import Tensor

/// A fully connected layer `y = x Wᵀ + b` (`torch.nn.Linear`): `weight` is `[out, in]`, `bias` `[out]`.
/// Inputs may have any leading axes (`[…, in]` → `[…, out]`); they fold into the rows of one GEMM.
public final class Linear: Module {
    /// `[out, in]`.
    public let weight: Tensor
    /// `[out]`, or nil for a layer without bias.
    public let bias: Tensor?
    public var isTraining = true

    /// Input features.
    public var inFeatures: Int { weight.shape[1] }
    /// Output features.
    public var outFeatures: Int { weight.shape[0] }

    /// A layer with PyTorch's default init: weight and bias U(±1/√in).
    public init(inFeatures: Int, outFeatures: Int, bias: Bool = true, generator: inout RandomGenerator) {
        let bound = Initialization.defaultBound(fanIn: inFeatures)
        weight = Initialization.uniform([outFeatures, inFeatures], bound: bound, generator: &generator)
        self.bias = bias ? Initialization.uniform([outFeatures], bound: bound, generator: &generator) : nil
    }

    /// A layer over given tensors (`weight [out, in]`, `bias [out]`).
    public init(weight: Tensor, bias: Tensor?) {
        precondition(weight.rank == 2, "Linear: weight must be [out, in], got \(weight.shape)")
        precondition(bias == nil || bias!.shape == [weight.shape[0]],
                     "Linear: bias \(bias!.shape) must be [\(weight.shape[0])] for weight \(weight.shape)")
        self.weight = weight
        self.bias = bias
    }

    public func visit(_ v: ParameterVisitor) {
        v.param("weight", weight)
        if let bias { v.param("bias", bias) }
    }

    /// `[…, in]` → `[…, out]`; with `residual` (`[…, out]`), `residual + layer(x)`, which the fused
    /// kernels compute in the layer's GEMM (no separate add pass).
    public func callAsFunction(_ x: Tensor, residual: Tensor? = nil) -> Tensor {
        precondition(x.shape.last == inFeatures, "Linear: input \(x.shape) must end in \(inFeatures) features")
        if Engine.useFusedKernels { return Tensor.linear(x, weight: weight, bias: bias, residual: residual) }
        var y = Tensor.matmul(x, weight, transposeB: true)
        if let bias { y = y + bias }
        return residual.map { $0 + y } ?? y
    }
}
