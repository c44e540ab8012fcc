import ALIP
import Foundation
import Tensor
import Testing
import ThresholdGate

// MARK: - Helpers

/// A batch whose raw texts are all (1, 0) and whose captions are unit vectors with first coordinate
/// `s[i]`, so ⟨t_i, c_i⟩ = s_i (up to Float rounding of s_i). Images equal the captions.
private func batch(similarities s: [Double], corrupted: [Bool]? = nil) -> EncodedBatch {
    let raw: [Float] = s.flatMap { _ -> [Float] in [1, 0] }
    let caption: [Float] = s.flatMap { x -> [Float] in [Float(x), Float((1 - x * x).squareRoot())] }
    let n = s.count
    return EncodedBatch(image: Tensor(shape: [n, 2], data: caption),
                        texts: ["raw": Tensor(shape: [n, 2], data: raw), "caption": Tensor(shape: [n, 2], data: caption)],
                        logitScale: Tensor(Float(Foundation.log(10.0)), requiresGrad: true), corrupted: corrupted)
}

private func weigh(_ gate: QuantileThresholdGate, _ s: [Double], corrupted: [Bool]? = nil) -> GateOutput {
    gate.weigh(GateInput(batch: batch(similarities: s, corrupted: corrupted), paths: ["raw"]))
}

/// Random L2-normalised `[B, D]` rows, a leaf that requires gradients.
private func features(_ b: Int, _ d: Int, seed: UInt64) -> Tensor {
    var g = RandomGenerator(seed: seed)
    let x = Tensor.randn([b, d], generator: &g).l2Normalized()
    return Tensor(shape: x.shape, data: x.data, requiresGrad: true)
}

private func context(_ registry: Registry) -> BuildContext {
    BuildContext(registry: registry, baseDirectory: URL(fileURLWithPath: "/"), seed: 0)
}

private let registry = Registry.builtin.merging(alipPluginRegistry)

// MARK: - Weights

@Suite struct ThresholdWeightTests {
    @Test func dropsTheSamplesBelowTheQuantile() throws {
        // sorted s: [-0.6, 0, 0.6, 0.8, 1]; q = 0.3 → h = 1.2 → τ = 0 + 0.2·0.6 = 0.12.
        let s = [0.6, -0.6, 1, 0, 0.8]
        let out = weigh(QuantileThresholdGate(), s)
        #expect(out.sample == [1, 0, 1, 0, 1])
        #expect(out.pair.isEmpty)
        let tau = try #require(out.stats["threshold"])
        #expect(Swift.abs(tau - 0.12) < 1e-6)
        #expect(out.stats["kept_fraction"] == 0.6)
        let r = try #require(out.consistency)
        #expect(r[0] == 1 && r[2] == 1 && r[4] == 1)
        #expect(Swift.abs(Double(r[1]) - Foundation.exp(-0.6 - tau)) < 1e-6)
        #expect(Swift.abs(Double(r[3]) - Foundation.exp(0 - tau)) < 1e-6)
        #expect(r[1] < r[3] && r[3] < 1)
    }

    @Test func samplesTiedAtTheThresholdAreKept() {
        // q = 0.5 of [0, 0.6, 0.6, 0.6, 1] is exactly 0.6: all three ties stay.
        #expect(weigh(QuantileThresholdGate(quantile: 0.5), [0.6, 0, 0.6, 1, 0.6]).sample == [1, 0, 1, 1, 1])
        // Interpolating between two equal order statistics gives that value: ties stay too.
        #expect(weigh(QuantileThresholdGate(quantile: 0.5), [0.6, 1, 0, 0.6]).sample == [1, 1, 0, 1])
        // q = 1: only the maximum (and its ties) survive.
        #expect(weigh(QuantileThresholdGate(quantile: 1), [0.2, 0.9, 0.5, 0.9]).sample == [0, 1, 0, 1])
        // q = 0: nothing is dropped.
        #expect(weigh(QuantileThresholdGate(quantile: 0), [0.2, -0.9, 0.5]).sample == [1, 1, 1])
    }

    @Test func aBatchOfOneAndAnAllEqualBatchAreKept() {
        for q in [0.0, 0.3, 1.0] {
            let one = weigh(QuantileThresholdGate(quantile: q), [-0.5])
            #expect(one.sample == [1])
            #expect(one.consistency == [1])
            #expect(weigh(QuantileThresholdGate(quantile: q), [0.4, 0.4, 0.4, 0.4]).sample == [1, 1, 1, 1])
        }
        #expect(weigh(QuantileThresholdGate(), []).sample == [])
    }

    @Test func floorIsTheWeightOfDroppedSamples() {
        let out = weigh(QuantileThresholdGate(quantile: 0.5, floor: 0.25), [0.1, 0.9, 0.2, 0.8])
        #expect(out.sample == [0.25, 1, 0.25, 1])
        #expect(out.stats["weight.min"] == 0.25 && out.stats["weight.mean"] == 0.625)
    }

