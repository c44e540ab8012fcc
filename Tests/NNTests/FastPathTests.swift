import Foundation
import Testing
import Tensor
@testable import NN

/// The speed paths of the layers give the values and gradients of the plain computation.
@Suite("Fast paths: padding trim, fused attention, fused block")
struct FastPathTests {
    private func tower(seed: UInt64) -> TextTransformer {
        var g = RandomGenerator(seed: seed)
        return TextTransformer(contextLength: 12, vocabSize: 30, width: 8, layers: 2, heads: 2, mlpRatio: 2,
                               embedDim: 6, generator: &g)
    }

    /// Rows padded to the context; EOT (29, the largest id) at positions 3, 6 and 2: only 7 columns matter.
    private let rows: [[Int32]] = [
        [28, 5, 7, 29, 0, 0, 0, 0, 0, 0, 0, 0],
        [28, 1, 2, 3, 4, 5, 29, 0, 0, 0, 0, 0],
        [28, 9, 29, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    ]

    @Test func trimmedTextEncodingEqualsPaddedValuesAndGradients() {
        let trimmed = tower(seed: 3), padded = tower(seed: 3)
        padded.trimsPadding = false
        let a = trimmed.encode(rows), b = padded.encode(rows)
        #expect(a.shape == [3, 6] && b.shape == [3, 6])
        #expect(zip(a.data, b.data).allSatisfy { abs($0 - $1) <= 1e-5 }, "\(a) vs \(b)")
        var g = RandomGenerator(seed: 9)
        let r = Tensor.randn([3, 6], generator: &g)
        (a * r).sum().backward()
        (b * r).sum().backward()
        let pa = trimmed.namedParameters(), pb = padded.namedParameters()
        for ((name, ta), (_, tb)) in zip(pa, pb) {
            let ga = ta.grad?.data ?? [], gb = tb.grad?.data ?? []
            #expect(ga.count == gb.count, "\(name)")
            let worst = zip(ga, gb).map { abs($0 - $1) }.max() ?? 0
            // Absolute 1e-5 plus 1e-6 (≈ 8 float32 ulps) of the largest gradient: the embedding gradients
            // here reach ≈ 330, where one ulp is 3e-5, and the two paths run GEMMs of different row counts.
            let scale = ga.map { abs($0) }.max() ?? 0
            #expect(worst <= 1e-5 + 1e-6 * scale, "\(name): gradients differ by \(worst) (largest \(scale))")
        }
        // Positional rows after the last EOT get no gradient in either computation.
        let pos = trimmed.positionalEmbedding.grad!.data
        #expect(pos[(7 * 8)...].allSatisfy { $0 == 0 })
        #expect(pos[..<(7 * 8)].contains { $0 != 0 })
    }

    /// With and without the residual a block adds inside `out_proj` (here the input itself, so its
    /// gradient has both paths).
    @Test(arguments: [false, true], [false, true])
    func fusedAttentionEqualsComposedPath(_ causal: Bool, _ withResidual: Bool) {
        var g = RandomGenerator(seed: 11)
        let m = MultiheadAttention(width: 8, heads: 2, generator: &g)
        for p in m.parameters() { p.data = p.data.map { $0 + 0.1 } }     // non-zero biases
        let x = Tensor.randn([2, 5, 8], generator: &g)
        x.requiresGrad = true
        let fused = m(x, causal: causal, residual: withResidual ? x : nil)
        let composed = m.unfused(x, causal: causal, residual: withResidual ? x : nil)
        // A block's pre-norm fused into the input projection equals normalising first.
        let norm = LayerNorm(8)
        norm.weight.data = norm.weight.data.map { $0 * 1.5 }
        let viaNorm = m(x, normalizedBy: norm, causal: causal), normFirst = m(norm(x), causal: causal)
        #expect(zip(viaNorm.data, normFirst.data).allSatisfy { abs($0 - $1) <= 1e-6 })
        #expect(zip(fused.data, composed.data).allSatisfy { abs($0 - $1) <= 1e-5 })
        let r = Tensor.randn([2, 5, 8], generator: &g)
        (fused * r).sum().backward()
        let fusedGrads = [x.grad!.data] + m.parameters().map { $0.grad!.data }
        x.zeroGrad(); m.zeroGrad()
        (composed * r).sum().backward()
        let composedGrads = [x.grad!.data] + m.parameters().map { $0.grad!.data }
        for (a, b) in zip(fusedGrads, composedGrads) {
            #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-5 })
        }
    }

    /// A whole pre-norm block on the fused path (norms inside `in_proj`/`c_fc`, GELU + `c_proj` as one
    /// op, residuals inside the GEMMs) against the block written out with the plain ops:
    /// `h = x + attn(ln_1(x))`, `y = h + c_proj(gelu(c_fc(ln_2(h))))`, values and every gradient.
    @Test(arguments: [false, true])
    func fusedBlockEqualsComposedBlock(_ causal: Bool) {
        var g = RandomGenerator(seed: 12)
        let block = ResidualAttentionBlock(width: 8, heads: 2, mlpRatio: 2, generator: &g)
        for p in block.parameters() { p.data = p.data.map { $0 + 0.05 } }     // non-trivial norms and biases
        let x = Tensor.randn([2, 5, 8], generator: &g)
        x.requiresGrad = true
        func composed(_ x: Tensor) -> Tensor {
            let h = x + block.attn.unfused(block.ln1(x), causal: causal, residual: nil)
            let m = block.mlp
            let hidden = Tensor.matmul(block.ln2(h), m.cFc.weight, transposeB: true) + m.cFc.bias!
            return h + (Tensor.matmul(hidden.gelu(), m.cProj.weight, transposeB: true) + m.cProj.bias!)
        }
        let r = Tensor.randn([2, 5, 8], generator: &g)
        func run(_ f: (Tensor) -> Tensor) -> ([Float], [[Float]]) {
            x.zeroGrad(); block.zeroGrad()
            let y = f(x)
            (y * r).sum().backward()
            return (y.data, [x.grad!.data] + block.parameters().map { $0.grad!.data })
        }
        let (fusedY, fusedGrads) = run { block($0, causal: causal) }
        let (plainY, plainGrads) = run(composed)
        #expect(zip(fusedY, plainY).allSatisfy { abs($0 - $1) <= 1e-5 })
        #expect(fusedGrads.count == plainGrads.count)
        for (a, b) in zip(fusedGrads, plainGrads) {
            let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-5, "gradients differ by \(worst)")
        }
    }

