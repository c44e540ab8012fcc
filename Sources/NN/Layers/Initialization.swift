import Foundation
import Tensor

/// The initialisers open_clip's models use (PyTorch's `nn.init` rules), drawn from a seeded generator.
public enum Initialization {
    /// N(0, std²) (`nn.init.normal_`).
    public static func normal(_ shape: [Int], std: Float, generator: inout RandomGenerator) -> Tensor {
        Tensor.randn(shape, std: std, generator: &generator, requiresGrad: true)
    }

    /// U(−bound, bound) (`nn.init.uniform_`).
    public static func uniform(_ shape: [Int], bound: Float, generator: inout RandomGenerator) -> Tensor {
        Tensor.uniform(shape, low: -bound, high: bound, generator: &generator, requiresGrad: true)
    }

    /// PyTorch's default `nn.Linear`/`nn.Conv2d` weight init, `kaiming_uniform_(a=√5)`: U(±1/√fan_in),
    /// since gain·√(3/fan_in) = √(2/(1+5))·√(3/fan_in) = 1/√fan_in. The default bias uses the same bound.
    public static func defaultBound(fanIn: Int) -> Float { 1 / Float(Swift.max(fanIn, 1)).squareRoot() }

    /// Xavier/Glorot uniform (`nn.init.xavier_uniform_`) of a `[fan_out, fan_in]` matrix: U(±√(6/(fan_in+fan_out))).
    public static func xavierUniform(_ shape: [Int], generator: inout RandomGenerator) -> Tensor {
        precondition(shape.count == 2, "xavierUniform: needs a matrix, got \(shape)")
        let bound = (6 / Float(shape[0] + shape[1])).squareRoot()
        return uniform(shape, bound: bound, generator: &generator)
    }

    /// Zeros that take gradients.
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor.zeros(shape, requiresGrad: true) }

    /// Ones that take gradients.
    public static func ones(_ shape: [Int]) -> Tensor { Tensor.ones(shape, requiresGrad: true) }

    /// Overwrites a parameter's values in place with N(0, std²) (as open_clip's `init_parameters` re-draws
    /// selected tensors after construction); the tensor object, and so the name binding, stays the same.
    public static func renormal(_ t: Tensor, std: Float, generator: inout RandomGenerator) {
        t.data = Tensor.randn(t.shape, std: std, generator: &generator).data
    }

    /// Overwrites a parameter's values in place with zeros.
    public static func rezero(_ t: Tensor) {
        t.data = [Float](repeating: 0, count: t.count)
    }
}
