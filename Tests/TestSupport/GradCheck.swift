import Tensor

/// The outcome of `checkGradients`: pass/fail and the worst element found, so a failing test says
/// which input, which element and by how much.
public struct GradCheckResult: CustomStringConvertible, Sendable {
    /// Whether every checked element satisfied `|analytic − numeric| ≤ atol + rtol·|numeric|`.
    public var passed: Bool
    /// Elements compared over all inputs.
    public var checkedElements: Int
    /// Position in `inputs` of the worst element (−1 when nothing was checked).
    public var worstInput: Int
    /// Multi-index of the worst element within its input.
    public var worstIndex: [Int]
    /// The analytic (backward) derivative at the worst element.
    public var analytic: Double
    /// The central-difference derivative at the worst element.
    public var numeric: Double
    /// `|analytic − numeric| / (atol + rtol·|numeric|)` at the worst element (≤ 1 passes).
    public var worstRatio: Double
    /// The largest absolute difference over all checked elements.
    public var maxAbsError: Double
    /// Problems that are not numeric mismatches (no input requires gradients, output not recorded, …).
    public var notes: [String]

    /// One line for test failure messages.
    public var description: String {
        let head = passed ? "gradients match" : "gradient MISMATCH"
        var s = "\(head): \(checkedElements) elements, worst input #\(worstInput) at \(worstIndex): "
            + "analytic \(analytic) vs numeric \(numeric) (ratio \(worstRatio) of tolerance, max |err| \(maxAbsError))"
        if !notes.isEmpty { s += "; " + notes.joined(separator: "; ") }
        return s
    }
}

/// Compares the backward pass of `f` with central finite differences, for every input that requires
/// gradients.
///
/// The output `y = f(inputs)` (any shape) is contracted with a fixed random tensor `R`
/// (standard normal, from `seed`), so the checked scalar is `L = Σ y ⊙ R`; the analytic gradient is
/// `y.backward(seed: R)` and the numeric one `(L(x + h·e) − L(x − h·e)) / 2h` per element, with
/// `h = step · max(1, |x|)`. `f` is evaluated in Float32 (the engine's precision) but `L` is
/// accumulated in Double, so round-off in the sum does not swamp the difference quotient.
/// An element passes when `|analytic − numeric| ≤ atol + rtol·|numeric|`.
///
/// - Parameters:
///   - inputs: the leaves; those with `requiresGrad` are checked (their `grad` is reset first and left
///     holding the analytic gradient afterwards). Their `data` is perturbed and restored.
///   - atol, rtol: absolute and relative tolerance.
///   - step: the relative finite-difference step (1e-2 suits Float32 on O(1) inputs; keep inputs at
///     least `2·step` away from kinks such as ReLU's 0 or a clamp bound).
///   - maxElementsPerInput: when set, checks only this many elements of each input, chosen at random
///     from `seed` (for large layers); nil checks every element.
///   - seed: seeds `R` and the element sample.
///   - f: recomputes the output from `inputs` (it must read them each call, not cache results).
public func checkGradients(_ inputs: [Tensor], atol: Double = 1e-3, rtol: Double = 1e-2, step: Double = 1e-2,
                           maxElementsPerInput: Int? = nil, seed: UInt64 = 0x5EED,
                           _ f: ([Tensor]) -> Tensor) -> GradCheckResult {
    var result = GradCheckResult(passed: true, checkedElements: 0, worstInput: -1, worstIndex: [], analytic: 0,
                                 numeric: 0, worstRatio: 0, maxAbsError: 0, notes: [])
    let checked = inputs.indices.filter { inputs[$0].requiresGrad }
    guard !checked.isEmpty else {
        result.passed = false
        result.notes.append("no input requires gradients")
        return result
    }
    for i in checked { inputs[i].zeroGrad() }

    var gen = RandomGenerator(seed: seed)
    let y = f(inputs)
    let r = Tensor.randn(y.shape, generator: &gen)
    guard y.requiresGrad else {
        result.passed = false
        result.notes.append("output of shape \(y.shape) is not connected to any input that requires gradients")
        return result
    }
    y.backward(seed: r)
    let rd = r.data.map(Double.init)

    /// L = Σ f(inputs) ⊙ R in Double, without recording a graph.
    func contracted() -> Double {
        withoutGradients {
            let out = f(inputs)
            precondition(out.shape == r.shape, "checkGradients: f changed its output shape \(r.shape) → \(out.shape)")
            var s = 0.0
            for (a, b) in zip(out.data, rd) { s += Double(a) * b }
            return s
        }
    }

    for i in checked {
        let x = inputs[i]
        let analytic = x.grad?.data ?? [Float](repeating: 0, count: x.count)
        if x.grad == nil { result.notes.append("input #\(i) received no gradient (treated as zero)") }
        var elements = Array(0..<x.count)
        if let limit = maxElementsPerInput, limit < x.count {
            elements = Array(gen.permutation(x.count).prefix(limit)).sorted()
        }
        for e in elements {
            let orig = x.data[e]
            let h = step * max(1, abs(Double(orig)))
            x.data[e] = Float(Double(orig) + h)
            let hPlus = Double(x.data[e]) - Double(orig)      // the step Float32 actually took
            let lPlus = contracted()
            x.data[e] = Float(Double(orig) - h)
            let hMinus = Double(orig) - Double(x.data[e])
            let lMinus = contracted()
            x.data[e] = orig
            let numeric = (lPlus - lMinus) / (hPlus + hMinus)
            let a = Double(analytic[e])
            let err = abs(a - numeric)
            let ratio = err / (atol + rtol * abs(numeric))
            result.checkedElements += 1
            result.maxAbsError = max(result.maxAbsError, err)
            if !(ratio <= 1) { result.passed = false }
            if ratio > result.worstRatio || result.worstInput < 0 || ratio.isNaN {
                result.worstRatio = ratio
                result.worstInput = i
                result.worstIndex = unravel(e, x.shape)
                result.analytic = a
                result.numeric = numeric
            }
        }
    }
    return result
}

/// The multi-index of flat offset `offset` in a row-major `shape`.
public func unravel(_ offset: Int, _ shape: [Int]) -> [Int] {
    var idx = [Int](repeating: 0, count: shape.count)
    var rest = offset
    for a in stride(from: shape.count - 1, through: 0, by: -1) where shape[a] > 0 {
        idx[a] = rest % shape[a]
        rest /= shape[a]
    }
    return idx
}

/// A tensor of `shape` with seeded standard-normal values scaled by `scale`, that requires gradients
/// (the usual input of a gradient check).
public func randomInput(_ shape: [Int], scale: Float = 1, seed: UInt64) -> Tensor {
    var g = RandomGenerator(seed: seed)
    return Tensor.randn(shape, std: scale, generator: &g, requiresGrad: true)
}

/// A tensor of `shape` with seeded uniform values in `[low, high)`, that requires gradients (for ops
/// defined only on part of the line, such as `log` or `sqrt`).
public func randomUniformInput(_ shape: [Int], low: Float, high: Float, seed: UInt64) -> Tensor {
    var g = RandomGenerator(seed: seed)
    return Tensor.uniform(shape, low: low, high: high, generator: &g, requiresGrad: true)
}
