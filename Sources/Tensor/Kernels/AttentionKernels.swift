import Foundation

extension Kernels {
    /// Fused multi-head self-attention straight from a packed `[B, T, 3d]` projection (query | key | value,
    /// each `H` heads of `dh = d/H` features), writing the merged `[B, T, d]` output: per (batch, head)
    /// `P = softmax(scale · Q Kᵀ + mask)`, `O = P V` (Vaswani et al. 2017, Eq. 1). The heads are read and
    /// written through GEMM leading dimensions, so no split-heads or merge-heads copy is made. `p` receives
    /// the `[B·H, T, T]` probabilities for the backward. (batch, head) pairs run in parallel.
    public static func packedAttentionForward(_ qkv: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                                              _ p: UnsafeMutablePointer<Float>, batch: Int, t: Int, heads: Int, dh: Int,
                                              scale: Float, causal: Bool) {
        let d = heads * dh, ld3 = 3 * d
        Engine.parallelFor(batch * heads, minChunk: 1) { r in
            for bh in r {
                let b = bh / heads, h = bh % heads
                let q = qkv + b * t * ld3 + h * dh, k = q + d, v = q + 2 * d
                let s = p + bh * t * t
                gemm(transA: false, transB: true, m: t, n: t, k: dh, alpha: scale, a: q, lda: ld3, b: k, ldb: ld3,
                     c: s, ldc: t)
                for i in 0..<t {
                    let row = s + i * t
                    let n = causal ? i + 1 : t          // a causal row sees positions 0…i only
                    let m = maximum(row, n)
                    // The exponentials in a loop of their own so it vectorises (expFast, not libm's scalar
                    // expf, which was a third of the attention forward); the row sum is vectorised too.
                    for j in 0..<n { row[j] = expFast(row[j] - m) }
                    let inv = 1 / sum(row, n)
                    for j in 0..<n { row[j] *= inv }
                    for j in n..<t { row[j] = 0 }
                }
                gemm(transA: false, transB: false, m: t, n: dh, k: t, a: s, lda: t, b: v, ldb: ld3,
                     c: out + b * t * d + h * dh, ldc: d)
            }
        }
    }

    /// Backward of `packedAttentionForward`: from the output gradient `g` (`[B, T, d]`) and the saved
    /// probabilities `p`, writes the packed input gradient `dqkv` (`[B, T, 3d]`, every element):
    /// `dV = Pᵀ g`, `dP = g Vᵀ`, `dS = P ⊙ (dP − rowsum(dP ⊙ P))`, `dQ = scale · dS K`, `dK = scale · dSᵀ Q`.
    public static func packedAttentionBackward(_ qkv: UnsafePointer<Float>, _ p: UnsafePointer<Float>,
                                               _ g: UnsafePointer<Float>, _ dqkv: UnsafeMutablePointer<Float>,
                                               batch: Int, t: Int, heads: Int, dh: Int, scale: Float) {
        let d = heads * dh, ld3 = 3 * d
        Engine.parallelFor(batch * heads, minChunk: 1) { r in
            let ds = UnsafeMutablePointer<Float>.allocate(capacity: t * t)
            defer { ds.deallocate() }
            for bh in r {
                let b = bh / heads, h = bh % heads
                let off = b * t * ld3 + h * dh
                let q = qkv + off, k = q + d, v = q + 2 * d
                let dq = dqkv + off, dk = dq + d, dv = dq + 2 * d
                let gb = g + b * t * d + h * dh
                let pb = p + bh * t * t
                gemm(transA: true, transB: false, m: t, n: dh, k: t, a: pb, lda: t, b: gb, ldb: d, c: dv, ldc: ld3)
                gemm(transA: false, transB: true, m: t, n: t, k: dh, a: gb, lda: d, b: v, ldb: ld3, c: ds, ldc: t)
                for i in 0..<t {
                    let pr = pb + i * t, sr = ds + i * t
                    let dot = Kernels.dot(pr, sr, t)
                    for j in 0..<t { sr[j] = pr[j] * (sr[j] - dot) }
                }
                gemm(transA: false, transB: false, m: t, n: dh, k: t, alpha: scale, a: ds, lda: t, b: k, ldb: ld3,
                     c: dq, ldc: ld3)
                gemm(transA: true, transB: false, m: t, n: dh, k: t, alpha: scale, a: ds, lda: t, b: q, ldb: ld3,
                     c: dk, ldc: ld3)
            }
        }
    }

    /// Exact GELU `x·Φ(x) = x/2·(1 + erf(x/√2))` (Hendrycks & Gimpel 2016; PyTorch's `nn.GELU()`), in
    /// parallel, with the vectorisable `erfFast` (absolute error ≤ 5e-7 against the exact erf, the size
    /// of float32 round-off for values near 1; glibc's scalar `erff` was 30% of a training step).
    public static func gelu(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        Engine.parallelFor(n) { r in
            for i in r { let v = x[i]; y[i] = 0.5 * v * (1 + erfFast(v * 0.70710678118654752)) }
        }
    }

