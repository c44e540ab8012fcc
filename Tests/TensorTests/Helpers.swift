import Testing
import Tensor

/// Naive Double-precision reference for `[M,K] @ [K,N]` on row-major arrays.
func referenceMatmul(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int) -> [Float] {
    var c = [Float](repeating: 0, count: m * n)
    for i in 0..<m { for j in 0..<n {
        var s = 0.0
        for p in 0..<k { s += Double(a[i * k + p]) * Double(b[p * n + j]) }
        c[i * n + j] = Float(s)
    } }
    return c
}

/// The row-major transpose of an `[r, c]` array.
func transposeArray(_ x: [Float], rows r: Int, cols c: Int) -> [Float] {
    var y = [Float](repeating: 0, count: r * c)
    for i in 0..<r { for j in 0..<c { y[j * r + i] = x[i * c + j] } }
    return y
}

/// Whether two arrays agree elementwise within `atol + rtol·|b|`.
func close(_ a: [Float], _ b: [Float], atol: Float = 1e-5, rtol: Float = 1e-5) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= atol + rtol * abs($1) }
}

/// The largest absolute elementwise difference (∞ on a length mismatch).
func maxDiff(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

/// A seeded plain (no-grad) random tensor.
func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
    var g = RandomGenerator(seed: seed)
    return Tensor.randn(shape, std: scale, generator: &g)
}

/// A named function of the checked inputs (for tables of gradient checks).
typealias NamedOp = (name: String, f: ([Tensor]) -> Tensor)
