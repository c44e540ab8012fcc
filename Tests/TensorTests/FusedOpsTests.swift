import Foundation
import Testing
import Tensor
import TestSupport

/// The fused ops of the performance work: values against the composed ops they replace, and
/// finite-difference gradients.
@Suite("Fused ops: linear, packed attention, strided and split GEMM")
struct FusedOpsTests {
    @Test func linearMatchesMatmulPlusBias() {
        let x = randomInput([2, 5, 7], seed: 70), w = randomInput([4, 7], seed: 71), b = randomInput([4], seed: 72)
        let fused = Tensor.linear(x, weight: w, bias: b)
        let composed = Tensor.matmul(x, w, transposeB: true) + b
        #expect(fused.shape == [2, 5, 4])
        #expect(maxDiff(fused.data, composed.data) < 1e-5)
        let noBias = Tensor.linear(x, weight: w, bias: nil)
        #expect(maxDiff(noBias.data, Tensor.matmul(x, w, transposeB: true).data) < 1e-6)
    }

    @Test func linearGradients() {
        let x = randomInput([3, 2, 5], seed: 73), w = randomInput([4, 5], seed: 74), b = randomInput([4], seed: 75)
        let r = checkGradients([x, w, b]) { Tensor.linear($0[0], weight: $0[1], bias: $0[2]) }
        #expect(r.passed, "\(r)")
        let r2 = checkGradients([x, w]) { Tensor.linear($0[0], weight: $0[1], bias: nil) }
        #expect(r2.passed, "no bias: \(r2)")
    }