    /// GELU backward: `dx = dy · (Φ(x) + x·φ(x))`, φ the standard normal density, in parallel.
    public static func geluBackward(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                                    _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
        Engine.parallelFor(n) { r in
            for i in r {
                let v = x[i]
                let cdf = 0.5 * (1 + erfFast(v * 0.70710678118654752))
                let pdf = 0.39894228040143268 * expFast(-0.5 * v * v)
                dx[i] = dy[i] * (cdf + v * pdf)
            }
        }
    }

    /// The GELU backward for a caller that kept only the input: multiplies `g` in place by the
    /// derivative, `g ← g · (Φ(x) + x·φ(x))`, and, when `y` is given, writes the GELU again into it, one
    /// erf shared by both. Values exactly as ``gelu(_:_:_:)`` and ``geluBackward(_:_:_:_:)`` compute them.
    public static func geluRecomputingBackward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>?,
                                               _ g: UnsafeMutablePointer<Float>, _ n: Int) {
        Engine.parallelFor(n) { r in
            if let y {
                for i in r {
                    let v = x[i]
                    let e = erfFast(v * 0.70710678118654752)
                    y[i] = 0.5 * v * (1 + e)
                    g[i] = g[i] * (0.5 * (1 + e) + v * (0.39894228040143268 * expFast(-0.5 * v * v)))
                }
            } else {
                for i in r {
                    let v = x[i]
                    let e = erfFast(v * 0.70710678118654752)
                    g[i] = g[i] * (0.5 * (1 + e) + v * (0.39894228040143268 * expFast(-0.5 * v * v)))
                }
            }
        }
    }

    /// erf(x) as the odd rational function `x·P(x²)/Q(x²)` on x clamped to [−4, 4] (degree 13/8; the
    /// float32 approximation XLA and Eigen use), clamped to [−1, 1]. Branch-free, so loops vectorise.
    @inline(__always)
    public static func erfFast(_ x: Float) -> Float {
        let c = Swift.min(Swift.max(x, -4), 4)
        let x2 = c * c
        var p: Float = -2.72614225801306e-10
        p = p * x2 + 2.77068142495902e-08
        p = p * x2 - 2.10102402082508e-06
        p = p * x2 - 5.69250639462346e-05
        p = p * x2 - 7.34990630326855e-04
        p = p * x2 - 2.95459980854025e-03
        p = p * x2 - 1.60960333262415e-02
        var q: Float = -1.45660718464996e-05
        q = q * x2 - 2.13374055278905e-04
        q = q * x2 - 1.68282697438203e-03
        q = q * x2 - 7.37332916720468e-03
        q = q * x2 - 1.42647390514189e-02
        return Swift.min(Swift.max(c * p / q, -1), 1)
    }

    /// eˣ by Cody–Waite range reduction x = n·ln2 + r (|r| ≤ ln2/2), a degree-6 Taylor polynomial for eʳ
    /// (relative error ≈ 2e-7) and 2ⁿ from the exponent bits; x clamped to [−87.3, 88.3]. Branch-free.
    @inline(__always)
    public static func expFast(_ x: Float) -> Float {
        let xc = Swift.min(Swift.max(x, -87.3), 88.3)
        // Round x·log2(e) to the nearest integer with the 1.5·2²³ trick: its low mantissa bits are n.
        let t = xc * 1.44269504088896341 + 12_582_912
        let n = t - 12_582_912
        let ni = Int32(bitPattern: t.bitPattern &- 0x4B40_0000)
        let r = (xc - n * 0.693359375) + n * 2.12194440e-4
        var p: Float = 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        return p * Float(bitPattern: UInt32(bitPattern: (ni &+ 127) &<< 23))
    }

    /// `y[r, :] = x[r, :] + bias` for `rows` rows of `n` (a residual plus bias, the starting value of a
    /// GEMM with β = 1).
    public static func addRows(_ x: UnsafePointer<Float>, _ bias: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                               rows: Int, n: Int) {
        Engine.parallelFor(rows, minChunk: max(1, Engine.parallelThreshold / max(n, 1))) { r in
            for row in r {
                let xi = x + row * n, yi = y + row * n
                for j in 0..<n { yi[j] = xi[j] + bias[j] }
            }
        }
    }

    /// `y[r, :] = bias` for `rows` rows of `n` (the starting value of a GEMM with β = 1).
    public static func broadcastRows(_ bias: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, n: Int) {
        Engine.parallelFor(rows, minChunk: max(1, Engine.parallelThreshold / max(n, 1))) { r in
            for row in r { (y + row * n).update(from: bias, count: n) }
        }
    }
}
