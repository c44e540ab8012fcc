import Foundation
import Testing
import Tensor
@testable import NN

/// A naive reference for multi-head self-attention with a packed `[3d, d]` projection, in Double.
private func referenceAttention(_ x: Tensor, _ m: MultiheadAttention, causal: Bool) -> [Double] {
    let (b, t, d) = (x.shape[0], x.shape[1], x.shape[2])
    let h = m.heads, dh = d / h
    let w = m.inProjWeight.data.map(Double.init), bias = m.inProjBias.data.map(Double.init)
    // qkv[b][t][j] = Σ_k x·W[j,k] + bias[j]
    var qkv = [Double](repeating: 0, count: b * t * 3 * d)
    for bi in 0..<b { for ti in 0..<t { for j in 0..<(3 * d) {
        var s = bias[j]
        for k in 0..<d { s += Double(x.data[(bi * t + ti) * d + k]) * w[j * d + k] }
        qkv[(bi * t + ti) * 3 * d + j] = s
    } } }
    var heads = [Double](repeating: 0, count: b * t * d)
    for bi in 0..<b { for hi in 0..<h { for i in 0..<t {
        var scores = [Double](repeating: -.infinity, count: t)
        for j in 0..<t where !(causal && j > i) {
            var s = 0.0
            for c in 0..<dh {
                s += qkv[(bi * t + i) * 3 * d + hi * dh + c] * qkv[(bi * t + j) * 3 * d + d + hi * dh + c]
            }
            scores[j] = s / Double(dh).squareRoot()
        }
        let mx = scores.max()!
        let e = scores.map { Foundation.exp($0 - mx) }
        let z = e.reduce(0, +)
        for c in 0..<dh {
            var s = 0.0
            for j in 0..<t { s += e[j] / z * qkv[(bi * t + j) * 3 * d + 2 * d + hi * dh + c] }
            heads[(bi * t + i) * d + hi * dh + c] = s
        }
    } } }
    let ow = m.outProj.weight.data.map(Double.init), ob = m.outProj.bias!.data.map(Double.init)
    var out = [Double](repeating: 0, count: b * t * d)
    for r in 0..<(b * t) { for j in 0..<d {
        var s = ob[j]
        for k in 0..<d { s += heads[r * d + k] * ow[j * d + k] }
        out[r * d + j] = s
    } }
    return out
}

private func maxRelativeError(_ a: [Float], _ b: [Double], floor: Double = 1e-6) -> Double {
    zip(a, b).map { abs(Double($0) - $1) / max(abs($1), floor) }.max() ?? 0
}

