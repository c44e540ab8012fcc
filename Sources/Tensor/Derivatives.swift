import Foundation

// Every differentiable op of the engine and its vector–Jacobian product, side by side, so a reader can
// check the derivative rules in one place (the layout tinygrad uses). Forward arithmetic goes through
// `Kernels`; each op that may need a gradient calls `Tensor.record` with a closure mapping the output
// gradient to the input gradients. Shape errors stop with both shapes in the message.

// A backward closure must never capture the op's own output tensor (that is a retain cycle that keeps the
// whole graph alive when no backward runs); it captures `out.detached()`, which shares the values.

/// Allocates an uninitialised-then-filled Float buffer of `n` elements (no zero fill).
@inline(__always)
func makeBuffer(_ n: Int, _ fill: (UnsafeMutablePointer<Float>) -> Void) -> [Float] {
    [Float](unsafeUninitializedCapacity: n) { buf, initialized in
        if n > 0 { fill(buf.baseAddress!) }
        initialized = n
    }
}

extension Tensor {
    /// Calls `body` with a read-only pointer to the elements.
    @inline(__always)
    public func withPointer<R>(_ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        try data.withUnsafeBufferPointer { try body($0.baseAddress ?? UnsafePointer(bitPattern: 8)!) }
    }

    /// A new tensor of `shape` whose elements `fill` writes (every element must be written).
    @inline(__always)
    static func make(_ shape: [Int], _ fill: (UnsafeMutablePointer<Float>) -> Void) -> Tensor {
        Tensor(shape: shape, data: makeBuffer(Shape.count(shape), fill))
    }

    /// Elementwise map into a new tensor (no graph).
    @inline(__always)
    func mapValues(_ f: (Float) -> Float) -> Tensor {
        let n = count
        return withPointer { x in Tensor.make(shape) { Kernels.map(x, $0, n, f) } }
    }

    /// Elementwise zip of two same-shape tensors into a new tensor (no graph).
    @inline(__always)
    func zipValues(_ other: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        let n = count
        return withPointer { x in other.withPointer { y in Tensor.make(shape) { Kernels.zip(x, y, $0, n, f) } } }
    }
}

// MARK: - Broadcasting binary ops

extension Tensor {
    /// Forward of a broadcasting binary op (no graph).
    @inline(__always)
    static func broadcastValues(_ a: Tensor, _ b: Tensor, _ op: String, _ f: (Float, Float) -> Float) -> Tensor {
        if a.shape == b.shape { return a.zipValues(b, f) }
        let shape = Shape.broadcast(a.shape, b.shape, op: op)
        if b.count == 1 { let s = b.data[0]; return a.mapValues { f($0, s) }.reshaped(shape) }
        if a.count == 1 { let s = a.data[0]; return b.mapValues { f(s, $0) }.reshaped(shape) }
        let r = shape.count
        let pa = [Int](repeating: 1, count: r - a.rank) + a.shape
        let pb = [Int](repeating: 1, count: r - b.rank) + b.shape
        var sa = Shape.strides(pa), sb = Shape.strides(pb)
        for i in 0..<r { if pa[i] == 1 { sa[i] = 0 }; if pb[i] == 1 { sb[i] = 0 } }
        let last = shape[r - 1], rows = Shape.count(shape) / Swift.max(last, 1)
        let la = sa[r - 1], lb = sb[r - 1]
        return a.withPointer { x in b.withPointer { y in Tensor.make(shape) { out in
            var idx = [Int](repeating: 0, count: r)
            var offA = 0, offB = 0
            for row in 0..<rows {
                let o = out + row * last
                for j in 0..<last { o[j] = f(x[offA + j * la], y[offB + j * lb]) }
                // advance the multi-index over the leading axes
                var ax = r - 2
                while ax >= 0 {
                    idx[ax] += 1; offA += sa[ax]; offB += sb[ax]
                    if idx[ax] < shape[ax] { break }
                    offA -= sa[ax] * idx[ax]; offB -= sb[ax] * idx[ax]; idx[ax] = 0
                    ax -= 1
                }
            }
        } } }
    }

    /// Sums a broadcast gradient back down to `target` (the input's shape).
    public func sumToShape(_ target: [Int]) -> Tensor {
        if shape == target { return self }
        var g = self
        while g.rank > target.count { g = g.sum(axes: [0], keepDims: false) }
        for i in 0..<target.count where target[i] == 1 && g.shape[i] != 1 { g = g.sum(axes: [i], keepDims: true) }
        return g.shape == target ? g : g.reshaped(target)
    }

