import Foundation
import Testing
import Tensor

@Suite("Op values")
struct OpValueTests {
    @Test func unaryValues() {
        let x = Tensor(shape: [4], data: [-2, -0.5, 0.5, 2])
        #expect(close(x.exp().data, x.data.map { Foundation.exp($0) }))
        #expect(close(x.tanh().data, x.data.map { Foundation.tanh($0) }))
        #expect(close(x.sigmoid().data, x.data.map { 1 / (1 + Foundation.exp(-$0)) }))
        #expect(x.relu().data == [0, 0, 0.5, 2] && x.square().data == [4, 0.25, 0.25, 4])
        let p = Tensor(shape: [3], data: [0.25, 1, 4])
        #expect(close(p.log().data, [Foundation.log(0.25), 0, Foundation.log(4)]))
        #expect(p.sqrt().data == [0.5, 1, 2])
        #expect(x.clamp(min: -1, max: 1).data == [-1, -0.5, 0.5, 1])
        #expect(x.clamp(min: 0).data == [0, 0, 0.5, 2])
    }

    @Test func geluMatchesTorch() {
        // torch.nn.functional.gelu(torch.tensor([-2., -0.5, 0.5, 2.])) and approximate QuickGELU x·σ(1.702x)
        let x = Tensor(shape: [4], data: [-2, -0.5, 0.5, 2])
        #expect(close(x.gelu().data, [-0.045500264, -0.15426877, 0.34573123, 1.9544997], atol: 1e-6))
        #expect(close(x.quickGelu().data, x.data.map { $0 / (1 + Foundation.exp(-1.702 * $0)) }))
        #expect(close(x.quickGelu().data, [-0.06434138, -0.14961156, 0.35038844, 1.9356586], atol: 1e-6))
    }

    @Test func softmaxRowsSumToOne() {
        let x = randomTensor([3, 7], seed: 1, scale: 3)
        let s = x.softmax()
        for r in 0..<3 {
            let row = Array(s.data[(r * 7)..<(r * 7 + 7)])
            #expect(abs(row.reduce(0, +) - 1) < 1e-6)
            let xr = x.data[(r * 7)..<(r * 7 + 7)]
            let z = xr.map { Foundation.exp(Double($0)) }.reduce(0, +)
            #expect(close(row, xr.map { Float(Foundation.exp(Double($0)) / z) }, atol: 1e-7))
        }
        #expect(close(x.logSoftmax().data, s.data.map { Foundation.log($0) }, atol: 1e-5))
        // large logits do not overflow
        let big = Tensor(shape: [1, 2], data: [1000, 1000]).softmax()
        #expect(big.data == [0.5, 0.5])
    }

    @Test func layerNormValues() {
        let x = Tensor(shape: [2, 4], data: [1, 2, 3, 4, -1, 0, 0, 1])
        let w = Tensor(shape: [4], data: [1, 2, 1, 1]), b = Tensor(shape: [4], data: [0, 0, 1, 0])
        let y = Tensor.layerNorm(x, weight: w, bias: b)
        // row 0: mean 2.5, var 1.25; row 1: mean 0, var 0.5
        let r0 = [1, 2, 3, 4].map { (Float($0) - 2.5) / (1.25 + 1e-5).squareRoot() }
        let r1 = [-1, 0, 0, 1].map { Float($0) / (0.5 + 1e-5).squareRoot() }
        let expect = [r0[0], 2 * r0[1], r0[2] + 1, r0[3], r1[0], 2 * r1[1], r1[2] + 1, r1[3]]
        #expect(close(y.data, expect))
    }

    @Test func attentionMatchesNaive() {
        let (b, t, d) = (2, 5, 3)
        let q = randomTensor([b, 1, t, d], seed: 2), k = randomTensor([b, 1, t, d], seed: 3)
        let v = randomTensor([b, 1, t, d], seed: 4)
        for causal in [false, true] {
            let o = Tensor.attention(q, k, v, causal: causal)
            var ref = [Float](repeating: 0, count: b * t * d)
            for bi in 0..<b { for i in 0..<t {
                var s = [Double](repeating: -.infinity, count: t)
                for j in 0..<t where !causal || j <= i {
                    var dot = 0.0
                    for c in 0..<d { dot += Double(q.data[(bi * t + i) * d + c] * k.data[(bi * t + j) * d + c]) }
                    s[j] = dot / Double(d).squareRoot()
                }
                let m = s.max()!
                let e = s.map { Foundation.exp($0 - m) }, z = e.reduce(0, +)
                for c in 0..<d {
                    var acc = 0.0
                    for j in 0..<t { acc += e[j] / z * Double(v.data[(bi * t + j) * d + c]) }
                    ref[(bi * t + i) * d + c] = Float(acc)
                }
            } }
            #expect(o.shape == q.shape)
            #expect(close(o.data, ref), "causal \(causal): max diff \(maxDiff(o.data, ref))")
        }
    }

