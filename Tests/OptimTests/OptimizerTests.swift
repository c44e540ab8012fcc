import Foundation
import Optim
import Tensor
import Testing

/// Relative closeness with a small absolute floor.
func close(_ a: Double, _ b: Double, rel: Double = 1e-6, abs floor: Double = 1e-12) -> Bool {
    Swift.abs(a - b) <= Swift.max(floor, rel * Swift.max(Swift.abs(a), Swift.abs(b)))
}

func param(_ name: String, _ shape: [Int], _ data: [Float], grad: [Float]? = nil) -> (name: String, tensor: Tensor) {
    let t = Tensor(shape: shape, data: data, requiresGrad: true)
    if let grad { t.grad = Tensor(shape: shape, data: grad) }
    return (name, t)
}

@Suite struct AdamWTests {
    @Test func firstStepMatchesHandComputedUpdate() {
        // Step 1: m̂ = g, v̂ = g², so θ₁ = θ₀(1 − lr·λ) − lr·g/(|g| + ε).
        let opt = AdamW(lr: 0.1, betas: (0.9, 0.98), eps: 1e-6, weightDecay: 0.5)
        let p = param("w", [2, 2], [1, -2, 3, 0.5], grad: [0.2, -4, 1e-3, 0])
        opt.step([p])
        let expected: [Double] = zip([1, -2, 3, 0.5] as [Double], [0.2, -4, 1e-3, 0] as [Double]).map { x, g in
            x * (1 - 0.1 * 0.5) - 0.1 * g / (Swift.abs(g) + 1e-6)
        }
        for (a, b) in zip(p.tensor.data, expected) { #expect(close(Double(a), b, rel: 1e-6)) }
    }

    @Test func secondStepUsesBiasCorrection() {
        // Two steps of g = 1 then g = 3 with β = (0.5, 0.75), λ = 0, ε = 0: hand-computed.
        let opt = AdamW(lr: 1, betas: (0.5, 0.75), eps: 0, weightDecay: 0)
        let p = param("w", [1], [0], grad: [1])
        opt.step([p])
        #expect(close(Double(p.tensor.data[0]), -1))
        p.tensor.grad = Tensor(shape: [1], data: [3])
        opt.step([p])
        // m = 0.5·0.5 + 0.5·3 = 1.75, v = 0.75·0.25 + 0.25·9 = 2.4375; m̂ = 1.75/0.75, v̂ = 2.4375/0.4375
        let mhat = 1.75 / 0.75, vhat = 2.4375 / 0.4375
        #expect(close(Double(p.tensor.data[0]), -1 - mhat / vhat.squareRoot(), rel: 1e-6))
    }

    @Test func decayAloneShrinksParameters() {
        let opt = AdamW(lr: 0.01, weightDecay: 0.1)
        let p = param("w", [3], [1, 2, -4], grad: [0, 0, 0])
        opt.step([p])
        #expect(p.tensor.data == [1, 2, -4].map { $0 * Float(1 - 0.01 * 0.1) })
    }

    @Test func parametersWithoutGradientAreSkipped() {
        let opt = AdamW(lr: 0.1)
        let p = param("w", [2], [1, 2])
        opt.step([p])
        #expect(p.tensor.data == [1, 2])
        #expect(opt.stateTensors().isEmpty)
    }

    @Test func minimisesAQuadratic() {
        let opt = AdamW(lr: 0.05, betas: (0.9, 0.99), weightDecay: 0)
        let target: [Float] = [3, -1, 0.5]
        let p = param("x", [3], [0, 0, 0])
        for _ in 0..<600 {
            p.tensor.grad = Tensor(shape: [3], data: zip(p.tensor.data, target).map { $0 - $1 })
            opt.step([p])
        }
        for (a, b) in zip(p.tensor.data, target) { #expect(Swift.abs(a - b) < 1e-2) }
    }

    @Test func exclusionFollowsOpenCLIPNames() {
        #expect(AdamW.isExcludedFromDecay(name: "logit_scale", shape: []))
        #expect(AdamW.isExcludedFromDecay(name: "visual.transformer.resblocks.0.ln_1.weight", shape: [64]))
        #expect(AdamW.isExcludedFromDecay(name: "visual.transformer.resblocks.0.attn.in_proj_bias", shape: [192]))
        #expect(AdamW.isExcludedFromDecay(name: "token_embedding.weight", shape: [1000, 64]))
        #expect(AdamW.isExcludedFromDecay(name: "positional_embedding", shape: [16, 64]))
        #expect(!AdamW.isExcludedFromDecay(name: "visual.conv1.weight", shape: [64, 3, 8, 8]))
        #expect(!AdamW.isExcludedFromDecay(name: "text_projection", shape: [64, 64]))
        #expect(!AdamW.isExcludedFromDecay(name: "transformer.resblocks.1.mlp.c_fc.weight", shape: [256, 64]))

        let off = AdamW(lr: 0.1, weightDecay: 0.5), on = AdamW(lr: 0.1, weightDecay: 0.5, excludeFromDecay: true)
        #expect(off.decay(for: "ln_final.weight", shape: [64]) == 0.5)
        #expect(on.decay(for: "ln_final.weight", shape: [64]) == 0)
        #expect(on.decay(for: "text_projection", shape: [64, 64]) == 0.5)
        let a = param("ln_final.bias", [1], [2], grad: [0]), b = param("ln_final.bias", [1], [2], grad: [0])
        off.step([a]); on.step([b])
        #expect(a.tensor.data[0] < 2)
        #expect(b.tensor.data[0] == 2)
    }

    @Test func beta1IsReadPerStep() {
        let a = AdamW(lr: 0.1, betas: (0.9, 0.98)), b = AdamW(lr: 0.1, betas: (0.9, 0.98))
        let pa = param("w", [1], [0], grad: [1]), pb = param("w", [1], [0], grad: [1])
        a.step([pa]); b.step([pb])
        b.beta1 = 0.5
        pa.tensor.grad = Tensor(shape: [1], data: [-2]); pb.tensor.grad = Tensor(shape: [1], data: [-2])
        a.step([pa]); b.step([pb])
        #expect(pa.tensor.data[0] != pb.tensor.data[0])
    }

    @Test func stateRoundTripsAndResumesExactly() throws {
        let shapes: [(String, [Int])] = [("visual.proj", [2, 3]), ("logit_scale", [])]
        var gen = RandomGenerator(seed: 7)
        func makeParams() -> NamedParameters { shapes.map { ($0.0, Tensor.zeros($0.1, requiresGrad: true)) } }
        let grads = (0..<5).map { _ in shapes.map { Tensor.randn($0.1, generator: &gen) } }
        let a = AdamW(lr: 0.01, betas: (0.9, 0.98), eps: 1e-6, weightDecay: 0.1), pa = makeParams()
        for s in 0..<3 { for (p, g) in zip(pa, grads[s]) { p.tensor.grad = g }; a.step(pa) }
        let saved = a.stateTensors()
        #expect(saved["visual.proj/exp_avg"]?.shape == [2, 3])
        #expect(saved["logit_scale/step"]?.item == 3)
        let b = AdamW(lr: 0.01, betas: (0.9, 0.98), eps: 1e-6, weightDecay: 0.1), pb = makeParams()
        for (p, q) in zip(pb, pa) { p.tensor.data = q.tensor.data }
        #expect(a.stateByParameter()["visual.proj"]?.keys.sorted() == ["exp_avg", "exp_avg_sq", "step"])
        try b.loadState(byParameter: a.stateByParameter(), parameters: pb)
        #expect(b.stateTensors().keys.sorted() == saved.keys.sorted())
        for s in 3..<5 {
            for (p, g) in zip(pa, grads[s]) { p.tensor.grad = g }; a.step(pa)
            for (p, g) in zip(pb, grads[s]) { p.tensor.grad = g }; b.step(pb)
        }
        for (p, q) in zip(pa, pb) { #expect(p.tensor.data == q.tensor.data) }
    }

    @Test func mismatchedStateIsReportedByName() {
        let opt = AdamW()
        let params: NamedParameters = [("visual.proj", Tensor.zeros([2, 3]))]
        let bad: [String: Tensor] = [
            "visual.proj/exp_avg": Tensor.zeros([3, 2]), "visual.proj/exp_avg_sq": Tensor.zeros([2, 3]),
            "visual.proj/step": Tensor(1), "text_projection/step": Tensor(1),
        ]
        let error = #expect(throws: OptimizerStateError.self) { try opt.loadStateTensors(bad, parameters: params) }
        let text = error?.description ?? ""
        #expect(text.contains("visual.proj/exp_avg") && text.contains("[3, 2]"))
        #expect(text.contains("no parameter 'text_projection'"))
        #expect(error?.problems.count == 2)
    }
}

@Suite struct SGDTests {
    @Test func momentumMatchesHandComputedSteps() {
        let opt = SGD(lr: 0.1, momentum: 0.9)
        let p = param("w", [1], [1], grad: [1])
        opt.step([p])                                   // b = 1
        #expect(close(Double(p.tensor.data[0]), 0.9, rel: 1e-6))
        opt.step([p])                                   // b = 0.9 + 1 = 1.9
        #expect(close(Double(p.tensor.data[0]), 0.9 - 0.19, rel: 1e-6))
    }

    @Test func nesterovAndWeightDecay() {
        let opt = SGD(lr: 0.1, momentum: 0.5, nesterov: true, weightDecay: 0.1)
        let p = param("w", [1], [2], grad: [1])
        opt.step([p])   // g = 1 + 0.2 = 1.2, b = 1.2, g ← 1.2 + 0.5·1.2 = 1.8
        #expect(close(Double(p.tensor.data[0]), 2 - 0.18, rel: 1e-6))
        let plain = SGD(lr: 0.5)
        let q = param("w", [2], [1, 1], grad: [2, -2])
        plain.step([q])
        #expect(q.tensor.data == [0, 2])
        #expect(plain.stateTensors().isEmpty)
    }

    @Test func stateRoundTrips() throws {
        let a = SGD(lr: 0.1, momentum: 0.9)
        let p = param("w", [2], [1, 2], grad: [1, -1])
        a.step([p])
        let b = SGD(lr: 0.1, momentum: 0.9)
        try b.loadStateTensors(a.stateTensors(), parameters: [p])
        #expect(b.stateTensors()["w/momentum_buffer"]?.data == [1, -1])
    }
}

@Suite struct ClippingTests {
    @Test func clipsToMaxNormAndReturnsNormBefore() {
        let a = param("a", [2], [0, 0], grad: [3, 4]), b = param("b", [1], [0], grad: [12])
        let none = param("c", [1], [0])
        let norm = clipGradNorm([a, b, none], maxNorm: 1)
        #expect(close(Double(norm), 13, rel: 1e-7))
        let coef = 1 / (13 + 1e-6)
        #expect(close(Double(a.tensor.grad!.data[1]), 4 * coef, rel: 1e-6))
        #expect(close(Double(b.tensor.grad!.data[0]), 12 * coef, rel: 1e-6))
        #expect(close(Double(gradNorm([a, b])), 1, rel: 1e-5))
        #expect(none.tensor.grad == nil)
    }

    @Test func leavesSmallGradientsAlone() {
        let a = param("a", [2], [0, 0], grad: [0.3, 0.4])
        #expect(close(Double(clipGradNorm([a], maxNorm: 1)), 0.5, rel: 1e-7))
        #expect(a.tensor.grad!.data == [0.3, 0.4])
    }

    @Test func clampsLogitScale() {
        let hi = Tensor(5.0), lo = Tensor(-0.5), mid = Tensor(2.5)
        clampLogitScale(hi); clampLogitScale(lo); clampLogitScale(mid)
        #expect(close(Double(hi.item), Foundation.log(100), rel: 1e-7))
        #expect(lo.item == 0)
        #expect(mid.item == 2.5)
        let params: NamedParameters = [("visual.proj", Tensor(9)), ("logit_scale", Tensor(9))]
        #expect(clampLogitScale(in: params))
        #expect(params[0].tensor.item == 9 && params[1].tensor.item == maxLogitScale)
    }
}
