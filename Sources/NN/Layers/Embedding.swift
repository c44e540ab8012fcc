import Tensor

/// A lookup table of `count` vectors of `dim` features (`torch.nn.Embedding`): `weight [count, dim]`.
public final class Embedding: Module {
    /// `[count, dim]`.
    public let weight: Tensor
    public var isTraining = true

    /// Number of rows (vocabulary size).
    public var count: Int { weight.shape[0] }
    /// Features per row.
    public var dim: Int { weight.shape[1] }

    /// A table drawn from N(0, std²) (PyTorch's default is std 1; open_clip's text tower uses 0.02).
    public init(count: Int, dim: Int, std: Float = 1, generator: inout RandomGenerator) {
        weight = Initialization.normal([count, dim], std: std, generator: &generator)
    }

    public func visit(_ v: ParameterVisitor) { v.param("weight", weight) }

    /// Rows at `indices` → `[indices.count, dim]`. Indices must lie in `0..<count` (a programmer error
    /// otherwise: tokenizers produce ids below their vocabulary size).
    public func callAsFunction(_ indices: [Int]) -> Tensor {
        Tensor.gatherRows(weight, indices)
    }
}
