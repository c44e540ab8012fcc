import ALIP
import Foundation
import Tensor
import Testing

/// ℓ_i by plain loops in double precision: (CE(row i) + CE(column i)) / 2 of exp(s)·V Pᵀ.
func referencePerSample(_ v: Tensor, _ p: Tensor, scale: Double) -> [Double] {
    let b = v.shape[0], d = v.shape[1]
    var l = [[Double]](repeating: [Double](repeating: 0, count: b), count: b)
    for i in 0..<b { for j in 0..<b {
        var s = 0.0
        for k in 0..<d { s += Double(v.data[i * d + k]) * Double(p.data[j * d + k]) }
        l[i][j] = scale * s
    } }
    func ce(_ row: [Double], _ t: Int) -> Double {
        let mx = row.max()!
        return -(row[t] - mx - Foundation.log(row.reduce(0) { $0 + Foundation.exp($1 - mx) }))
    }
    return (0..<b).map { i in (ce(l[i], i) + ce((0..<b).map { l[$0][i] }, i)) / 2 }
}

@Suite struct LossTests {
    @Test func infoNCEMatchesReference() {
        let v = features(5, 4, seed: 1), t = features(5, 4, seed: 2), s = Tensor(Float(Foundation.log(10.0)), requiresGrad: true)
        let out = InfoNCELoss().loss(image: v, text: t, logitScale: s, weights: nil)
        let ref = referencePerSample(v, t, scale: 10)
        #expect(close(out.perSample, ref))
        #expect(close(Double(out.loss.item), ref.reduce(0, +) / 5))
    }

    @Test func adaptiveNormalisations() {
        let v = features(4, 3, seed: 3), t = features(4, 3, seed: 4), s = Tensor(Float(0.5), requiresGrad: true)
        let ref = referencePerSample(v, t, scale: Foundation.exp(0.5))
        let w: [Float] = [1, 0.5, 0, 2]
        let mean = AdaptiveInfoNCELoss().loss(image: v, text: t, logitScale: s, weights: w)
        let wsum = zip(w, ref).reduce(0.0) { $0 + Double($1.0) * $1.1 }
        #expect(close(Double(mean.loss.item), wsum / 4))
        let wm = AdaptiveInfoNCELoss(normalize: .weightedMean).loss(image: v, text: t, logitScale: s, weights: w)
        #expect(close(Double(wm.loss.item), wsum / 3.5))
        let one = AdaptiveInfoNCELoss(normalize: .weightedMean).loss(image: v, text: t, logitScale: s, weights: [0, 0, 3, 0])
        #expect(close(Double(one.loss.item), ref[2]))
        let zero = AdaptiveInfoNCELoss(normalize: .weightedMean).loss(image: v, text: t, logitScale: s, weights: [0, 0, 0, 0])
        #expect(zero.loss.item == 0)
        let plain = AdaptiveInfoNCELoss().loss(image: v, text: t, logitScale: s, weights: nil)
        #expect(close(Double(plain.loss.item), ref.reduce(0, +) / 4))
    }

    @Test(arguments: [AdaptiveInfoNCELoss.Normalization.mean, .weightedMean])
    func gradientsMatchFiniteDifferences(_ norm: AdaptiveInfoNCELoss.Normalization) {
        let v = features(4, 3, seed: 5), t = features(4, 3, seed: 6), s = Tensor(Float(0.7), requiresGrad: true)
        let w: [Float] = [0.3, 1, 0.1, 1.7]
        let loss = AdaptiveInfoNCELoss(normalize: norm)
        let f = { loss.loss(image: v, text: t, logitScale: s, weights: w).loss.item }
        loss.loss(image: v, text: t, logitScale: s, weights: w).loss.backward()
        for x in [v, t, s] {
            let numeric = withoutGradients { numericGradient(of: x, f) }
            #expect(gradientsAgree(x.grad!.data, numeric), "\(x.shape): \(x.grad!.data) vs \(numeric)")
        }
    }
}