    /// Broadcasting addition.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastValues(a, b, "add", +)
        let (sa, sb) = (a.shape, b.shape)      // shapes only: the values are not needed, so not kept
        return record(out, "add", [a, b]) { g in [g.sumToShape(sa), g.sumToShape(sb)] }
    }

    /// Broadcasting subtraction.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastValues(a, b, "sub", -)
        let (sa, sb) = (a.shape, b.shape)
        return record(out, "sub", [a, b]) { g in [g.sumToShape(sa), (-g).sumToShape(sb)] }
    }

    /// Broadcasting elementwise product.
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastValues(a, b, "mul", *)
        return record(out, "mul", [a, b]) { g in
            [a.requiresGrad ? broadcastValues(g, b, "mul", *).sumToShape(a.shape) : nil,
             b.requiresGrad ? broadcastValues(g, a, "mul", *).sumToShape(b.shape) : nil]
        }
    }

    /// Broadcasting elementwise quotient.
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastValues(a, b, "div", /)
        let y = out.detached()      // values only: capturing `out` itself would make a retain cycle
        return record(out, "div", [a, b]) { g in
            let gb = broadcastValues(g, b, "div", /)      // g / b
            return [a.requiresGrad ? gb.sumToShape(a.shape) : nil,
                    b.requiresGrad ? broadcastValues(gb, y, "mul", *).mapValues { -$0 }.sumToShape(b.shape) : nil]
        }
    }

    /// Negation.
    public static prefix func - (a: Tensor) -> Tensor {
        record(a.mapValues { -$0 }, "neg", [a]) { g in [g.mapValues { -$0 }] }
    }

    /// Adds a scalar.
    public static func + (a: Tensor, s: Float) -> Tensor {
        record(a.mapValues { $0 + s }, "add_scalar", [a]) { g in [g] }
    }
    /// Adds a scalar.
    public static func + (s: Float, a: Tensor) -> Tensor { a + s }
    /// Subtracts a scalar.
    public static func - (a: Tensor, s: Float) -> Tensor { a + (-s) }
    /// Scalar minus tensor.
    public static func - (s: Float, a: Tensor) -> Tensor { (-a) + s }

    /// Multiplies by a scalar.
    public static func * (a: Tensor, s: Float) -> Tensor {
        record(a.mapValues { $0 * s }, "mul_scalar", [a]) { g in [g.mapValues { $0 * s }] }
    }
    /// Multiplies by a scalar.
    public static func * (s: Float, a: Tensor) -> Tensor { a * s }
    /// Divides by a scalar.
    public static func / (a: Tensor, s: Float) -> Tensor { a * (1 / s) }
}

// MARK: - Unary elementwise ops

extension Tensor {
    /// eˣ.
    public func exp() -> Tensor {
        let out = mapValues { Foundation.exp($0) }
        let y = out.detached()
        return Tensor.record(out, "exp", [self]) { g in [g.zipValues(y, *)] }
    }

    /// Natural logarithm.
    public func log() -> Tensor {
        let x = self
        return Tensor.record(mapValues { Foundation.log($0) }, "log", [self]) { g in [g.zipValues(x, /)] }
    }

    /// Square root.
    public func sqrt() -> Tensor {
        let out = mapValues { $0.squareRoot() }
        let y = out.detached()
        return Tensor.record(out, "sqrt", [self]) { g in [g.zipValues(y) { $0 / (2 * $1) }] }
    }

    /// Elementwise square.
    public func square() -> Tensor {
        let x = self
        return Tensor.record(mapValues { $0 * $0 }, "square", [self]) { g in [g.zipValues(x) { 2 * $0 * $1 }] }
    }

    /// Hyperbolic tangent.
    public func tanh() -> Tensor {
        let out = mapValues { Foundation.tanh($0) }
        let y = out.detached()
        return Tensor.record(out, "tanh", [self]) { g in [g.zipValues(y) { $0 * (1 - $1 * $1) }] }
    }

    /// Logistic sigmoid 1/(1+e⁻ˣ).
    public func sigmoid() -> Tensor {
        let out = mapValues { 1 / (1 + Foundation.exp(-$0)) }
        let y = out.detached()
        return Tensor.record(out, "sigmoid", [self]) { g in [g.zipValues(y) { $0 * $1 * (1 - $1) }] }
    }

