import COpenBLAS
import Foundation

/// Raw kernels over pointers: the speed lives here, the graph logic in `Derivatives.swift`.
/// Every function trusts its caller for sizes; the public ops check shapes first.
public enum Kernels {
    // MARK: GEMM

    /// `C = alpha · op(A) · op(B) + beta · C` (row-major), through OpenBLAS `cblas_sgemm`.
    /// `op(A)` is M×K, `op(B)` is K×N; a transpose is a BLAS flag, never a copy.
    @inline(__always)
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                            a: UnsafePointer<Float>, b: UnsafePointer<Float>, beta: Float = 0,
                            c: UnsafeMutablePointer<Float>) {
        gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: transA ? m : k,
             b: b, ldb: transB ? k : n, beta: beta, c: c, ldc: n)
    }

    /// `gemm` over strided row-major operands: `lda`, `ldb`, `ldc` are the distances between rows of the
    /// stored A, B and C (so heads inside a packed `[B, T, 3d]` tensor are read and written in place).
    ///
    /// With `Engine.gemmThreading == .engine`, OpenBLAS runs on one thread and a product large enough to
    /// pay for it is split into row (or, for few rows, column) blocks across the engine's threads; each
    /// block is an independent single-threaded `sgemm` on disjoint output, so no thread ever busy-waits
    /// inside OpenBLAS while elementwise kernels run.
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                            a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
                            c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        Engine.configureOnce()
        if k == 0 {
            for i in 0..<m {
                let row = c + i * ldc
                if beta == 0 { row.update(repeating: 0, count: n) } else if beta != 1 { for j in 0..<n { row[j] *= beta } }
            }
            return
        }
        let threads = Engine.threads
        if Engine.gemmThreading == .engine && threads > 1 && m * n * k >= Engine.gemmSplitThreshold {
            if m >= 2 * 16 || m >= n {
                // Row blocks: rows of op(A) and of C.
                let parts = min(threads, max(1, m / 16))
                let size = (m + parts - 1) / parts
                Engine.parallelFor(parts, minChunk: 1) { r in
                    for p in r {
                        let lo = p * size, hi = min(m, lo + size)
                        guard lo < hi else { continue }
                        rawGemm(transA, transB, hi - lo, n, k, alpha, a + (transA ? lo : lo * lda), lda, b, ldb, beta,
                                c + lo * ldc, ldc)
                    }
                }
            } else {
                // Column blocks: columns of op(B) and of C.
                let parts = min(threads, max(1, n / 16))
                let size = (n + parts - 1) / parts
                Engine.parallelFor(parts, minChunk: 1) { r in
                    for p in r {
                        let lo = p * size, hi = min(n, lo + size)
                        guard lo < hi else { continue }
                        rawGemm(transA, transB, m, hi - lo, k, alpha, a, lda, b + (transB ? lo * ldb : lo), ldb, beta,
                                c + lo, ldc)
                    }
                }
            }
            return
        }
        rawGemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }

    @inline(__always)
    static func rawGemm(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                        _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ beta: Float,
                        _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    // MARK: Elementwise

    /// `dst[i] += src[i]`.
    @inline(__always)
    public static func addInPlace(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ n: Int) {
        Engine.parallelFor(n) { r in for i in r { dst[i] += src[i] } }
    }

    /// `out[i] = f(x[i])`, split across threads for large `n`.
    @inline(__always)
    public static func map(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int,
                           _ f: (Float) -> Float) {
        Engine.parallelFor(n) { r in for i in r { out[i] = f(x[i]) } }
    }

    /// `out[i] = f(x[i], y[i])`, split across threads for large `n`.
    @inline(__always)
    public static func zip(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                           _ n: Int, _ f: (Float, Float) -> Float) {
        Engine.parallelFor(n) { r in for i in r { out[i] = f(x[i], y[i]) } }
    }

    // MARK: Reductions over (outer, n, inner) views

    /// Sums axis `n` of an `[outer, n, inner]` view: `out[o, i] = Σ_j x[o, j, i]`.
    public static func sumAxis(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                               outer: Int, n: Int, inner: Int) {
        if inner == 1 {
            Engine.parallelFor(outer, minChunk: max(1, Engine.parallelThreshold / max(n, 1))) { r in
                for o in r {
                    var s: Float = 0
                    let row = x + o * n
                    for j in 0..<n { s += row[j] }
                    out[o] = s
                }
            }
            return
        }
        // Each output element is summed over j in the same order however the work is split, so the result
        // does not depend on the thread count.
        if outer > 1 {
            Engine.parallelFor(outer, minChunk: max(1, Engine.parallelThreshold / max(n * inner, 1))) { r in
                for o in r {
                    let dst = out + o * inner
                    dst.update(repeating: 0, count: inner)
                    for j in 0..<n {
                        let src = x + (o * n + j) * inner
                        for i in 0..<inner { dst[i] += src[i] }
                    }
                }
            }
            return
        }
        Engine.parallelFor(inner, minChunk: max(1, Engine.parallelThreshold / max(n, 1))) { r in
            (out + r.lowerBound).update(repeating: 0, count: r.count)
            for j in 0..<n {
                let src = x + j * inner
                for i in r { out[i] += src[i] }
            }
        }
    }

    /// Max and argmax along axis `n` of an `[outer, n, inner]` view (first index on ties).
    public static func maxAxis(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                               _ arg: UnsafeMutablePointer<Int32>, outer: Int, n: Int, inner: Int) {
        Engine.parallelFor(outer, minChunk: max(1, Engine.parallelThreshold / max(n * inner, 1))) { r in
            for o in r {
                for i in 0..<inner {
                    var best = -Float.infinity, bi: Int32 = 0
                    for j in 0..<n {
                        let v = x[(o * n + j) * inner + i]
                        if j == 0 || v > best { best = v; bi = Int32(j) }
                    }
                    out[o * inner + i] = best
                    arg[o * inner + i] = bi
                }
            }
        }
    }

    // MARK: Softmax family (rows of length n)

    /// Row-wise softmax of `rows × n` values (max-subtracted for stability).
    public static func softmaxRows(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, n: Int) {
        Engine.parallelFor(rows, minChunk: max(1, Engine.parallelThreshold / max(n, 1))) { r in
            for row in r {
                let xi = x + row * n, yi = y + row * n
                var m = -Float.infinity
                for j in 0..<n { m = max(m, xi[j]) }
                if m == -.infinity { for j in 0..<n { yi[j] = 0 }; continue } // fully masked row
                var s: Float = 0
                for j in 0..<n { let e = expf(xi[j] - m); yi[j] = e; s += e }
                let inv = 1 / s
                for j in 0..<n { yi[j] *= inv }
            }
        }
    }

    /// Row-wise log-softmax of `rows × n` values.
    public static func logSoftmaxRows(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, n: Int) {
        Engine.parallelFor(rows, minChunk: max(1, Engine.parallelThreshold / max(n, 1))) { r in
            for row in r {
                let xi = x + row * n, yi = y + row * n
                var m = -Float.infinity
                for j in 0..<n { m = max(m, xi[j]) }
                var s: Float = 0
                for j in 0..<n { s += expf(xi[j] - m) }
                let lse = m + logf(s)
                for j in 0..<n { yi[j] = xi[j] - lse }
            }
        }
    }

    /// Backward of row softmax: `dx = y ⊙ (dy − Σ_j dy_j y_j)`.
    public static func softmaxRowsBackward(_ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                                           _ dx: UnsafeMutablePointer<Float>, rows: Int, n: Int) {
        Engine.parallelFor(rows, minChunk: max(1, Engine.parallelThreshold / max(n, 1))) { r in
            for row in r {
                let yi = y + row * n, gi = dy + row * n, di = dx + row * n
                let dot = Kernels.dot(yi, gi, n)
                for j in 0..<n { di[j] = yi[j] * (gi[j] - dot) }
            }
        }
    }

    // MARK: Layer norm (rows of length d)

    /// Fused layer norm over the last axis (Ba et al. 2016): `x̂ = (x − μ)/σ`, `y = x̂ · w + b`, biased
    /// variance. Writes `y`, and for the backward the per-row 1/σ and, when `xhat` is given, `x̂`.
    public static func layerNorm(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                                 _ y: UnsafeMutablePointer<Float>, xhat: UnsafeMutablePointer<Float>?,
                                 _ rstd: UnsafeMutablePointer<Float>, rows: Int, d: Int, eps: Float) {
        Engine.parallelFor(rows, minChunk: max(1, Engine.parallelThreshold / max(d, 1))) { r in
            for row in r {
                let xi = x + row * d, yi = y + row * d
                let mu = sum(xi, d) / Float(d)
                let v = sumOfSquaredDeviations(xi, from: mu, d) / Float(d)
                let rs = 1 / (v + eps).squareRoot()
                rstd[row] = rs
                if let xhat {
                    let hi = xhat + row * d
                    for j in 0..<d { let h = (xi[j] - mu) * rs; hi[j] = h; yi[j] = h * w[j] + b[j] }
                } else {
                    for j in 0..<d { yi[j] = (xi[j] - mu) * rs * w[j] + b[j] }
                }
            }
        }
    }

    /// `y = x̂ · w + b` row by row: a layer norm's output again from its saved `x̂` (the same values
    /// ``layerNorm(_:_:_:_:xhat:_:rows:d:eps:)`` wrote).
    public static func layerNormAffine(_ xhat: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                                       _ y: UnsafeMutablePointer<Float>, rows: Int, d: Int) {
        Engine.parallelFor(rows, minChunk: max(1, Engine.parallelThreshold / max(d, 1))) { r in
            for row in r {
                let hi = xhat + row * d, yi = y + row * d
                for j in 0..<d { yi[j] = hi[j] * w[j] + b[j] }
            }
        }
    }

    /// Rows per partial sum of the layer-norm backward: fixed, so dW and dB are summed in the same order
    /// whatever the thread count.
    static let layerNormChunk = 128

    /// Fused layer-norm backward from the saved `x̂` and 1/σ: `dx = (g·w − mean(g·w) − x̂·mean(g·w·x̂))/σ`,
    /// and dW = Σ g·x̂, dB = Σ g over rows. Chunks of ``layerNormChunk`` rows run in parallel, each into
    /// its own partial dW/dB; the partials are then added in chunk order.
    public static func layerNormBackward(_ xhat: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                                         _ dy: UnsafePointer<Float>,
                                         _ rstd: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                                         _ dw: UnsafeMutablePointer<Float>, _ db: UnsafeMutablePointer<Float>,
                                         rows: Int, d: Int) {
        let chunks = (rows + layerNormChunk - 1) / layerNormChunk
        let partial = UnsafeMutablePointer<Float>.allocate(capacity: max(1, chunks) * 2 * d)
        defer { partial.deallocate() }
        partial.initialize(repeating: 0, count: max(1, chunks) * 2 * d)
        let invD = 1 / Float(d)
        Engine.parallelFor(chunks, minChunk: max(1, Engine.parallelThreshold / max(d * layerNormChunk, 1))) { r in
            for c in r {
                let pw = partial + c * 2 * d, pb = pw + d
                for row in (c * layerNormChunk)..<min(rows, (c + 1) * layerNormChunk) {
                    let hi = xhat + row * d, gi = dy + row * d, di = dx + row * d
                    let rs = rstd[row]
                    // Σ g·w and Σ g·w·x̂ in the lane order of `ReductionLanes` (vectorised row sums).
                    var accG = ReductionLanes(repeating: 0), accGX = ReductionLanes(repeating: 0), j = 0
                    while j + 16 <= d {
                        let g = lanes(gi, j) * lanes(w, j)
                        accG += g; accGX += g * lanes(hi, j)
                        j += 16
                    }
                    var sumG = accG.sum(), sumGX = accGX.sum()
                    while j < d { let g = gi[j] * w[j]; sumG += g; sumGX += g * hi[j]; j += 1 }
                    for j in 0..<d { pw[j] += gi[j] * hi[j]; pb[j] += gi[j] }
                    for j in 0..<d { di[j] = rs * (gi[j] * w[j] - invD * sumG - hi[j] * invD * sumGX) }
                }
            }
        }
        dw.update(repeating: 0, count: d)
        db.update(repeating: 0, count: d)
        for c in 0..<chunks {
            let pw = partial + c * 2 * d, pb = pw + d
            for j in 0..<d { dw[j] += pw[j]; db[j] += pb[j] }
        }
    }
}