    /// Gradients of every named parameter after `(y · r).sum().backward()`.
    private func gradients(_ m: Module, _ y: Tensor, _ r: Tensor) -> [(String, [Float])] {
        (y * r).sum().backward()
        return m.namedParameters().map { ($0.0, $0.1.grad?.data ?? []) }
    }

    private func expectSame(_ a: [(String, [Float])], _ b: [(String, [Float])], _ what: String) {
        #expect(a.count == b.count)
        for ((name, ga), (_, gb)) in zip(a, b) {
            #expect(ga.count == gb.count, "\(what) \(name)")
            // Norm-wise relative error, as the parity tests measure it. The bias and embedding gradients
            // are sums over every token position (768 here) with much cancellation, which the compared
            // paths add in different orders and GEMM shapes: observed up to 1.6e-6 (≈ 13 ulps); a wrong
            // row order or mask is off by O(1).
            let diff = zip(ga, gb).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +).squareRoot()
            let norm = gb.map { Double($0) * Double($0) }.reduce(0, +).squareRoot()
            #expect(diff <= 1e-5 * max(norm, 1), "\(what) \(name): gradients differ by \(diff) (norm \(norm))")
        }
    }

    /// A block computing only the pooled rows gives those rows of the full block, values and the
    /// gradients of the input and of every parameter (the rows not pooled feed it only as keys/values).
    @Test(arguments: [false, true])
    func pooledBlockEqualsRowsOfFullBlock(_ causal: Bool) {
        var g = RandomGenerator(seed: 13)
        let block = ResidualAttentionBlock(width: 8, heads: 2, mlpRatio: 2, generator: &g)
        for p in block.parameters() { p.data = p.data.map { $0 + 0.05 } }
        let x = Tensor.randn([3, 5, 8], generator: &g)
        x.requiresGrad = true
        let positions = [4, 0, 2], rows = positions.enumerated().map { $0.offset * 5 + $0.element }
        let r = Tensor.randn([3, 8], generator: &g)
        let full = Tensor.gatherRows(block(x, causal: causal).reshaped([15, 8]), rows)
        let fullGrads = gradients(block, full, r), fullDx = x.grad!.data
        x.zeroGrad(); block.zeroGrad()
        let pooled = block.pooled(x, at: positions, causal: causal)
        #expect(pooled.shape == [3, 8])
        #expect(zip(pooled.data, full.data).allSatisfy { abs($0 - $1) <= 1e-5 }, "\(pooled) vs \(full)")
        expectSame(gradients(block, pooled, r), fullGrads, "block")
        #expect(zip(x.grad!.data, fullDx).allSatisfy { abs($0 - $1) <= 1e-5 })
    }

    /// Both towers with their last block on the pooled rows only (the default) against the full last
    /// block: the same embeddings and parameter gradients.
    @Test func towersPooledInTheLastBlockEqualFullTowers() {
        let pruned = tower(seed: 4), full = tower(seed: 4)
        full.computesPooledRowsOnly = false
        var g = RandomGenerator(seed: 10)
        let r = Tensor.randn([3, 6], generator: &g)
        let a = pruned.encode(rows), b = full.encode(rows)
        #expect(zip(a.data, b.data).allSatisfy { abs($0 - $1) <= 1e-5 }, "\(a) vs \(b)")
        expectSame(gradients(pruned, a, r), gradients(full, b, r), "text")

        func vit() -> VisionTransformer {
            var g = RandomGenerator(seed: 5)
            return VisionTransformer(imageSize: 8, patchSize: 4, width: 8, layers: 2, heads: 2, mlpRatio: 2,
                                     embedDim: 6, generator: &g)
        }
        let vPruned = vit(), vFull = vit()
        vFull.computesPooledRowsOnly = false
        let images = Tensor.randn([3, 3, 8, 8], generator: &g)
        let va = vPruned.encode(images), vb = vFull.encode(images)
        #expect(zip(va.data, vb.data).allSatisfy { abs($0 - $1) <= 1e-5 }, "\(va) vs \(vb)")
        expectSame(gradients(vPruned, va, r), gradients(vFull, vb, r), "vision")
    }

    @Test func rowsByLengthSortByPositionAndNeverSplitAPosition() {
        #expect(TextTransformer.rowsByLength([3, 1, 2], groups: 4) == [[0, 1, 2]])      // too few rows: one group
        let distinct = (0..<64).map { ($0 * 37) % 64 }                                 // 64 different positions
        let equal = TextTransformer.rowsByLength(distinct, groups: 4)
        #expect(equal.count == 4 && equal.allSatisfy { $0.count == 16 })
        let positions = (0..<64).map { ($0 * 7) % 11 }                                 // each position ~6 times
        let groups = TextTransformer.rowsByLength(positions, groups: 4)
        #expect(groups.count == 4)
        #expect(groups.joined().sorted() == Array(0..<64))
        for g in groups { #expect(g.map { positions[$0] } == g.map { positions[$0] }.sorted()) }
        for (g, next) in zip(groups, groups.dropFirst()) {
            #expect(g.map { positions[$0] }.max()! < next.map { positions[$0] }.min()!)
        }
        // All rows of one length: one group.
        #expect(TextTransformer.rowsByLength([Int](repeating: 5, count: 64), groups: 4).count == 1)
    }

    /// A batch split into length groups (64 rows, EOTs spread over 1…11) gives the padded computation's
    /// embeddings, in the batch's order, and its gradients.
    @Test func lengthGroupedTextEncodingEqualsPadded() {
        var g = RandomGenerator(seed: 14)
        let batch: [[Int32]] = (0..<64).map { r in
            let eot = 1 + (r * 5) % 11
            return (0..<12).map { j in j < eot ? Int32(1 + g.nextInt(below: 27)) : (j == eot ? 29 : 0) }
        }
        let grouped = tower(seed: 6), padded = tower(seed: 6)
        padded.trimsPadding = false
        #expect(TextTransformer.rowsByLength(TextTransformer.poolingPositions(batch), groups: grouped.lengthGroups).count == 4)
        let a = grouped.encode(batch), b = padded.encode(batch)
        #expect(a.shape == [64, 6])
        #expect(zip(a.data, b.data).allSatisfy { abs($0 - $1) <= 1e-5 })
        let r = Tensor.randn([64, 6], generator: &g)
        expectSame(gradients(grouped, a, r), gradients(padded, b, r), "grouped text")
    }
}