    /// Rectified linear unit.
    public func relu() -> Tensor {
        let x = self
        return Tensor.record(mapValues { Swift.max($0, 0) }, "relu", [self]) { g in [g.zipValues(x) { $1 > 0 ? $0 : 0 }] }
    }

    /// Exact GELU: x·Φ(x) = x/2·(1 + erf(x/√2)) (PyTorch's `nn.GELU()` default).
    public func gelu() -> Tensor {
        let x = self
        let n = count
        let out = withPointer { px in Tensor.make(shape) { Kernels.gelu(px, $0, n) } }
        return Tensor.record(out, "gelu", [self]) { g in
            [x.withPointer { px in g.withPointer { pg in Tensor.make(x.shape) { Kernels.geluBackward(px, pg, $0, n) } } }]
        }
    }

    /// QuickGELU: x·σ(1.702x) (OpenAI CLIP's activation; open_clip `quick_gelu: true`).
    public func quickGelu() -> Tensor {
        let x = self
        let out = mapValues { $0 / (1 + Foundation.exp(-1.702 * $0)) }
        return Tensor.record(out, "quick_gelu", [self]) { g in
            [g.zipValues(x) { gy, v in
                let s = 1 / (1 + Foundation.exp(-1.702 * v))
                return gy * (s + 1.702 * v * s * (1 - s))
            }]
        }
    }

    /// Clamps into [lo, hi]; the gradient passes where the input is inside the interval (PyTorch's rule).
    public func clamp(min lo: Float = -.infinity, max hi: Float = .infinity) -> Tensor {
        let x = self
        return Tensor.record(mapValues { Swift.min(Swift.max($0, lo), hi) }, "clamp", [self]) { g in
            [g.zipValues(x) { ($1 >= lo && $1 <= hi) ? $0 : 0 }]
        }
    }

    /// Elementwise choice: `mask[i] ? a[i] : b[i]` (all three of one shape).
    public static func `where`(_ mask: [Bool], _ a: Tensor, _ b: Tensor) -> Tensor {
        check(a.shape == b.shape && mask.count == a.count,
                     "where: shapes \(a.shape) and \(b.shape) with \(mask.count) mask entries must match")
        var d = [Float](repeating: 0, count: a.count)
        for i in 0..<d.count { d[i] = mask[i] ? a.data[i] : b.data[i] }
        let out = Tensor(shape: a.shape, data: d)
        let shape = a.shape
        return record(out, "where", [a, b]) { g in
            var ga = g.data, gb = g.data
            for i in 0..<ga.count { if mask[i] { gb[i] = 0 } else { ga[i] = 0 } }
            return [Tensor(shape: shape, data: ga), Tensor(shape: shape, data: gb)]
        }
    }

    /// Sets elements where `mask` is true to `value` (for example −∞ before a softmax); no gradient there.
    public func maskedFill(_ mask: [Bool], _ value: Float) -> Tensor {
        Tensor.where(mask, Tensor.full(shape, value), self)
    }
}

// MARK: - Reductions

