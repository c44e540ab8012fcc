import ALIP
import Foundation
import Tensor
import Testing

/// A 3-sample batch with hand-picked unit vectors: s = ⟨t, c⟩ = [1, 0, 0], ⟨t, v⟩ = [1, 0.8, 0],
/// ⟨c, v⟩ = [1, 0.6, 1].
func handBatch(corrupted: [Bool]? = nil) -> EncodedBatch {
    EncodedBatch(image: rows([[1, 0], [0.6, 0.8], [0, 1]]),
                 texts: ["raw": rows([[1, 0], [0, 1], [1, 0]]), "caption": rows([[1, 0], [1, 0], [0, 1]])],
                 logitScale: Tensor(Float(Foundation.log(2.0)), requiresGrad: true), corrupted: corrupted)
}

@Suite struct LanguageConsistencyGateTests {
    @Test func weightsFollowTheFormula() {
        let gate = LanguageConsistencyGate()
        let out = gate.weigh(GateInput(batch: handBatch(), paths: ["raw"]))
        let m = 0.99 * 1.0 + 0.01 * (1.0 / 3)
        let r = [1.0, 0, 0].map { Foundation.pow(Foundation.exp($0 - m), 2) }
        #expect(close(gate.state["ema_text_caption"]!, m, rel: 1e-12))
        #expect(close(out.consistency!, r))
        #expect(r[0] > 1)
        #expect(close(out.sample!, r.map { Swift.min(1, $0) }))
        #expect(out.pair.isEmpty)
        #expect(close(out.stats["weight.max"]!, 1))
    }

    @Test func emaAccumulatesOverBatches() {
        let gate = LanguageConsistencyGate(momentum: 0.9, emaInit: 0.5)
        _ = gate.weigh(GateInput(batch: handBatch(), paths: ["raw"]))
        _ = gate.weigh(GateInput(batch: handBatch(), paths: ["raw"]))
        let m1 = 0.9 * 0.5 + 0.1 / 3, m2 = 0.9 * m1 + 0.1 / 3
        #expect(close(gate.state["ema_text_caption"]!, m2, rel: 1e-12))
    }

    @Test func capGammaAndInitAreParameters() {
        let uncapped = LanguageConsistencyGate(emaInit: 0, gamma: 3, cap: nil)
        let out = uncapped.weigh(GateInput(batch: handBatch(), paths: ["raw"]))
        let m = 0.01 / 3
        #expect(close(out.sample!, [1.0, 0, 0].map { Foundation.exp(3 * ($0 - m)) }))
        #expect(out.sample![0] > 1)
    }

    @Test func corruptedSamplesAreSummarised() {
        let out = LanguageConsistencyGate().weigh(GateInput(batch: handBatch(corrupted: [false, true, true]), paths: ["raw"]))
        #expect(close(out.stats["weight.clean_mean"]!, 1))
        #expect(out.stats["weight.corrupted_mean"]! < 0.2)
    }
}

@Suite struct DescriptionConsistencyGateTests {
    @Test func actsOnlyWhereTextIsBelowMean() {
        let gate = DescriptionConsistencyGate()
        gate.prepare(paths: ["raw", "caption"])
        let out = gate.weigh(GateInput(batch: handBatch(), paths: ["raw", "caption"]))
        let mvt = 0.99 + 0.01 * (1.8 / 3), mvc = 0.99 + 0.01 * (2.6 / 3)
        // sample 0 has r ≥ 1 (raw text agrees with caption): weight 1
        #expect(close(out.pair["raw"]!, [1, Foundation.exp(2 * (0.8 - mvt)), Foundation.exp(2 * (0 - mvt))]))
        #expect(close(out.pair["caption"]!, [1, Foundation.exp(2 * (0.6 - mvc)), Foundation.exp(2 * (1 - mvc))]))
        #expect(out.pair["caption"]![2] > 1)   // uncapped: above its running mean, an active pair weighs more than 1
        #expect(close(gate.state["ema_image_raw"]!, mvt, rel: 1e-12))
        #expect(close(gate.state["ema_image_caption"]!, mvc, rel: 1e-12))
        #expect(close(out.stats["active_fraction"]!, 2.0 / 3))
        #expect(out.sample == nil)
    }

    @Test func uncappedWeightsExceedOne() {
        // ema_init 0, condition always: ⟨t, v⟩ = 1 is far above the mean, so the weight is > 1 (the code's quirk).
        let gate = DescriptionConsistencyGate(emaInit: 0, condition: .always)
        let out = gate.weigh(GateInput(batch: handBatch(), paths: ["raw"]))
        let m = 0.01 * 0.6
        #expect(close(out.pair["raw"]!, [1.0, 0.8, 0].map { Foundation.exp(2 * ($0 - m)) }))
        #expect(out.pair["raw"]![0] > 1.5)
        #expect(gate.requiredFields.isEmpty)
        let capped = DescriptionConsistencyGate(emaInit: 0, cap: 1, condition: .always)
        #expect(capped.weigh(GateInput(batch: handBatch(), paths: ["raw"])).pair["raw"]![0] == 1)
    }

    @Test func ownEMAMatchesTheSampleGatesRatio() {
        // Alone, DCG keeps its own text–caption EMA; with the defaults it decides exactly as with LCG's ratio.
        let alone = DescriptionConsistencyGate(emaInit: 0.2)
        let withLCG = DescriptionConsistencyGate(emaInit: 0.2), lcg = LanguageConsistencyGate(emaInit: 0.2)
        for _ in 0..<3 {
            let a = alone.weigh(GateInput(batch: handBatch(), paths: ["raw"]))
            let r = lcg.weigh(GateInput(batch: handBatch(), paths: ["raw"])).consistency
            let b = withLCG.weigh(GateInput(batch: handBatch(), paths: ["raw"], consistency: r))
            #expect(a.pair["raw"]! == b.pair["raw"]!)
        }
        #expect(alone.state == withLCG.state)
        #expect(close(alone.state["ema_text_caption"]!, lcg.state["ema_text_caption"]!, rel: 1e-12))
    }

    @Test func stateSetAndGet() {
        let gate = DescriptionConsistencyGate()
        gate.prepare(paths: ["raw", "caption"])
        #expect(gate.state == ["ema_image_raw": 1, "ema_image_caption": 1, "ema_text_caption": 1])
        gate.state = ["ema_image_raw": 0.25, "ema_image_caption": 0.5, "ema_text_caption": 0.75]
        #expect(gate.state == ["ema_image_raw": 0.25, "ema_image_caption": 0.5, "ema_text_caption": 0.75])
        #expect(NoGate().state.isEmpty)
    }
}
