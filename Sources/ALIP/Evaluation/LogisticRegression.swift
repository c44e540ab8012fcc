import Foundation
import Tensor

/// Multinomial logistic regression trained full-batch in Double, deterministically (zero start, fixed
/// summation order whatever the thread count): the linear probe's classifier.
///
/// Objective (L2 on the weights, not the bias, as scikit-learn's `LogisticRegression` penalises):
///
///     f(W, b) = (1/N) Σ_i [ logsumexp_c(z_ic) − z_{i,y_i} ] + (λ/2) ‖W‖²,   z_i = W x_i + b
///     ∂f/∂W = (1/N) Σ_i (softmax(z_i) − e_{y_i}) x_iᵀ + λ W,   ∂f/∂b = (1/N) Σ_i (softmax(z_i) − e_{y_i})
public struct LogisticRegression: Sendable {
    /// How the objective is minimised.
    public enum Method: String, Sendable, CaseIterable {
        /// L-BFGS (memory 10) with a backtracking Armijo line search.
        case lbfgs
        /// Gradient descent with the fixed step 1/L, L = ½·maxᵢ‖(xᵢ, 1)‖² + λ (a bound on the curvature).
        case gradientDescent = "gd"
    }

    /// Number of classes.
    public let classes: Int
    /// Feature width.
    public let dimension: Int
    /// `[classes × dimension]`, row-major (one row per class).
    public let weights: [Double]
    /// One bias per class.
    public let bias: [Double]
    /// Iterations run.
    public let iterations: Int
    /// The objective at the solution.
    public let objective: Double
    /// The largest absolute gradient entry at the solution.
    public let gradientNorm: Double

    /// Fits the model to `features` (`[N × dimension]` row-major) and `labels` in `0..<classes`.
    /// Stops when every gradient entry is below `tolerance` or after `maxIterations`.
    public static func fit(features: [Double], dimension: Int, labels: [Int], classes: Int, weightDecay: Double,
                           method: Method = .lbfgs, maxIterations: Int = 500, tolerance: Double = 1e-7) throws -> LogisticRegression {
        let n = labels.count
        guard n > 0 else { throw EvaluationError("linear probe: no training samples") }
        guard dimension > 0, features.count == n * dimension else {
            throw EvaluationError("linear probe: \(features.count) feature values for \(n) samples of width \(dimension)")
        }
        guard classes >= 1 else { throw EvaluationError("linear probe: needs at least one class") }
        if let bad = labels.firstIndex(where: { $0 < 0 || $0 >= classes }) {
            throw EvaluationError("linear probe: label \(labels[bad]) of sample \(bad) is outside 0..<\(classes)")
        }
        guard weightDecay >= 0, weightDecay.isFinite else { throw EvaluationError("linear probe: weight_decay must be ≥ 0") }
        guard !features.contains(where: { !$0.isFinite }) else {
            throw EvaluationError("linear probe: the features contain NaN or infinity (check the model)")
        }
        let problem = Problem(x: features, d: dimension, y: labels, c: classes, lambda: weightDecay)
        var theta = [Double](repeating: 0, count: problem.size)
        let (iterations, f, g) = method == .lbfgs
            ? lbfgs(problem, &theta, maxIterations: maxIterations, tolerance: tolerance)
            : gradientDescent(problem, &theta, maxIterations: maxIterations, tolerance: tolerance)
        return LogisticRegression(classes: classes, dimension: dimension,
                                  weights: Array(theta[0..<(classes * dimension)]),
                                  bias: Array(theta[(classes * dimension)...]),
                                  iterations: iterations, objective: f, gradientNorm: g.map(abs).max() ?? 0)
    }

    /// Fits on `[N, D]` Float features (converted to Double).
    public static func fit(features: Tensor, labels: [Int], classes: Int, weightDecay: Double,
                           method: Method = .lbfgs, maxIterations: Int = 500, tolerance: Double = 1e-7) throws -> LogisticRegression {
        guard features.rank == 2 else { throw EvaluationError("linear probe: features of shape \(features.shape); expected [N, D]") }
        return try fit(features: features.data.map(Double.init), dimension: features.shape[1], labels: labels, classes: classes,
                       weightDecay: weightDecay, method: method, maxIterations: maxIterations, tolerance: tolerance)
    }

    /// The logits `W x + b` of one sample.
    public func logits(_ x: ArraySlice<Double>) -> [Double] {
        precondition(x.count == dimension, "logits: sample of width \(x.count), model width \(dimension)")
        return (0..<classes).map { c in
            var z = bias[c]
            for (j, v) in x.enumerated() { z += weights[c * dimension + j] * v }
            return z
        }
    }

    /// The predicted class of each row of `features` (`[N × dimension]`), ties to the lower class.
    public func predict(features: [Double]) -> [Int] {
        precondition(features.count % dimension == 0, "predict: \(features.count) values are not rows of width \(dimension)")
        return (0..<(features.count / dimension)).map { i in
            let z = logits(features[(i * dimension)..<((i + 1) * dimension)])
            var best = 0
            for c in 1..<max(1, classes) where z[c] > z[best] { best = c }
            return best
        }
    }

    // MARK: - Objective

    /// The data and the objective with its gradient over θ = (W row-major, b).
    struct Problem {
        let x: [Double], d: Int, y: [Int], c: Int, lambda: Double
        var n: Int { y.count }
        var size: Int { c * d + c }
        /// Samples per partial sum: fixed, so the summation order is the same on any machine.
        static let chunk = 256

