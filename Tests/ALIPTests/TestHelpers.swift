import ALIP
import Foundation
import Tensor

/// Relative closeness with an absolute floor.
func close(_ a: Double, _ b: Double, rel: Double = 1e-5, abs floor: Double = 1e-7) -> Bool {
    Swift.abs(a - b) <= Swift.max(floor, rel * Swift.max(Swift.abs(a), Swift.abs(b)))
}

func close(_ a: [Float], _ b: [Double], rel: Double = 1e-5, abs floor: Double = 1e-7) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { close(Double($0), $1, rel: rel, abs: floor) }
}

/// `[B, D]` rows from nested arrays.
func rows(_ r: [[Float]], requiresGrad: Bool = false) -> Tensor {
    Tensor(shape: [r.count, r.first?.count ?? 0], data: r.flatMap { $0 }, requiresGrad: requiresGrad)
}

/// Random L2-normalised `[B, D]` features as a leaf.
func features(_ b: Int, _ d: Int, seed: UInt64, requiresGrad: Bool = true) -> Tensor {
    var g = RandomGenerator(seed: seed)
    let x = Tensor.randn([b, d], generator: &g).l2Normalized()
    return Tensor(shape: x.shape, data: x.data, requiresGrad: requiresGrad)
}

/// Central finite differences of `f` with respect to every element of `x`.
func numericGradient(of x: Tensor, eps: Float = 1e-3, _ f: () -> Float) -> [Float] {
    var g = [Float](repeating: 0, count: x.count)
    for i in 0..<x.count {
        let v = x.data[i]
        x.data[i] = v + eps; let a = f()
        x.data[i] = v - eps; let b = f()
        x.data[i] = v
        g[i] = (a - b) / (2 * eps)
    }
    return g
}

/// Whether an analytic gradient matches finite differences (float32 forward: 1e-3 absolute, 1e-2 relative).
func gradientsAgree(_ analytic: [Float], _ numeric: [Float]) -> Bool {
    analytic.count == numeric.count
        && zip(analytic, numeric).allSatisfy { Swift.abs($0 - $1) <= Swift.max(1e-3, 1e-2 * Swift.abs($1)) }
}
