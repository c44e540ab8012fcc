import Tensor
import Testing

/// Finite-difference checks for NN layers (central differences, loss accumulated in Double).
///
/// The checked loss is `Σ out ⊙ R` for a fixed random `R`, so every output element matters and the
/// analytic gradient of a parameter is exactly what `backward(seed: R)` accumulates.
enum GradientCheck {
    /// Compares `tensor.grad` after one backward pass of `forward()` with central differences on up to
    /// `samples` elements of `tensor`; returns the worst error relative to `max(|analytic|, |numeric|, floor)`.
    @discardableResult
    static func check(_ tensor: Tensor, samples: Int = 12, eps: Float = 1e-2, seed: UInt64 = 7,
                      tolerance: Double = 1e-2, floor: Double = 1e-2,
                      sourceLocation: SourceLocation = #_sourceLocation, _ forward: () -> Tensor) -> Double {
        var g = RandomGenerator(seed: seed)
        let probe = withoutGradients { forward() }
        let r = Tensor.randn(probe.shape, generator: &g)
        tensor.zeroGrad()
        forward().backward(seed: r)
        guard let analytic = tensor.grad else {
            Issue.record("no gradient reached the tensor", sourceLocation: sourceLocation)
            return .infinity
        }
        func loss() -> Double {
            let out = withoutGradients { forward() }
            var s = 0.0
            for i in 0..<out.count { s += Double(out.data[i]) * Double(r.data[i]) }
            return s
        }
        let n = tensor.count
        let indices = n <= samples ? Array(0..<n) : (0..<samples).map { _ in g.nextInt(below: n) }
        var worst = 0.0
        for i in indices {
            let old = tensor.data[i]
            tensor.data[i] = old + eps
            let up = loss()
            tensor.data[i] = old - eps
            let down = loss()
            tensor.data[i] = old
            let numeric = (up - down) / (2 * Double(eps))
            let a = Double(analytic.data[i])
            let err = abs(a - numeric) / max(abs(a), abs(numeric), floor)
            worst = max(worst, err)
            #expect(err <= tolerance, "element \(i): analytic \(a) vs numeric \(numeric)", sourceLocation: sourceLocation)
        }
        tensor.zeroGrad()
        return worst
    }
}