extension Kernels {
    /// `batch` independent GEMMs over contiguous `[batch, …]` operands. Small products (attention) are
    /// split across the engine's threads, one GEMM per batch entry; large ones run one after another and
    /// OpenBLAS threads each. The cut-off is OpenBLAS's own: below `m·n·k = 2¹⁸` it runs a GEMM on the
    /// calling thread only, so calling it from several threads at once neither oversubscribes the cores
    /// nor needs its thread count changed (changing it while another thread is inside BLAS is unsafe).
    public static func batchedGemm(transA: Bool, transB: Bool, batch: Int, m: Int, n: Int, k: Int,
                                   a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>) {
        let sa = m * k, sb = k * n, sc = m * n
        if m * n * k > openBLASSingleThreadLimit || batch == 1 || Engine.threads == 1 {
            for i in 0..<batch {
                gemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a + i * sa, b: b + i * sb, c: c + i * sc)
            }
            return
        }
        Engine.parallelFor(batch, minChunk: 1) { r in
            for i in r { gemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a + i * sa, b: b + i * sb, c: c + i * sc) }
        }
    }

    /// OpenBLAS 0.3 runs `sgemm` single-threaded when `m·n·k ≤ 65536 · GEMM_MULTITHREAD_THRESHOLD (4)`.
    public static let openBLASSingleThreadLimit = 1 << 18
}