    /// The fused layer norm + linear gives the separate ops' values and gradients to the last bit (the
    /// norm's output written again from x̂ in the backward), for every single input needing a gradient
    /// and all together, and the backward is right by finite differences.
    @Test func layerNormLinearMatchesLayerNormThenLinear() {
        let x = randomInput([3, 4, 8], scale: 2, seed: 100), gain = randomInput([8], seed: 101)
        let shift = randomInput([8], seed: 102), w = randomInput([5, 8], seed: 103), b = randomInput([5], seed: 104)
        let r = randomInput([3, 4, 5], seed: 105).detached()
        func grads(_ needs: [Bool], _ f: ([Tensor]) -> Tensor) -> (Tensor, [Tensor?]) {
            let inputs = [x, gain, shift, w, b].map { $0.detached() }
            for (t, need) in zip(inputs, needs) { t.requiresGrad = need }
            let y = f(inputs)
            (y * r).sum().backward()
            return (y, inputs.map(\.grad))
        }
        let fusedOp: ([Tensor]) -> Tensor = {
            Tensor.layerNormLinear($0[0], normWeight: $0[1], normBias: $0[2], weight: $0[3], bias: $0[4])
        }
        let separateOps: ([Tensor]) -> Tensor = {
            Tensor.linear(Tensor.layerNorm($0[0], weight: $0[1], bias: $0[2]), weight: $0[3], bias: $0[4])
        }
        var cases = (0..<5).map { i in (0..<5).map { $0 == i } }
        cases.append(Array(repeating: true, count: 5))
        for needs in cases {
            let (fused, gf) = grads(needs, fusedOp)
            let (separate, gs) = grads(needs, separateOps)
            #expect(fused.data == separate.data)
            for (a, c) in zip(gf, gs) { #expect(a?.data == c?.data, "needs \(needs)") }
        }
        let plain = withoutGradients { fusedOp([x, gain, shift, w, b]) }
        #expect(plain.data == separateOps([x, gain, shift, w, b]).data)
        let check = checkGradients([x, gain, shift, w, b], fusedOp)
        #expect(check.passed, "\(check)")
    }

    /// A residual started in the GEMM equals adding it afterwards (up to the order of the two adds),
    /// and its gradient is right by finite differences, with and without bias, for `linear` and
    /// `geluLinear`.
    @Test func linearWithResidualEqualsLinearPlusResidual() {
        let x = randomInput([2, 5, 7], seed: 76), w = randomInput([4, 7], seed: 77), b = randomInput([4], seed: 78)
        let res = randomInput([2, 5, 4], seed: 79)
        for bias in [b, nil] {
            let fused = Tensor.linear(x, weight: w, bias: bias, residual: res)
            #expect(maxDiff(fused.data, (res + Tensor.linear(x, weight: w, bias: bias)).data) < 1e-5)
            let r = checkGradients([x, w, b, res]) {
                Tensor.linear($0[0], weight: $0[1], bias: bias == nil ? nil : $0[2], residual: $0[3])
            }
            #expect(r.passed, "bias \(bias != nil): \(r)")
        }
        let h = randomInput([2, 5, 7], scale: 1.5, seed: 84)
        let fused = Tensor.geluLinear(h, weight: w, bias: b, residual: res)
        #expect(maxDiff(fused.data, (res + Tensor.linear(h.gelu(), weight: w, bias: b)).data) < 1e-5)
        let r = checkGradients([h, w, b, res]) { Tensor.geluLinear($0[0], weight: $0[1], bias: $0[2], residual: $0[3]) }
        #expect(r.passed, "geluLinear: \(r)")
    }

    /// The fused GELU + `c_proj` gives the separate ops' values and gradients to the last bit (the same
    /// kernels and expressions, the GELU written again in the backward), and the backward is right by
    /// finite differences, also when only some inputs need gradients.
    @Test func geluLinearMatchesGeluThenLinear() {
        let x = randomInput([2, 5, 7], scale: 1.5, seed: 80), w = randomInput([6, 7], seed: 81), b = randomInput([6], seed: 82)
        let r = randomInput([2, 5, 6], seed: 83).detached()
        func grads(_ needs: [Bool], _ f: (Tensor, Tensor, Tensor) -> Tensor) -> (Tensor, [Tensor?]) {
            let inputs = [x.detached(), w.detached(), b.detached()]
            for (t, need) in zip(inputs, needs) { t.requiresGrad = need }
            let y = f(inputs[0], inputs[1], inputs[2])
            (y * r).sum().backward()
            return (y, inputs.map(\.grad))
        }
        for needs in [[true, true, true], [true, false, false], [false, true, false], [false, false, true]] {
            let (fused, gf) = grads(needs) { Tensor.geluLinear($0, weight: $1, bias: $2) }
            let (separate, gs) = grads(needs) { Tensor.linear($0.gelu(), weight: $1, bias: $2) }
            #expect(fused.data == separate.data)
            for (a, c) in zip(gf, gs) { #expect(a?.data == c?.data, "needs \(needs)") }
        }
        // Without a graph it is the plain composition.
        let plain = withoutGradients { Tensor.geluLinear(x, weight: w, bias: b) }
        #expect(plain.data == Tensor.linear(x.gelu(), weight: w, bias: b).data)
        let check = checkGradients([x, w, b]) { Tensor.geluLinear($0[0], weight: $0[1], bias: $0[2]) }
        #expect(check.passed, "\(check)")
        let noBias = checkGradients([x, w]) { Tensor.geluLinear($0[0], weight: $0[1], bias: nil) }
        #expect(noBias.passed, "no bias: \(noBias)")
    }

    /// The split-heads / attention / merge-heads composition the packed op replaces.
    private func composed(_ qkv: Tensor, heads: Int, causal: Bool) -> Tensor {
        let (b, t, d) = (qkv.shape[0], qkv.shape[1], qkv.shape[2] / 3)
        let split = qkv.reshaped([b, t, 3, heads, d / heads]).permuted([2, 0, 3, 1, 4])
        let q = split.slice(axis: 0, 0..<1).reshaped([b, heads, t, d / heads])
        let k = split.slice(axis: 0, 1..<2).reshaped([b, heads, t, d / heads])
        let v = split.slice(axis: 0, 2..<3).reshaped([b, heads, t, d / heads])
        return Tensor.attention(q, k, v, causal: causal).permuted([0, 2, 1, 3]).reshaped([b, t, d])
    }

    @Test(arguments: [false, true])
    func packedAttentionMatchesComposed(_ causal: Bool) {
        let qkv = randomInput([3, 6, 3 * 8], scale: 1.5, seed: 76)
        let fused = Tensor.packedAttention(qkv, heads: 2, causal: causal)
        let reference = composed(qkv, heads: 2, causal: causal)
        #expect(fused.shape == [3, 6, 8])
        #expect(maxDiff(fused.data, reference.data) < 1e-5)
        // Gradients of a random projection of the output agree too.
        let r = randomInput([3, 6, 8], seed: 77).detached()
        let a = qkv.detached(); a.requiresGrad = true
        (Tensor.packedAttention(a, heads: 2, causal: causal) * r).sum().backward()
        let c = qkv.detached(); c.requiresGrad = true
        (composed(c, heads: 2, causal: causal) * r).sum().backward()
        #expect(maxDiff(a.grad!.data, c.grad!.data) < 1e-5)
    }

    @Test(arguments: [false, true])
    func packedAttentionGradients(_ causal: Bool) {
        let qkv = randomInput([2, 5, 3 * 6], seed: 78)
        let r = checkGradients([qkv]) { Tensor.packedAttention($0[0], heads: 3, causal: causal) }
        #expect(r.passed, "causal \(causal): \(r)")
    }

    /// One query per batch row against the packed keys and values: the values and the gradients of
    /// `packedAttention` at that query's row (the causal row at position p sees keys 0…p, so its key
    /// count is p + 1), including the queries of every other row getting no gradient.
    @Test(arguments: [false, true])
    func queryAttentionEqualsPackedAttentionRow(_ causal: Bool) {
        let (b, t, d) = (3, 6, 8)
        let positions = causal ? [5, 0, 3] : [0, 0, 0]
        let rows = positions.enumerated().map { $0.offset * t + $0.element }
        let qkv = randomInput([b, t, 3 * d], scale: 1.5, seed: 79)
        let r = randomInput([b, d], seed: 80).detached()
        let a = qkv.detached(); a.requiresGrad = true
        let full = Tensor.gatherRows(Tensor.packedAttention(a, heads: 2, causal: causal).reshaped([b * t, d]), rows)
        (full * r).sum().backward()
        let c = qkv.detached(); c.requiresGrad = true
        let q = Tensor.gatherRows(c.slice(axis: 2, 0..<d).reshaped([b * t, d]), rows)
        let one = Tensor.queryAttention(q, c.slice(axis: 2, d..<(3 * d)), heads: 2,
                                        keyCounts: causal ? positions.map { $0 + 1 } : nil)
        #expect(one.shape == [b, d])
        #expect(maxDiff(one.data, full.data) < 1e-5)
        (one * r).sum().backward()
        #expect(maxDiff(c.grad!.data, a.grad!.data) < 1e-5)
    }

    @Test(arguments: [false, true])
    func queryAttentionGradients(_ causal: Bool) {
        let q = randomInput([3, 6], seed: 81), kv = randomInput([3, 5, 12], seed: 82)
        let r = checkGradients([q, kv]) {
            Tensor.queryAttention($0[0], $0[1], heads: 3, keyCounts: causal ? [5, 1, 3] : nil)
        }
        #expect(r.passed, "causal \(causal): \(r)")
    }

    @Test func stridedGemmReadsAndWritesSubmatrices() {
        // C[1..<3, 2..<5] (ldc 6) = A (rows of a [2, 4] block inside ld 5) · B.
        let aFull = (0..<10).map { Float($0) * 0.5 - 2 }, b = (0..<12).map { Float($0) * 0.25 - 1 }
        var c = [Float](repeating: 7, count: 4 * 6)
        aFull.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
            Kernels.gemm(transA: false, transB: false, m: 2, n: 3, k: 4, a: pa.baseAddress! + 1, lda: 5,
                         b: pb.baseAddress!, ldb: 3, c: pc.baseAddress! + 6 + 2, ldc: 6)
        } } }
        let a = [Float](aFull[1..<5]) + [Float](aFull[6..<10])
        let want = referenceMatmul(a, b, m: 2, k: 4, n: 3)
        for i in 0..<4 { for j in 0..<6 {
            let inside = (1..<3).contains(i) && (2..<5).contains(j)
            let expected = inside ? want[(i - 1) * 3 + (j - 2)] : 7
            #expect(abs(c[i * 6 + j] - expected) < 1e-4, "C[\(i), \(j)] = \(c[i * 6 + j]), expected \(expected)")
        } }
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func largeGemmSplitAcrossThreadsIsCorrect(_ ta: Bool, _ tb: Bool) {
        // Big enough to be split into row or column blocks (m·n·k ≥ Engine.gemmSplitThreshold).
        for (m, n, k) in [(300, 40, 64), (20, 260, 64)] {
            var g = RandomGenerator(seed: UInt64(m + n))
            let a = Tensor.randn(ta ? [k, m] : [m, k], generator: &g), b = Tensor.randn(tb ? [n, k] : [k, n], generator: &g)
            let out = Tensor.matmul(a, b, transposeA: ta, transposeB: tb)
            let ra = ta ? transposeArray(a.data, rows: k, cols: m) : a.data
            let rb = tb ? transposeArray(b.data, rows: n, cols: k) : b.data
            let want = referenceMatmul(ra, rb, m: m, k: k, n: n)
            #expect(maxDiff(out.data, want) < 1e-3, "\(m)×\(n)×\(k) transA \(ta) transB \(tb)")
        }
    }
}