        func evaluate(_ theta: [Double]) -> (Double, [Double]) {
            let chunks = (n + Self.chunk - 1) / Self.chunk
            var partialLoss = [Double](repeating: 0, count: chunks)
            var partialGrad = [Double](repeating: 0, count: chunks * size)
            partialLoss.withUnsafeMutableBufferPointer { pl in
                partialGrad.withUnsafeMutableBufferPointer { pg in
                    let pl = pl, pg = pg
                    Engine.parallelFor(chunks, minChunk: 1) { range in
                        var z = [Double](repeating: 0, count: c)
                        for k in range {
                            var loss = 0.0
                            let g = pg.baseAddress! + k * size
                            for i in (k * Self.chunk)..<min(n, (k + 1) * Self.chunk) {
                                let xi = i * d
                                var zmax = -Double.infinity
                                for cc in 0..<c {
                                    var s = theta[c * d + cc]
                                    for j in 0..<d { s += theta[cc * d + j] * x[xi + j] }
                                    z[cc] = s
                                    zmax = max(zmax, s)
                                }
                                let zy = z[y[i]]
                                var sum = 0.0
                                for cc in 0..<c { z[cc] = Foundation.exp(z[cc] - zmax); sum += z[cc] }
                                loss += Foundation.log(sum) + zmax - zy
                                for cc in 0..<c {
                                    let r = z[cc] / sum - (cc == y[i] ? 1 : 0)
                                    for j in 0..<d { g[cc * d + j] += r * x[xi + j] }
                                    g[c * d + cc] += r
                                }
                            }
                            pl[k] = loss
                        }
                    }
                }
            }
            var loss = 0.0, grad = [Double](repeating: 0, count: size)
            for k in 0..<chunks {
                loss += partialLoss[k]
                for t in 0..<size { grad[t] += partialGrad[k * size + t] }
            }
            let inv = 1 / Double(n)
            loss *= inv
            for t in 0..<size { grad[t] *= inv }
            for t in 0..<(c * d) { loss += 0.5 * lambda * theta[t] * theta[t]; grad[t] += lambda * theta[t] }
            return (loss, grad)
        }
    }

    private static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { s += a[i] * b[i] }
        return s
    }

    private static func lbfgs(_ p: Problem, _ theta: inout [Double], maxIterations: Int, tolerance: Double) -> (Int, Double, [Double]) {
        let memory = 10
        var (f, g) = p.evaluate(theta)
        var ss: [[Double]] = [], ys: [[Double]] = []
        var iteration = 0
        while iteration < maxIterations, (g.map(abs).max() ?? 0) > tolerance {
            iteration += 1
            // Two-loop recursion: direction = −H g.
            var q = g
            var alphas = [Double](repeating: 0, count: ss.count)
            for m in stride(from: ss.count - 1, through: 0, by: -1) {
                alphas[m] = dot(ss[m], q) / dot(ys[m], ss[m])
                for t in q.indices { q[t] -= alphas[m] * ys[m][t] }
            }
            let gamma = ss.isEmpty ? 1 / max(1, dot(g, g).squareRoot()) : dot(ss[ss.count - 1], ys[ys.count - 1]) / dot(ys[ys.count - 1], ys[ys.count - 1])
            for t in q.indices { q[t] *= gamma }
            for m in 0..<ss.count {
                let beta = dot(ys[m], q) / dot(ys[m], ss[m])
                for t in q.indices { q[t] += ss[m][t] * (alphas[m] - beta) }
            }
            var direction = q.map { -$0 }
            var slope = dot(g, direction)
            if !(slope < 0) {  // not a descent direction: restart from the gradient
                ss.removeAll(); ys.removeAll()
                direction = g.map { -$0 / max(1, dot(g, g).squareRoot()) }
                slope = dot(g, direction)
            }
            // Backtracking Armijo line search (c1 = 1e-4).
            var step = 1.0, accepted = false
            var newTheta = theta, newF = f, newG = g
            for _ in 0..<60 {
                for t in theta.indices { newTheta[t] = theta[t] + step * direction[t] }
                (newF, newG) = p.evaluate(newTheta)
                if newF <= f + 1e-4 * step * slope { accepted = true; break }
                step *= 0.5
            }
            if !accepted { break }  // no decrease at machine precision: at the optimum
            let s = zip(newTheta, theta).map { $0 - $1 }, y = zip(newG, g).map { $0 - $1 }
            let converged = abs(f - newF) <= 1e-15 * max(1, abs(f))
            theta = newTheta; f = newF; g = newG
            if dot(s, y) > 1e-12 * dot(y, y) {
                ss.append(s); ys.append(y)
                if ss.count > memory { ss.removeFirst(); ys.removeFirst() }
            }
            if converged { break }
        }
        return (iteration, f, g)
    }

    private static func gradientDescent(_ p: Problem, _ theta: inout [Double], maxIterations: Int, tolerance: Double) -> (Int, Double, [Double]) {
        var maxNorm = 0.0
        for i in 0..<p.n {
            var s = 1.0
            for j in 0..<p.d { s += p.x[i * p.d + j] * p.x[i * p.d + j] }
            maxNorm = max(maxNorm, s)
        }
        let step = 1 / (0.5 * maxNorm + p.lambda)
        var (f, g) = p.evaluate(theta)
        var iteration = 0
        while iteration < maxIterations, (g.map(abs).max() ?? 0) > tolerance {
            iteration += 1
            for t in theta.indices { theta[t] -= step * g[t] }
            (f, g) = p.evaluate(theta)
        }
        return (iteration, f, g)
    }
}
