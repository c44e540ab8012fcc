import ALIP
import Foundation
import Tensor
import Testing

func randomBatch(_ b: Int, _ d: Int, seed: UInt64) -> EncodedBatch {
    EncodedBatch(image: features(b, d, seed: seed), texts: ["raw": features(b, d, seed: seed + 1), "caption": features(b, d, seed: seed + 2)],
                 logitScale: Tensor(Float(Foundation.log(3.0)), requiresGrad: true))
}

@Suite struct ObjectiveTests {
    @Test func clipIsMeanInfoNCEOnOnePath() throws {
        let b = randomBatch(6, 4, seed: 10)
        let r = try CLIPObjective().loss(b)
        let ref = referencePerSample(b.image, b.texts["raw"]!, scale: 3)
        #expect(close(Double(r.total.item), ref.reduce(0, +) / 6))
        #expect(r.perPath.keys.sorted() == ["raw"] && r.sampleWeights == nil)
        let onCaption = try CLIPObjective(path: "caption").loss(b)
        #expect(close(Double(onCaption.total.item), referencePerSample(b.image, b.texts["caption"]!, scale: 3).reduce(0, +) / 6))
    }

    @Test func alipWithoutGatesIsTheSumOfCLIPLosses() throws {
        let b = randomBatch(5, 3, seed: 20)
        let r = try ALIPObjective(paths: ["raw", "caption"]).loss(b)
        let expected = [try CLIPObjective(path: "raw").loss(b), try CLIPObjective(path: "caption").loss(b)].reduce(0.0) { $0 + Double($1.total.item) }
        #expect(close(Double(r.total.item), expected))
        #expect(try ALIPObjective().state.isEmpty)
    }

    @Test func gatedLossUsesTheGateWeights() throws {
        let b = randomBatch(6, 4, seed: 30)
        let obj = try ALIPObjective(sampleGate: LanguageConsistencyGate(), pairGate: DescriptionConsistencyGate())
        #expect(obj.textFields == ["raw", "caption"])
        let r = try obj.loss(b)
        // The same weights from fresh gates, applied by hand.
        let lcg = LanguageConsistencyGate(), dcg = DescriptionConsistencyGate()
        let ws = lcg.weigh(GateInput(batch: b, paths: ["raw", "caption"]))
        let wp = dcg.weigh(GateInput(batch: b, paths: ["raw", "caption"], consistency: ws.consistency))
        var expected = 0.0
        for p in ["raw", "caption"] {
            let ref = referencePerSample(b.image, b.texts[p]!, scale: 3)
            let w = zip(ws.sample!, wp.pair[p]!).map { Double($0) * Double($1) }
            let lp = zip(w, ref).reduce(0.0) { $0 + $1.0 * $1.1 } / 6
            #expect(close(Double(r.perPath[p]!), lp))
            #expect(close(r.stats["weight.\(p).mean"]!, w.reduce(0, +) / 6))
            expected += lp
        }
        #expect(close(Double(r.total.item), expected))
        #expect(r.sampleWeights! == ws.sample!)
        #expect(r.stats["gate.sample.ema_text_caption"] == lcg.state["ema_text_caption"])
        #expect(r.stats["gate.pair.ema_image_raw"] == dcg.state["ema_image_raw"])
        #expect(close(r.stats["logit_scale_exp"]!, 3))
    }

    @Test func noGradientFlowsThroughTheWeights() throws {
        // The objective's gradient equals that of Σ w·ℓ / N with the weights frozen as constants; a
        // gradient through the gates would differ.
        let b = randomBatch(5, 3, seed: 40)
        let obj = try ALIPObjective(paths: ["raw"], sampleGate: LanguageConsistencyGate(emaInit: 0), pairGate: DescriptionConsistencyGate(emaInit: 0, condition: .always))
        let r = try obj.loss(b)
        r.total.backward()
        let gImage = b.image.grad!.data, gCaption = b.texts["caption"]?.grad
        #expect(gCaption == nil)   // the caption only feeds the gates
        let frozen = randomBatch(5, 3, seed: 40)
        let w = zip(r.sampleWeights!, DescriptionConsistencyGate(emaInit: 0, condition: .always)
            .weigh(GateInput(batch: frozen, paths: ["raw"])).pair["raw"]!).map { $0 * $1 }
        AdaptiveInfoNCELoss().loss(image: frozen.image, text: frozen.texts["raw"]!, logitScale: frozen.logitScale, weights: w).loss.backward()
        #expect(zip(gImage, frozen.image.grad!.data).allSatisfy { close(Double($0), Double($1), rel: 1e-5, abs: 1e-7) })
    }

    @Test func stateSavesAndResumesExactly() throws {
        func make() throws -> ALIPObjective {
            try ALIPObjective(sampleGate: LanguageConsistencyGate(), pairGate: DescriptionConsistencyGate())
        }
        let a = try make()
        #expect(a.state.keys.sorted() == ["pair.ema_image_caption", "pair.ema_image_raw", "pair.ema_text_caption", "sample.ema_text_caption"])
        _ = try a.loss(randomBatch(4, 3, seed: 50))
        let saved = a.state
        #expect(saved["sample.ema_text_caption"]! < 1)
        let resumed = try make()
        try resumed.restoreState(saved)
        let next = randomBatch(4, 3, seed: 60)
        let la = try a.loss(next), lb = try resumed.loss(next)
        #expect(la.total.item == lb.total.item)
        #expect(a.state == resumed.state)
        let e = #expect(throws: ObjectiveError.self) { try make().restoreState(["sample.ema_text_caption": 0.5]) }
        #expect(e?.description.contains("pair.ema_image_raw") == true)
    }

    @Test func missingFieldsAndBadCombinationsThrow() throws {
        var b = randomBatch(4, 3, seed: 70)
        b.texts.removeValue(forKey: "caption")
        let lcgOnRaw = try ALIPObjective(paths: ["raw"], sampleGate: LanguageConsistencyGate())
        #expect(lcgOnRaw.textFields == ["raw", "caption"])
        let e = #expect(throws: ObjectiveError.self) { try lcgOnRaw.loss(b) }
        #expect(e?.description.contains("no text field 'caption'") == true)
        #expect(throws: ObjectiveError.self) { try ALIPObjective(sampleGate: LanguageConsistencyGate(), loss: InfoNCELoss()) }
        #expect(throws: ObjectiveError.self) { try ALIPObjective(paths: []) }
        #expect(throws: ObjectiveError.self) { try ALIPObjective(paths: ["raw", "raw"]) }
        #expect(throws: Never.self) { try ALIPObjective(loss: InfoNCELoss()) }
    }
}