/// The vectorisable erf/exp behind GELU against the C library.
@Suite("Fast math")
struct FastMathTests {
    @Test func erfFastIsWithinFloatRoundOff() {
        var worst: Float = 0
        for i in -6000...6000 {
            let x = Float(i) * 1e-3
            worst = max(worst, abs(Kernels.erfFast(x) - erff(x)))
        }
        #expect(worst <= 5e-7, "max |erfFast − erff| = \(worst)")
        #expect(Kernels.erfFast(0) == 0 && Kernels.erfFast(10) == 1 && Kernels.erfFast(-10) == -1)
    }

    @Test func expFastIsWithinFloatRoundOff() {
        var worst: Float = 0
        for i in -8000...8000 {
            let x = Float(i) * 1e-2
            worst = max(worst, abs(Kernels.expFast(x) - expf(x)) / expf(x))
        }
        #expect(worst <= 5e-7, "max relative |expFast − expf| = \(worst)")
        #expect(Kernels.expFast(-200) >= 0 && Kernels.expFast(-200) < 1e-37)
    }

    /// The lane-wise row reductions against double-precision sums at every tail length around the lane
    /// width (and the sizes the model uses), and the maximum exactly.
    @Test func vectorisedReductionsMatchDoubleSums() {
        let x = randomInput([200], scale: 2, seed: 91).data, y = randomInput([200], scale: 2, seed: 92).data
        for n in [0, 1, 5, 15, 16, 17, 31, 32, 33, 65, 128, 200] {
            let xs = x.prefix(n).map(Double.init), ys = y.prefix(n).map(Double.init)
            let mean = n == 0 ? 0 : xs.reduce(0, +) / Double(n)
            let magnitude = xs.map(abs).reduce(0, +) + 1
            x.withUnsafeBufferPointer { px in y.withUnsafeBufferPointer { py in
                let (a, b) = (px.baseAddress!, py.baseAddress!)
                #expect(abs(Double(Kernels.sum(a, n)) - xs.reduce(0, +)) <= 1e-6 * magnitude, "sum, n = \(n)")
                let dev = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
                #expect(abs(Double(Kernels.sumOfSquaredDeviations(a, from: Float(mean), n)) - dev) <= 1e-5 * (dev + 1),
                        "squared deviations, n = \(n)")
                let dot = zip(xs, ys).map(*).reduce(0, +)
                #expect(abs(Double(Kernels.dot(a, b, n)) - dot) <= 1e-5 * (zip(xs, ys).map { abs($0 * $1) }.reduce(0, +) + 1),
                        "dot, n = \(n)")
                #expect(Kernels.maximum(a, n) == (x.prefix(n).max() ?? -.infinity), "max, n = \(n)")
            } }
        }
    }

    @Test func geluKernelMatchesErfFormula() {
        let x = randomInput([4096], scale: 3, seed: 90)
        let y = x.gelu()
        let want = x.data.map { 0.5 * $0 * (1 + erff($0 * 0.70710678118654752)) }
        #expect(maxDiff(y.data, want) <= 1e-6)
    }
}