extension Tensor {
    /// Sum over `axes` (all axes when nil).
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let ax = Array(Set((axes ?? Array(0..<rank)).map { axis($0) })).sorted()   // [0, -3] on rank 3 is one axis
        var out = self.detached()
        for a in ax.reversed() {
            let (o, n, i) = Shape.split(out.shape, axis: a)
            var s = out.shape; s[a] = 1
            let src = out
            out = src.withPointer { x in Tensor.make(s) { Kernels.sumAxis(x, $0, outer: o, n: n, inner: i) } }
        }
        var finalShape = shape
        for a in ax.reversed() { if keepDims { finalShape[a] = 1 } else { finalShape.remove(at: a) } }
        out = out.reshaped(finalShape)
        let inShape = shape
        let keptShape = shape.enumerated().map { ax.contains($0.offset) ? 1 : $0.element }
        return Tensor.record(out, "sum", [self]) { g in
            [Tensor.broadcastValues(g.reshaped(keptShape), Tensor.zeros(inShape), "sum_backward", +)]
        }
    }

    /// Mean over `axes` (all axes when nil).
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let ax = Array(Set((axes ?? Array(0..<rank)).map { axis($0) }))
        let n = ax.reduce(1) { $0 * shape[$1] }
        return sum(axes: ax, keepDims: keepDims) * (1 / Float(Swift.max(n, 1)))
    }

    /// Maximum along one axis (`torch.amax`). The gradient is shared evenly by tied maxima, as torch's
    /// `amax` does; for two-way ties this is also what central differences measure.
    public func amax(axis a: Int, keepDims: Bool = false) -> Tensor {
        let ax = axis(a)
        let (o, n, i) = Shape.split(shape, axis: ax)
        var arg = [Int32](repeating: 0, count: o * i)
        var s = shape; s[ax] = 1
        let out = withPointer { x in
            arg.withUnsafeMutableBufferPointer { ap in
                Tensor.make(s) { Kernels.maxAxis(x, $0, ap.baseAddress!, outer: o, n: n, inner: i) }
            }
        }
        var finalShape = shape
        if keepDims { finalShape[ax] = 1 } else { finalShape.remove(at: ax) }
        let inShape = shape
        let x = self
        let maxima = out.data       // values only: `out` may be the recorded tensor itself
        return Tensor.record(out.reshaped(finalShape), "amax", [self]) { g in
            var d = [Float](repeating: 0, count: Shape.count(inShape))
            for oo in 0..<o {
                for ii in 0..<i {
                    let m = maxima[oo * i + ii]
                    var ties = 0
                    for j in 0..<n where x.data[(oo * n + j) * i + ii] == m { ties += 1 }
                    let share = g.data[oo * i + ii] / Float(Swift.max(ties, 1))
                    for j in 0..<n where x.data[(oo * n + j) * i + ii] == m { d[(oo * n + j) * i + ii] = share }
                }
            }
            return [Tensor(shape: inShape, data: d)]
        }
    }

    /// Index of the maximum along `axis` (no gradient).
    public func argmax(axis a: Int = -1) -> [Int] {
        let ax = axis(a)
        let (o, n, i) = Shape.split(shape, axis: ax)
        var arg = [Int32](repeating: 0, count: o * i)
        var tmp = [Float](repeating: 0, count: o * i)
        withPointer { x in
            arg.withUnsafeMutableBufferPointer { ap in
                tmp.withUnsafeMutableBufferPointer { Kernels.maxAxis(x, $0.baseAddress!, ap.baseAddress!, outer: o, n: n, inner: i) }
            }
        }
        return arg.map(Int.init)
    }
}

// MARK: - Matrix products

