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
            #expect(worst <= 1e-5, "\(name): gradients differ by \(worst)")
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
}