    @Test func corruptedSamplesAreSummarised() {
        let out = weigh(QuantileThresholdGate(quantile: 0.5), [0.1, 0.9, 0.2, 0.8], corrupted: [true, false, false, false])
        #expect(out.stats["weight.corrupted_mean"] == 0)
        #expect(Swift.abs(out.stats["weight.clean_mean"]! - 2.0 / 3) < 1e-12)
    }

    @Test func quantileInterpolatesLikeTorch() {
        // torch.quantile(tensor([3., 1., 4., 1., 5.]), q) for q = 0, 0.3, 0.5, 0.9, 1: 1, 1.4, 3, 4.6, 5 (numpy.quantile agrees).
        let x: [Double] = [3, 1, 4, 1, 5]
        let expected: [(Double, Double)] = [(0, 1), (0.3, 1.4), (0.5, 3), (0.9, 4.6), (1, 5)]
        for (q, v) in expected { #expect(Swift.abs(QuantileThresholdGate.quantile(x, q) - v) < 1e-12, "q = \(q)") }
    }
}

// MARK: - Warm-up and state

@Suite struct ThresholdStateTests {
    let s = [0.1, 0.9, 0.2, 0.8]

    @Test func warmUpKeepsEverySample() throws {
        let gate = QuantileThresholdGate(quantile: 0.5, warmupSteps: 2)
        for step in 1...2 {
            let out = weigh(gate, s)
            #expect(out.sample == [1, 1, 1, 1], "batch \(step)")
            #expect(out.consistency == [1, 1, 1, 1])
            #expect(out.stats["threshold"] == nil)
            #expect(out.stats["step"] == Double(step))
        }
        let third = weigh(gate, s)
        #expect(third.sample == [0, 1, 0, 1])
        #expect(gate.state == ["step": 3])
    }

    @Test func stateRoundTripResumesTheWarmUp() {
        let a = QuantileThresholdGate(quantile: 0.5, warmupSteps: 3)
        _ = weigh(a, s)
        _ = weigh(a, s)
        let b = QuantileThresholdGate(quantile: 0.5, warmupSteps: 3)
        b.state = a.state
        #expect(b.step == 2)
        #expect(weigh(b, s).sample == weigh(a, s).sample)   // third batch: still warming up
        let (wa, wb) = (weigh(a, s).sample, weigh(b, s).sample)
        #expect(wa == [0, 1, 0, 1] && wb == wa)
        // A fresh gate would still be warming up: the restored step is what makes the difference.
        #expect(weigh(QuantileThresholdGate(quantile: 0.5, warmupSteps: 3), s).sample == [1, 1, 1, 1])
    }

    @Test func unusableSavedStepsDoNotTrap() {
        let gate = QuantileThresholdGate()
        gate.state = ["step": -4]
        #expect(gate.step == 0)
        gate.state = ["step": .nan]
        #expect(gate.step == 0)
        gate.state = ["step": 7]
        gate.state = [:]   // keys not given are left as they are
        #expect(gate.step == 7)
    }