extension Tensor {
    /// Matrix product through `cblas_sgemm`, with transposes passed to BLAS as flags.
    ///
    /// - `[M,K] @ [K,N]` → `[M,N]`;
    /// - `[B,M,K] @ [B,K,N]` → `[B,M,N]` (batched);
    /// - `[…,M,K] @ [K,N]` → `[…,M,N]` (the leading axes fold into rows; `transposeA` must be false).
    /// `transposeA`/`transposeB` use the transposed last two axes of `a`/`b`.
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        check(a.rank >= 2 && b.rank >= 2, "matmul: needs rank ≥ 2, got \(a.shape) and \(b.shape)")
        if b.rank == 2 && (a.rank == 2 || !transposeA) {
            // Fold leading axes of a into rows: one GEMM.
            let k = transposeA ? a.shape[0] : a.shape[a.rank - 1]
            let m = transposeA ? a.shape[1] : Shape.count(Array(a.shape.dropLast()))   // not count/k: k may be 0
            let kb = transposeB ? b.shape[1] : b.shape[0], n = transposeB ? b.shape[0] : b.shape[1]
            check(k == kb, "matmul: inner extents differ: \(a.shape)\(transposeA ? "ᵀ" : "") @ \(b.shape)\(transposeB ? "ᵀ" : "")")
            let outShape = (a.rank == 2 ? [m] : Array(a.shape.dropLast())) + [n]
            let out = a.withPointer { pa in b.withPointer { pb in Tensor.make(outShape) {
                Kernels.gemm(transA: transposeA, transB: transposeB, m: m, n: n, k: k, a: pa, b: pb, c: $0)
            } } }
            return record(out, "matmul", [a, b]) { g in
                var ga: Tensor? = nil, gb: Tensor? = nil
                g.withPointer { pg in
                    if a.requiresGrad {
                        // dA = g·op(B)ᵀ, or (for Aᵀ) op(B)·gᵀ
                        ga = b.withPointer { pb in Tensor.make(a.shape) { c in
                            if transposeA {
                                Kernels.gemm(transA: transposeB, transB: true, m: k, n: m, k: n, a: pb, b: pg, c: c)
                            } else {
                                Kernels.gemm(transA: false, transB: !transposeB, m: m, n: k, k: n, a: pg, b: pb, c: c)
                            }
                        } }
                    }
                    if b.requiresGrad {
                        gb = a.withPointer { pa in Tensor.make(b.shape) { c in
                            if transposeB {
                                Kernels.gemm(transA: true, transB: transposeA, m: n, n: k, k: m, a: pg, b: pa, c: c)
                            } else {
                                Kernels.gemm(transA: !transposeA, transB: false, m: k, n: n, k: m, a: pa, b: pg, c: c)
                            }
                        } }
                    }
                }
                return [ga, gb]
            }
        }
        check(a.rank == 3 && b.rank == 3 && a.shape[0] == b.shape[0],
                     "matmul: batched product needs [B,M,K] and [B,K,N], got \(a.shape) and \(b.shape)")
        let bs = a.shape[0]
        let m = transposeA ? a.shape[2] : a.shape[1], k = transposeA ? a.shape[1] : a.shape[2]
        let kb = transposeB ? b.shape[2] : b.shape[1], n = transposeB ? b.shape[1] : b.shape[2]
        check(k == kb, "matmul: inner extents differ: \(a.shape)\(transposeA ? "ᵀ" : "") @ \(b.shape)\(transposeB ? "ᵀ" : "")")
        let out = a.withPointer { pa in b.withPointer { pb in Tensor.make([bs, m, n]) { c in
            Kernels.batchedGemm(transA: transposeA, transB: transposeB, batch: bs, m: m, n: n, k: k, a: pa, b: pb, c: c)
        } } }
        return record(out, "bmm", [a, b]) { g in
            var ga: Tensor? = nil, gb: Tensor? = nil
            g.withPointer { pg in
                if a.requiresGrad {
                    ga = b.withPointer { pb in Tensor.make(a.shape) { c in
                        if transposeA {
                            Kernels.batchedGemm(transA: transposeB, transB: true, batch: bs, m: k, n: m, k: n, a: pb, b: pg, c: c)
                        } else {
                            Kernels.batchedGemm(transA: false, transB: !transposeB, batch: bs, m: m, n: k, k: n, a: pg, b: pb, c: c)
                        }
                    } }
                }
                if b.requiresGrad {
                    gb = a.withPointer { pa in Tensor.make(b.shape) { c in
                        if transposeB {
                            Kernels.batchedGemm(transA: true, transB: transposeA, batch: bs, m: n, n: k, k: m, a: pg, b: pa, c: c)
                        } else {
                            Kernels.batchedGemm(transA: !transposeA, transB: false, batch: bs, m: k, n: n, k: m, a: pa, b: pg, c: c)
                        }
                    } }
                }
            }
            return [ga, gb]
        }
    }
}

// MARK: - Shape ops

