import Testing
import Tensor
import TestSupport

/// Finite-difference checks of the fused NN ops and of the shape ops.
@Suite("Gradients: NN and shape ops")
struct GradCheckNNTests {
    @Test func layerNorm() {
        let x = randomInput([3, 5, 7], seed: 40)
        let w = randomInput([7], seed: 41), b = randomInput([7], seed: 42)
        let r = checkGradients([x, w, b]) { Tensor.layerNorm($0[0], weight: $0[1], bias: $0[2]) }
        #expect(r.passed, "\(r)")
        let x1 = randomInput([1, 4], scale: 3, seed: 43), w1 = randomInput([4], seed: 44), b1 = randomInput([4], seed: 45)
        let r1 = checkGradients([x1, w1, b1]) { Tensor.layerNorm($0[0], weight: $0[1], bias: $0[2], eps: 1e-3) }
        #expect(r1.passed, "\(r1)")
    }

    @Test(arguments: [false, true])
    func attention(_ causal: Bool) {
        let q = randomInput([2, 2, 5, 3], seed: 46), k = randomInput([2, 2, 5, 3], seed: 47)
        let v = randomInput([2, 2, 5, 3], seed: 48)
        let r = checkGradients([q, k, v]) { Tensor.attention($0[0], $0[1], $0[2], causal: causal) }
        #expect(r.passed, "causal \(causal): \(r)")
        let q3 = randomInput([1, 5, 4], seed: 49), k3 = randomInput([1, 5, 4], seed: 50), v3 = randomInput([1, 5, 4], seed: 51)
        let r3 = checkGradients([q3, k3, v3]) { Tensor.attention($0[0], $0[1], $0[2], causal: causal) }
        #expect(r3.passed, "[B·H, T, D] causal \(causal): \(r3)")
    }

    @Test(arguments: [Tensor.Reduction.none, .mean, .sum])
    func crossEntropy(_ reduction: Tensor.Reduction) {
        let logits = randomInput([5, 7], scale: 2, seed: 52)
        let targets = [3, 0, 6, 3, 1]
        let r = checkGradients([logits]) { Tensor.crossEntropy($0[0], targets: targets, reduction: reduction) }
        #expect(r.passed, "\(reduction): \(r)")
        let one = randomInput([1, 3], seed: 53)
        let r1 = checkGradients([one]) { Tensor.crossEntropy($0[0], targets: [2], reduction: reduction) }
        #expect(r1.passed, "batch 1 \(reduction): \(r1)")
    }

    @Test func l2Normalize() {
        let x = randomInput([3, 5, 7], seed: 54)
        let r = checkGradients([x]) { $0[0].l2Normalized() }
        #expect(r.passed, "\(r)")
        let small = randomInput([2, 3], scale: 0.2, seed: 55)
        let r2 = checkGradients([small]) { $0[0].l2Normalized() * 3 }
        #expect(r2.passed, "\(r2)")
    }

    @Test func patchEmbedTwoChannelsPatchThree() {
        let img = randomInput([2, 2, 6, 9], seed: 56), w = randomInput([4, 2, 3, 3], seed: 57)
        let r = checkGradients([img, w]) { Tensor.patchEmbed($0[0], weight: $0[1]) }
        #expect(r.passed, "\(r)")
        // weight only (the usual case: images need no gradient)
        let plain = randomTensor([1, 2, 3, 3], seed: 58)
        let r2 = checkGradients([plain, w]) { Tensor.patchEmbed($0[0], weight: $0[1]) }
        #expect(r2.passed, "\(r2)")
    }

    @Test func reshapePermuteTranspose() {
        let x = randomInput([3, 5, 7], seed: 59)
        let r1 = checkGradients([x]) { $0[0].reshaped([5, -1]) * $0[0].reshaped([5, 21]) }
        #expect(r1.passed, "\(r1)")
        let r2 = checkGradients([x]) { $0[0].permuted([2, 0, 1]).exp() }
        #expect(r2.passed, "\(r2)")
        let r3 = checkGradients([x]) { $0[0].transposed(0, 2) * $0[0].transposed(0, 2) }
        #expect(r3.passed, "\(r3)")
    }

    @Test func sliceConcatGatherRows() {
        let x = randomInput([3, 5, 7], seed: 60)
        let r1 = checkGradients([x]) { $0[0].slice(axis: 1, 1..<4).square() }
        #expect(r1.passed, "slice: \(r1)")
        let y = randomInput([3, 2, 7], seed: 61)
        let r2 = checkGradients([x, y]) { Tensor.concat([$0[1], $0[0], $0[1]], axis: 1) * 2 }
        #expect(r2.passed, "concat: \(r2)")
        let table = randomInput([6, 4], seed: 62)
        let r3 = checkGradients([table]) { Tensor.gatherRows($0[0], [5, 1, 5, 0, 5, 1]).square() }
        #expect(r3.passed, "gatherRows (repeated indices): \(r3)")
        table.zeroGrad()
        Tensor.gatherRows(table, [5, 1, 5]).sum().backward()
        #expect(table.grad!.data == [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2])
    }

    @Test func composedTransformerStep() {
        // a small block end to end: LN → QKV → causal attention → projection → GELU → mean loss
        let x = randomInput([2, 5, 4], seed: 63)
        let wq = randomInput([4, 12], scale: 0.5, seed: 64), lnw = randomInput([4], seed: 65), lnb = randomInput([4], seed: 66)
        let r = checkGradients([x, wq, lnw, lnb]) { t in
            let h = Tensor.layerNorm(t[0], weight: t[2], bias: t[3])
            let qkv = Tensor.matmul(h, t[1])                          // [2, 5, 12]
            let q = qkv.slice(axis: 2, 0..<4).reshaped([2, 5, 2, 2]).permuted([0, 2, 1, 3])
            let k = qkv.slice(axis: 2, 4..<8).reshaped([2, 5, 2, 2]).permuted([0, 2, 1, 3])
            let v = qkv.slice(axis: 2, 8..<12).reshaped([2, 5, 2, 2]).permuted([0, 2, 1, 3])
            let o = Tensor.attention(q, k, v, causal: true).permuted([0, 2, 1, 3]).reshaped([2, 5, 4])
            return (o + t[0]).gelu().mean(axes: [1])
        }
        #expect(r.passed, "\(r)")
    }
}