    @Test func objectiveStateRestoresThroughTheCheckpointKeys() throws {
        let value = ConfigValue.map(["type": .string("alip"),
                                     "gates": .map(["sample": .map(["type": .string("threshold-lcg"), "warmup_steps": .int(5)])])])
        let first: any Objective = try registry.make(.objective, value, path: "objective", context: context(registry))
        _ = try first.loss(EncodedBatch(image: features(4, 8, seed: 1), texts: ["raw": features(4, 8, seed: 2), "caption": features(4, 8, seed: 3)],
                                        logitScale: Tensor(0, requiresGrad: true)))
        #expect(first.state == ["sample.step": 1])
        let second: any Objective = try registry.make(.objective, value, path: "objective", context: context(registry))
        try second.restoreState(first.state)
        #expect(second.state == ["sample.step": 1])
        #expect(throws: ObjectiveError.self) { try second.restoreState(["sample.ema_text_caption": 0.5]) }
    }
}

// MARK: - Registry

@Suite struct ThresholdRegistryTests {
    @Test func isRegisteredWithItsOrigin() {
        #expect(registry.names(.gate).contains("threshold-lcg"))
        #expect(registry.lookup(.gate, "threshold-lcg") == QuantileThresholdGate.self)
        #expect(registry.origins["gate.threshold-lcg"] == "ThresholdGate")
        #expect(registry.origins["gate.lcg"] == "built-in")
        #expect(Registry.builtin.lookup(.gate, "threshold-lcg") == nil)
        for p in QuantileThresholdGate.parameters { #expect(!p.doc.isEmpty, "\(p.name)") }
    }

    @Test func buildsFromARecipeValue() throws {
        let gate: any Gate = try registry.make(.gate, .map(["type": .string("threshold-lcg"), "quantile": .double(0.5)]),
                                               path: "objective.gates.sample", context: context(registry))
        let t = try #require(gate as? QuantileThresholdGate)
        #expect(t.quantile == 0.5 && t.floor == 0 && t.warmupSteps == 0)
        #expect(t.requiredFields == ["raw", "caption"])
        let custom: any Gate = try registry.make(
            .gate, .map(["type": .string("threshold-lcg"), "quantile": .int(1), "floor": .double(0.1), "warmup_steps": .int(20),
                         "text_field": .string("alt"), "caption_field": .string("blip")]),
            path: "g", context: context(registry))
        let c = try #require(custom as? QuantileThresholdGate)
        #expect(c.quantile == 1 && c.floor == 0.1 && c.warmupSteps == 20 && c.requiredFields == ["alt", "blip"])
    }

    @Test(arguments: [
        ("quantile", ConfigValue.double(1.5), "objective.gates.sample.quantile"),
        ("quantile", ConfigValue.string("high"), "objective.gates.sample.quantile"),
        ("floor", ConfigValue.double(-0.1), "objective.gates.sample.floor"),
        ("warmup_steps", ConfigValue.int(-1), "objective.gates.sample.warmup_steps"),
        ("warmup_steps", ConfigValue.double(2.5), "objective.gates.sample.warmup_steps"),
        ("caption_field", ConfigValue.string("raw"), "objective.gates.sample.caption_field"),
        ("text_field", ConfigValue.string(""), "objective.gates.sample.text_field"),
    ])
    func aBadParameterThrowsNamingTheKey(key: String, value: ConfigValue, path: String) {
        do {
            let _: any Gate = try registry.make(.gate, .map(["type": .string("threshold-lcg"), key: value]),
                                                path: "objective.gates.sample", context: context(registry))
            Issue.record("\(key): \(value) was accepted")
        } catch let e as ComponentError {
            #expect(e.path == path)
            #expect(e.description.contains("threshold-lcg"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}

// MARK: - Inside ALIPObjective

@Suite struct ThresholdObjectiveTests {
    let n = 8, d = 16

    func objective(paths: [String]) throws -> any Objective {
        let value = ConfigValue.map([
            "type": .string("alip"), "paths": .list(paths.map { .string($0) }),
            "gates": .map(["sample": .map(["type": .string("threshold-lcg"), "quantile": .double(0.5)])]),
        ])
        return try registry.make(.objective, value, path: "objective", context: context(registry))
    }

    func randomBatch() -> EncodedBatch {
        EncodedBatch(image: features(n, d, seed: 11), texts: ["raw": features(n, d, seed: 12), "caption": features(n, d, seed: 13)],
                     logitScale: Tensor(Float(Foundation.log(10.0)), requiresGrad: true))
    }

    @Test func lossIsTheMeanOfTheKeptSamplesLosses() throws {
        let b = randomBatch()
        let result = try objective(paths: ["raw", "caption"]).loss(b)
        let w = try #require(result.sampleWeights)
        #expect(w.filter { $0 == 1 }.count == n / 2 && w.filter { $0 == 0 }.count == n / 2)
        var expected: Double = 0
        for p in ["raw", "caption"] {
            let per = withoutGradients { symmetricContrastiveLosses(image: b.image, text: b.texts[p]!, logitScale: b.logitScale).data }
            expected += zip(per, w).reduce(0.0) { $0 + Double($1.0 * $1.1) } / Double(n)
        }
        #expect(Swift.abs(Double(result.total.item) - expected) < 1e-5)
        #expect(result.stats["gate.sample.kept_fraction"] == 0.5)
        result.total.backward()
        #expect(b.logitScale.grad != nil && b.image.grad != nil)
    }

    @Test func perturbingADroppedSampleDoesNotChangeTheLoss() throws {
        // Path raw only: a sample's caption reaches the loss only through its gate weight.
        let b = randomBatch()
        let base = try objective(paths: ["raw"]).loss(b)
        let w = try #require(base.sampleWeights)
        let dropped = try #require(w.firstIndex(of: 0)), kept = try #require(w.firstIndex(of: 1))

        func withCaption(_ i: Int, pointingAt target: [Float]) -> EncodedBatch {
            var c = b.texts["caption"]!.data
            for j in 0..<d { c[i * d + j] = target[j] }
            var out = b
            out.texts["caption"] = Tensor(shape: [n, d], data: c)
            return out
        }
        let raw = b.texts["raw"]!.data
        let negRaw = (0..<d).map { -raw[dropped * d + $0] }        // s = −1: the least consistent possible
        let again = try objective(paths: ["raw"]).loss(withCaption(dropped, pointingAt: negRaw))
        #expect(again.sampleWeights == w)
        #expect(again.total.item == base.total.item)

        // Control: the same change to a kept sample drops it, and the loss moves.
        let negKept = (0..<d).map { -raw[kept * d + $0] }
        let moved = try objective(paths: ["raw"]).loss(withCaption(kept, pointingAt: negKept))
        #expect(moved.sampleWeights?[kept] == 0)
        #expect(Swift.abs(moved.total.item - base.total.item) > 1e-4)
    }
}