extension Tensor {
    /// The same elements under a new shape (shares storage; one extent may be −1).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var s = newShape
        if let i = s.firstIndex(of: -1) {
            let known = s.enumerated().filter { $0.offset != i }.reduce(1) { $0 * $1.element }
            check(known > 0 && count % known == 0, "reshape: cannot infer -1 in \(newShape) for \(count) elements of \(shape)")
            s[i] = count / known
        }
        check(Shape.count(s) == count, "reshape: \(shape) (\(count) elements) cannot become \(newShape)")
        if s == shape { return self }
        let inShape = shape
        return Tensor.record(Tensor(shape: s, data: data), "reshape", [self]) { g in [g.reshaped(inShape)] }
    }

    /// Reorders axes: output axis i is input axis `order[i]` (a copy).
    public func permuted(_ order: [Int]) -> Tensor {
        check(order.sorted() == Array(0..<rank), "permute: \(order) is not a permutation of the axes of \(shape)")
        if order == Array(0..<rank) { return self }
        let out = Tensor.permuteValues(self, order)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, o) in order.enumerated() { inverse[o] = i }
        return Tensor.record(out, "permute", [self]) { g in [Tensor.permuteValues(g, inverse)] }
    }

    /// Swaps two axes (a copy).
    public func transposed(_ a0: Int = -2, _ a1: Int = -1) -> Tensor {
        var order = Array(0..<rank)
        order.swapAt(axis(a0), axis(a1))
        return permuted(order)
    }

    static func permuteValues(_ x: Tensor, _ order: [Int]) -> Tensor {
        let r = x.rank
        let outShape = order.map { x.shape[$0] }
        let inStrides = Shape.strides(x.shape)
        let st = order.map { inStrides[$0] }
        let last = outShape[r - 1], rows = x.count / Swift.max(last, 1), ls = st[r - 1]
        return x.withPointer { src in Tensor.make(outShape) { out in
            var idx = [Int](repeating: 0, count: r)
            var off = 0
            for row in 0..<rows {
                let o = out + row * last
                for j in 0..<last { o[j] = src[off + j * ls] }
                var ax = r - 2
                while ax >= 0 {
                    idx[ax] += 1; off += st[ax]
                    if idx[ax] < outShape[ax] { break }
                    off -= st[ax] * idx[ax]; idx[ax] = 0
                    ax -= 1
                }
            }
        } }
    }

    /// Elements `range` along `axis` (a copy).
    public func slice(axis a: Int, _ range: Range<Int>) -> Tensor {
        let ax = axis(a)
        check(range.lowerBound >= 0 && range.upperBound <= shape[ax],
                     "slice: range \(range) out of bounds for axis \(a) of \(shape)")
        let (o, n, i) = Shape.split(shape, axis: ax)
        var s = shape; s[ax] = range.count
        let len = range.count * i
        let out = withPointer { x in Tensor.make(s) { y in
            for oo in 0..<o { (y + oo * len).update(from: x + (oo * n + range.lowerBound) * i, count: len) }
        } }
        let inShape = shape
        return Tensor.record(out, "slice", [self]) { g in
            var d = [Float](repeating: 0, count: Shape.count(inShape))
            d.withUnsafeMutableBufferPointer { dp in g.withPointer { gp in
                for oo in 0..<o { (dp.baseAddress! + (oo * n + range.lowerBound) * i).update(from: gp + oo * len, count: len) }
            } }
            return [Tensor(shape: inShape, data: d)]
        }
    }

    /// Concatenates along `axis`; all other extents must agree.
    public static func concat(_ xs: [Tensor], axis a: Int) -> Tensor {
        check(!xs.isEmpty, "concat: no tensors")
        let ax = xs[0].axis(a)
        for x in xs {
            check(x.rank == xs[0].rank && (0..<x.rank).allSatisfy { $0 == ax || x.shape[$0] == xs[0].shape[$0] },
                         "concat: shapes \(xs.map(\.shape)) differ off axis \(a)")
        }
        let (o, _, i) = Shape.split(xs[0].shape, axis: ax)
        let ns = xs.map { $0.shape[ax] }
        let total = ns.reduce(0, +)
        var s = xs[0].shape; s[ax] = total
        var d = [Float](repeating: 0, count: Shape.count(s))
        var start = 0
        for (x, n) in zip(xs, ns) {
            for oo in 0..<o {
                for j in 0..<(n * i) { d[(oo * total + start) * i + j] = x.data[oo * n * i + j] }
            }
            start += n
        }
        return record(Tensor(shape: s, data: d), "concat", xs) { g in
            var st = 0
            return ns.map { n in defer { st += n }; return g.slice(axis: ax, st..<(st + n)) }
        }
    }

    /// Rows of a `[V, D]` table at `indices` → `[indices.count, D]` (embedding lookup); the backward
    /// scatter-adds into the rows used.
    public static func gatherRows(_ table: Tensor, _ indices: [Int]) -> Tensor {
        check(table.rank == 2, "gatherRows: table must be [V, D], got \(table.shape)")
        let v = table.shape[0], d = table.shape[1]
        for ix in indices { check(ix >= 0 && ix < v, "gatherRows: index \(ix) out of range 0..<\(v)") }
        let out = table.withPointer { t in Tensor.make([indices.count, d]) { y in
            for (r, ix) in indices.enumerated() { (y + r * d).update(from: t + ix * d, count: d) }
        } }
        return record(out, "gather_rows", [table]) { g in
            var gd = [Float](repeating: 0, count: v * d)
            g.withPointer { gp in
                for (r, ix) in indices.enumerated() { for j in 0..<d { gd[ix * d + j] += gp[r * d + j] } }
            }
            return [Tensor(shape: [v, d], data: gd)]
        }
    }
}