    @Test func crossEntropyValues() {
        let logits = Tensor(shape: [2, 3], data: [1, 2, 3, 0, 0, 0])
        let per = Tensor.crossEntropy(logits, targets: [2, 1], reduction: .none)
        let l0 = Float(-(3 - Foundation.log(Foundation.exp(1.0) + Foundation.exp(2.0) + Foundation.exp(3.0))))
        let l1 = Float(Foundation.log(3.0))
        #expect(per.shape == [2] && close(per.data, [l0, l1]))
        #expect(close([Tensor.crossEntropy(logits, targets: [2, 1]).item], [(l0 + l1) / 2]))
        #expect(close([Tensor.crossEntropy(logits, targets: [2, 1], reduction: .sum).item], [l0 + l1]))
    }

    @Test func l2NormalizeValues() {
        let x = Tensor(shape: [2, 2], data: [3, 4, 0, 0])
        let y = x.l2Normalized()
        #expect(close(y.data, [0.6, 0.8, 0, 0]))
    }

    @Test func whereAndMaskedFill() {
        let a = Tensor(shape: [3], data: [1, 2, 3]), b = Tensor(shape: [3], data: [-1, -2, -3])
        #expect(Tensor.where([true, false, true], a, b).data == [1, -2, 3])
        #expect(a.maskedFill([false, true, false], -.infinity).data == [1, -.infinity, 3])
    }

    @Test func patchEmbedMatchesNaiveConv() {
        let (bs, c, h, w, o, p) = (2, 2, 6, 9, 4, 3)
        let img = randomTensor([bs, c, h, w], seed: 5), wt = randomTensor([o, c, p, p], seed: 6)
        let y = Tensor.patchEmbed(img, weight: wt)
        let gh = h / p, gw = w / p
        #expect(y.shape == [bs, gh * gw, o])
        var ref = [Float](repeating: 0, count: bs * gh * gw * o)
        for bi in 0..<bs { for py in 0..<gh { for px in 0..<gw { for oc in 0..<o {
            var s = 0.0
            for ch in 0..<c { for dy in 0..<p { for dx in 0..<p {
                s += Double(img.data[((bi * c + ch) * h + py * p + dy) * w + px * p + dx])
                    * Double(wt.data[((oc * c + ch) * p + dy) * p + dx])
            } } }
            ref[((bi * gh * gw) + py * gw + px) * o + oc] = Float(s)
        } } } }
        #expect(close(y.data, ref), "max diff \(maxDiff(y.data, ref))")
    }
}

@Suite("Matmul values")
struct MatmulValueTests {
    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func transposeFlags(_ ta: Bool, _ tb: Bool) {
        let (m, k, n) = (3, 5, 4)
        let a = randomTensor(ta ? [k, m] : [m, k], seed: 10), b = randomTensor(tb ? [n, k] : [k, n], seed: 11)
        let c = Tensor.matmul(a, b, transposeA: ta, transposeB: tb)
        let an = ta ? transposeArray(a.data, rows: k, cols: m) : a.data
        let bn = tb ? transposeArray(b.data, rows: n, cols: k) : b.data
        #expect(c.shape == [m, n])
        #expect(close(c.data, referenceMatmul(an, bn, m: m, k: k, n: n)))
    }

    @Test func foldedLeadingAxes() {
        let a = randomTensor([2, 3, 5], seed: 12), b = randomTensor([5, 4], seed: 13)
        let c = Tensor.matmul(a, b)
        #expect(c.shape == [2, 3, 4])
        #expect(close(c.data, referenceMatmul(a.data, b.data, m: 6, k: 5, n: 4)))
        let bt = randomTensor([4, 5], seed: 14)
        let ct = Tensor.matmul(a, bt, transposeB: true)
        #expect(close(ct.data, referenceMatmul(a.data, transposeArray(bt.data, rows: 4, cols: 5), m: 6, k: 5, n: 4)))
    }

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func batched(_ ta: Bool, _ tb: Bool) {
        let (bs, m, k, n) = (3, 2, 5, 4)
        let a = randomTensor(ta ? [bs, k, m] : [bs, m, k], seed: 15), b = randomTensor(tb ? [bs, n, k] : [bs, k, n], seed: 16)
        let c = Tensor.matmul(a, b, transposeA: ta, transposeB: tb)
        #expect(c.shape == [bs, m, n])
        for i in 0..<bs {
            var ai = Array(a.data[(i * m * k)..<((i + 1) * m * k)]), bi = Array(b.data[(i * k * n)..<((i + 1) * k * n)])
            if ta { ai = transposeArray(ai, rows: k, cols: m) }
            if tb { bi = transposeArray(bi, rows: n, cols: k) }
            #expect(close(Array(c.data[(i * m * n)..<((i + 1) * m * n)]), referenceMatmul(ai, bi, m: m, k: k, n: n)))
        }
    }

    @Test func emptyInnerExtentGivesZeros() {
        let c = Tensor.matmul(Tensor.zeros([2, 0]), Tensor.zeros([0, 3]))
        #expect(c.shape == [2, 3] && c.data == [Float](repeating: 0, count: 6))
    }
}
