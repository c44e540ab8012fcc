import ALIP
import Checkpoint
import Foundation
import Tensor
import TestSupport
import Testing

/// The authors' step on the reference features (fixtures/README.md): gates, losses, EMAs and the
/// gradient of `logit_scale`, with the expected features fed as leaves.
@Suite struct MethodParityTests {
    /// 1e-4 relative with a 1e-6 absolute floor.
    static func agree(_ a: [Float], _ b: [Float]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= Swift.max(1e-6, 1e-4 * Swift.max(Swift.abs($0), Swift.abs($1))) }
    }
    static func agree(_ a: Double, _ b: Float) -> Bool { agree([Float(a)], [b]) }

    struct Fixture {
        let file: HDF5File
        init(_ name: String) throws { file = try HDF5File(reading: FixturePaths.file(name)) }
        func expected(_ k: String) throws -> Tensor { try file.tensor("/expected/" + k) }
        func batch() throws -> EncodedBatch {
            func leaf(_ k: String) throws -> Tensor { let t = try expected(k); return Tensor(shape: t.shape, data: t.data, requiresGrad: true) }
            let scale = Float(Foundation.log(Double(try expected("logit_scale_exp").item)))
            return EncodedBatch(image: try leaf("image_features"),
                                texts: ["raw": try leaf("raw_features"), "caption": try leaf("caption_features")],
                                logitScale: Tensor(scale, requiresGrad: true))
        }
    }

    @Test(arguments: ["tiny-a.h5", "tiny-128.h5"])
    func gatesMatchTheAuthorsCode(_ name: String) throws {
        let f = try Fixture(name), b = try f.batch()
        let lcg = LanguageConsistencyGate(), dcg = DescriptionConsistencyGate()
        let s = lcg.weigh(GateInput(batch: b, paths: ["raw", "caption"]))
        let p = dcg.weigh(GateInput(batch: b, paths: ["raw", "caption"], consistency: s.consistency))
        #expect(Self.agree(s.consistency!, try f.expected("lcg_ratio").data))
        #expect(Self.agree(s.sample!, try f.expected("weight_sample").data))
        #expect(Self.agree(p.pair["raw"]!, try f.expected("weight_raw").data))
        #expect(Self.agree(p.pair["caption"]!, try f.expected("weight_caption").data))
        #expect(Self.agree(lcg.state["ema_text_caption"]!, try f.expected("momentum_tc").item))
        #expect(Self.agree(dcg.state["ema_image_raw"]!, try f.expected("momentum_vt").item))
        #expect(Self.agree(dcg.state["ema_image_caption"]!, try f.expected("momentum_vc").item))
        // Alone, DCG's own text–caption EMA reproduces the same weights.
        let alone = DescriptionConsistencyGate().weigh(GateInput(batch: b, paths: ["raw", "caption"]))
        #expect(Self.agree(alone.pair["raw"]!, try f.expected("weight_raw").data))
    }

    @Test(arguments: ["tiny-a.h5", "tiny-128.h5"])
    func lossesAndLogitScaleGradientMatch(_ name: String) throws {
        let f = try Fixture(name), b = try f.batch()
        let obj = try ALIPObjective(paths: ["raw", "caption"], sampleGate: LanguageConsistencyGate(), pairGate: DescriptionConsistencyGate())
        let r = try obj.loss(b)
        #expect(Self.agree([r.perPath["raw"]!], try f.expected("loss_raw").data))
        #expect(Self.agree([r.perPath["caption"]!], try f.expected("loss_caption").data))
        #expect(Self.agree([r.total.item], try f.expected("loss_alip").data))
        #expect(Self.agree(obj.state["sample.ema_text_caption"]!, try f.expected("momentum_tc").item))
        #expect(Self.agree(obj.state["pair.ema_image_raw"]!, try f.expected("momentum_vt").item))
        #expect(Self.agree(obj.state["pair.ema_image_caption"]!, try f.expected("momentum_vc").item))
        r.total.backward()
        #expect(Self.agree(b.logitScale.grad!.data, try f.file.tensor("/grads/logit_scale").data))

        let per = AdaptiveInfoNCELoss().loss(image: b.image, text: b.texts["raw"]!, logitScale: b.logitScale, weights: nil)
        #expect(Self.agree(per.perSample, try f.expected("per_sample_loss_raw").data))
        let perC = AdaptiveInfoNCELoss().loss(image: b.image, text: b.texts["caption"]!, logitScale: b.logitScale, weights: nil)
        #expect(Self.agree(perC.perSample, try f.expected("per_sample_loss_caption").data))
        let clip = try CLIPObjective().loss(try f.batch())
        #expect(Self.agree([clip.total.item], try f.expected("loss_clip").data))
    }
}