@Suite("Layers")
struct LayerTests {
    @Test func linearComputesXWTransposePlusBias() {
        let l = Linear(weight: Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6]), bias: Tensor(shape: [2], data: [0.5, -1]))
        let y = l(Tensor(shape: [1, 2, 3], data: [1, 0, -1, 2, 1, 0]))
        #expect(y.shape == [1, 2, 2])
        let expected: [Float] = [-1.5, -3, 4.5, 12]   // rows [1, 0, −1] and [2, 1, 0] times W rows, plus b
        #expect(y.data == expected)
        #expect(l.namedParameters().map(\.name) == ["weight", "bias"])
    }

    @Test func linearDefaultInitIsUniformWithinOneOverSqrtFanIn() {
        var g = RandomGenerator(seed: 3)
        let l = Linear(inFeatures: 64, outFeatures: 256, generator: &g)
        let bound: Float = 1 / 8
        #expect(l.weight.data.allSatisfy { abs($0) <= bound } && l.bias!.data.allSatisfy { abs($0) <= bound })
        // the variance of U(±b) is b²/3
        let v = l.weight.data.reduce(0) { $0 + $1 * $1 } / Float(l.weight.count)
        #expect(abs(v - bound * bound / 3) / (bound * bound / 3) < 0.05)
    }

    @Test func layerNormNormalisesWithEps1e5() {
        let ln = LayerNorm(4)
        #expect(ln.eps == 1e-5)
        let y = ln(Tensor(shape: [1, 4], data: [1, 2, 3, 4]))
        let mean = 2.5, variance = 1.25
        for (i, x) in [1.0, 2, 3, 4].enumerated() {
            #expect(abs(Double(y.data[i]) - (x - mean) / (variance + 1e-5).squareRoot()) < 1e-5)
        }
    }

    @Test(arguments: [false, true])
    func attentionMatchesNaiveReference(causal: Bool) {
        var g = RandomGenerator(seed: 11)
        let m = MultiheadAttention(width: 8, heads: 2, generator: &g)
        // non-zero biases so the packing of q, k and v in in_proj_bias is checked too
        m.inProjBias.data = Tensor.randn([24], std: 0.3, generator: &g).data
        m.outProj.bias!.data = Tensor.randn([8], std: 0.3, generator: &g).data
        let x = Tensor.randn([2, 5, 8], generator: &g)
        let y = m(x, causal: causal)
        #expect(y.shape == [2, 5, 8])
        #expect(maxRelativeError(y.data, referenceAttention(x, m, causal: causal), floor: 1e-3) < 1e-4)
    }

    @Test func causalMaskHidesTheFuture() {
        var g = RandomGenerator(seed: 5)
        let m = MultiheadAttention(width: 8, heads: 2, generator: &g)
        let x = Tensor.randn([1, 6, 8], generator: &g)
        let x2 = x.detached()
        for j in 0..<8 { x2.data[4 * 8 + j] += 1 }          // change position 4 only
        let a = m(x, causal: true), b = m(x2, causal: true)
        for i in 0..<(4 * 8) { #expect(a.data[i] == b.data[i], "position \(i / 8) saw the future") }
        #expect((32..<40).contains { a.data[$0] != b.data[$0] })
        // without the mask the earlier positions do see position 4
        let c = m(x, causal: false), d = m(x2, causal: false)
        #expect((0..<8).contains { c.data[$0] != d.data[$0] })
    }

    @Test func attentionNamesArePackedAsTorch() {
        var g = RandomGenerator(seed: 1)
        let m = MultiheadAttention(width: 16, heads: 4, generator: &g)
        #expect(m.namedParameters().map(\.name) == ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"])
        #expect(m.inProjWeight.shape == [48, 16] && m.inProjBias.shape == [48])
        #expect(m.inProjBias.data.allSatisfy { $0 == 0 } && m.outProj.bias!.data.allSatisfy { $0 == 0 })
        let bound = (6.0 / 64).squareRoot()   // Xavier uniform of [48, 16]
        #expect(m.inProjWeight.data.allSatisfy { Double(abs($0)) <= bound })
    }

    @Test func blockNamesFollowOpenCLIP() {
        var g = RandomGenerator(seed: 1)
        let t = Transformer(width: 8, layers: 2, heads: 2, generator: &g)
        let names = t.namedParameters().map(\.name)
        #expect(names.count == 24)
        #expect(names.prefix(12) == ["resblocks.0.ln_1.weight", "resblocks.0.ln_1.bias",
                                     "resblocks.0.attn.in_proj_weight", "resblocks.0.attn.in_proj_bias",
                                     "resblocks.0.attn.out_proj.weight", "resblocks.0.attn.out_proj.bias",
                                     "resblocks.0.ln_2.weight", "resblocks.0.ln_2.bias",
                                     "resblocks.0.mlp.c_fc.weight", "resblocks.0.mlp.c_fc.bias",
                                     "resblocks.0.mlp.c_proj.weight", "resblocks.0.mlp.c_proj.bias"])
        #expect(t.resblocks[0].mlp.cFc.weight.shape == [32, 8])
    }

    // MARK: gradients

    @Test func linearGradients() {
        var g = RandomGenerator(seed: 2)
        let l = Linear(inFeatures: 5, outFeatures: 3, generator: &g)
        let x = Tensor.randn([2, 4, 5], generator: &g, requiresGrad: true)
        GradientCheck.check(l.weight) { l(x) }
        GradientCheck.check(l.bias!) { l(x) }
        GradientCheck.check(x) { l(x) }
    }

    @Test func layerNormGradients() {
        var g = RandomGenerator(seed: 2)
        let ln = LayerNorm(6)
        ln.weight.data = Tensor.randn([6], mean: 1, std: 0.2, generator: &g).data
        let x = Tensor.randn([3, 6], generator: &g, requiresGrad: true)
        GradientCheck.check(ln.weight) { ln(x) }
        GradientCheck.check(ln.bias) { ln(x) }
        GradientCheck.check(x) { ln(x) }
    }

    @Test(arguments: [false, true])
    func attentionGradients(causal: Bool) {
        var g = RandomGenerator(seed: 4)
        let m = MultiheadAttention(width: 8, heads: 2, generator: &g)
        m.inProjBias.data = Tensor.randn([24], std: 0.3, generator: &g).data
        let x = Tensor.randn([2, 4, 8], generator: &g, requiresGrad: true)
        GradientCheck.check(m.inProjWeight) { m(x, causal: causal) }
        GradientCheck.check(m.inProjBias, samples: 24) { m(x, causal: causal) }
        GradientCheck.check(m.outProj.weight) { m(x, causal: causal) }
        GradientCheck.check(x) { m(x, causal: causal) }
    }

    @Test(arguments: [Activation.gelu, .quickGelu])
    func blockGradients(activation: Activation) {
        var g = RandomGenerator(seed: 6)
        let blk = ResidualAttentionBlock(width: 8, heads: 2, mlpRatio: 2, activation: activation, generator: &g)
        blk.ln1.weight.data = Tensor.randn([8], mean: 1, std: 0.2, generator: &g).data
        let x = Tensor.randn([2, 3, 8], generator: &g, requiresGrad: true)
        GradientCheck.check(blk.ln1.weight) { blk(x, causal: true) }
        GradientCheck.check(blk.ln2.bias) { blk(x, causal: true) }
        GradientCheck.check(blk.mlp.cFc.weight) { blk(x, causal: true) }
        GradientCheck.check(blk.mlp.cProj.bias!) { blk(x, causal: true) }
        GradientCheck.check(blk.attn.inProjWeight) { blk(x, causal: true) }
        GradientCheck.check(x) { blk(x, causal: true) }
    }
}
