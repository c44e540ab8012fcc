import Foundation
import Testing
import Tensor
@testable import NN

/// The fixture tiny-a's model shape (`config` attribute of tiny-a.h5).
let tinyAConfigJSON = """
{"seed": 1234, "batch": 8, "quick_gelu": false, "embed_dim": 64, "vision": {"image_size": 32, "patch_size": 8, \
"width": 64, "layers": 2, "head_width": 32, "mlp_ratio": 4}, "text": {"context_length": 16, "vocab_size": 1000, \
"width": 64, "layers": 2, "heads": 2}}
"""

func tinyAConfig() throws -> CLIPConfig {
    try JSONDecoder().decode(CLIPConfig.self, from: Data(tinyAConfigJSON.utf8))
}

/// A small model for fast tests.
func smallModel(seed: UInt64 = 1, quickGelu: Bool = false) -> DualEncoder {
    let config = CLIPConfig(embedDim: 8, quickGelu: quickGelu,
                            vision: .init(imageSize: 8, patchSize: 4, width: 8, layers: 1, headWidth: 4, mlpRatio: 2),
                            text: .init(contextLength: 6, vocabSize: 20, width: 8, layers: 1, heads: 2, mlpRatio: 2))
    var g = RandomGenerator(seed: seed)
    return DualEncoder(config: config, generator: &g)
}

private func std(_ t: Tensor) -> Double {
    let n = Double(t.count)
    let mean = t.data.reduce(0.0) { $0 + Double($1) } / n
    return (t.data.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n).squareRoot()
}

@Suite("Models")
struct ModelTests {
    @Test func configDecodesTheFixtureAttribute() throws {
        let c = try tinyAConfig()
        #expect(c.embedDim == 64 && !c.quickGelu)
        #expect(c.vision == .init(imageSize: 32, patchSize: 8, width: 64, layers: 2, headWidth: 32, mlpRatio: 4))
        #expect(c.vision.heads == 2)
        #expect(c.text == .init(contextLength: 16, vocabSize: 1000, width: 64, layers: 2, heads: 2))
        try c.validate()
        var bad = c
        bad.text.heads = 3
        #expect(throws: CLIPConfigError.self) { try bad.validate() }
        do { try bad.validate() } catch let e as CLIPConfigError { #expect(e.key == "text.heads") }
    }

    @Test func tinyANamesShapesAndCountMatchOpenCLIP() throws {
        var g = RandomGenerator(seed: 0)
        let m = DualEncoder(config: try tinyAConfig(), generator: &g)
        let params = m.namedParameters()
        let shapes = Dictionary(uniqueKeysWithValues: params.map { ($0.name, $0.tensor.shape) })
        #expect(params.count == 62 && shapes.count == 62)           // no duplicate names
        #expect(m.parameterCount == 286_977)                         // Σ sizes of tiny-a.h5 /params
        #expect(shapes["visual.conv1.weight"] == [64, 3, 8, 8])
        #expect(shapes["visual.class_embedding"] == [64])
        #expect(shapes["visual.positional_embedding"] == [17, 64])
        #expect(shapes["visual.proj"] == [64, 64])
        #expect(shapes["visual.ln_post.bias"] == [64])
        #expect(shapes["visual.transformer.resblocks.1.attn.in_proj_weight"] == [192, 64])
        #expect(shapes["visual.transformer.resblocks.0.mlp.c_proj.weight"] == [64, 256])
        #expect(shapes["token_embedding.weight"] == [1000, 64])
        #expect(shapes["positional_embedding"] == [16, 64])
        #expect(shapes["transformer.resblocks.1.ln_2.weight"] == [64])
        #expect(shapes["ln_final.weight"] == [64])
        #expect(shapes["text_projection"] == [64, 64])
        #expect(shapes["logit_scale"] == [])
        #expect(!shapes.keys.contains { $0.contains("attn_mask") })
        #expect(abs(Double(m.logitScale.item) - Foundation.log(1 / 0.07)) < 1e-6)
    }

    @Test func trainAndEvalReachEveryModule() {
        let m = smallModel()
        m.eval()
        #expect(m.namedModules().allSatisfy { !$0.module.isTraining })
        #expect(m.namedModules().contains { $0.name == "visual.transformer.resblocks.0.attn" })
        m.train()
        #expect(m.namedModules().allSatisfy { $0.module.isTraining })
    }

    @Test func sameSeedSameModelDifferentSeedDifferent() {
        let a = smallModel(seed: 5), b = smallModel(seed: 5), c = smallModel(seed: 6)
        #expect(zip(a.parameters(), b.parameters()).allSatisfy { $0.data == $1.data })
        #expect(zip(a.parameters(), c.parameters()).contains { $0.data != $1.data })
    }

    @Test func eotPoolingPicksTheArgmaxPosition() {
        #expect(TextTransformer.poolingPositions([[18, 3, 19, 0, 0], [18, 19, 0, 0, 0], [5, 5, 5, 5, 5]]) == [2, 1, 0])
        let m = smallModel()
        let text = m.text as! TextTransformer
        // with the causal mask, tokens after the EOT cannot change the pooled feature; tokens before it do
        let base: [[Int32]] = [[18, 4, 7, 19, 0, 0]]
        let after: [[Int32]] = [[18, 4, 7, 19, 12, 3]]
        let before: [[Int32]] = [[18, 4, 8, 19, 0, 0]]
        let f = text.encode(base)
        #expect(f.shape == [1, 8])
        #expect(text.encode(after).data == f.data)
        #expect(text.encode(before).data != f.data)
        // a shorter row (the first T positions) pools the same EOT state
        #expect(zip(text.encode([[18, 4, 7, 19]]).data, f.data).allSatisfy { abs($0 - $1) < 1e-6 })
        // the pooled feature is ln_final of the EOT token's state, projected (not, say, the last token's)
        let moved: [[Int32]] = [[18, 4, 19, 7, 0, 0]]
        #expect(text.encode(moved).data != f.data)
    }

    @Test func encodersProduceNormalisedFeaturesAndLogits() {
        let m = smallModel()
        var g = RandomGenerator(seed: 3)
        let img = Tensor.randn([3, 3, 8, 8], generator: &g)
        let v = m.encodeImage(img, normalize: true)
        let t = m.encodeText([[18, 1, 19, 0, 0, 0], [18, 2, 3, 19, 0, 0], [18, 19, 0, 0, 0, 0]], normalize: true)
        #expect(v.shape == [3, 8] && t.shape == [3, 8])
        for r in 0..<3 {
            #expect(abs(v.data[(r * 8)..<(r * 8 + 8)].reduce(0) { $0 + $1 * $1 } - 1) < 1e-5)
            #expect(abs(t.data[(r * 8)..<(r * 8 + 8)].reduce(0) { $0 + $1 * $1 } - 1) < 1e-5)
        }
        let logits = m.logits(v, t)
        let s = Foundation.exp(Double(m.logitScale.item))
        var dot = 0.0
        for j in 0..<8 { dot += Double(v.data[8 + j]) * Double(t.data[2 * 8 + j]) }
        #expect(abs(Double(logits.data[1 * 3 + 2]) - s * dot) < 1e-4)
        // unnormalised features differ from normalised ones
        #expect(m.encodeImage(img, normalize: false).data != v.data)
    }

    @Test func visionAcceptsAnyImageSizeDivisibleByThePatch() {
        var g = RandomGenerator(seed: 1)
        let vit = VisionTransformer(imageSize: 12, patchSize: 4, width: 8, layers: 1, heads: 2, embedDim: 5, generator: &g)
        #expect(vit.positionalEmbedding.shape == [10, 8])
        #expect(vit.encode(Tensor.randn([2, 3, 12, 12], generator: &g)).shape == [2, 5])
    }

    @Test func initStatisticsFollowOpenCLIP() throws {
        var g = RandomGenerator(seed: 42)
        let m = DualEncoder(config: try tinyAConfig(), generator: &g)
        let p = Dictionary(uniqueKeysWithValues: m.namedParameters().map { ($0.name, $0.tensor) })
        func expectStd(_ name: String, _ expected: Double, _ tol: Double = 0.06) {
            let s = std(p[name]!)
            #expect(abs(s - expected) / expected < tol, "\(name): std \(s), expected \(expected)")
        }
        let w = 64.0
        // text tower: TextTransformer.init_parameters
        expectStd("token_embedding.weight", 0.02)
        expectStd("positional_embedding", 0.01)
        expectStd("transformer.resblocks.0.attn.in_proj_weight", 1 / w.squareRoot())
        expectStd("transformer.resblocks.1.attn.out_proj.weight", 1 / w.squareRoot() / 2, 0.08)   // (2·layers)^-0.5 = 1/2
        expectStd("transformer.resblocks.0.mlp.c_fc.weight", 1 / (2 * w).squareRoot())
        expectStd("transformer.resblocks.0.mlp.c_proj.weight", 1 / w.squareRoot() / 2)
        expectStd("text_projection", 1 / w.squareRoot())
        // vision tower: scale·randn for the embeddings and proj, PyTorch defaults elsewhere
        expectStd("visual.positional_embedding", 1 / w.squareRoot())
        expectStd("visual.proj", 1 / w.squareRoot())
        expectStd("visual.conv1.weight", 1 / (3.0 * 64 * 3).squareRoot())                  // U(±1/√192)
        expectStd("visual.transformer.resblocks.0.attn.in_proj_weight", (6 / 256.0).squareRoot() / 3.0.squareRoot())
        expectStd("visual.transformer.resblocks.0.mlp.c_fc.weight", 1 / (3 * w).squareRoot())
        expectStd("visual.transformer.resblocks.0.mlp.c_proj.weight", 1 / (3 * 256.0).squareRoot())
        expectStd("visual.transformer.resblocks.0.attn.out_proj.weight", 1 / (3 * w).squareRoot())
        #expect(p["visual.transformer.resblocks.0.attn.out_proj.bias"]!.data.allSatisfy { $0 == 0 })
        #expect(p["transformer.resblocks.0.attn.in_proj_bias"]!.data.allSatisfy { $0 == 0 })
        #expect(p["ln_final.weight"]!.data.allSatisfy { $0 == 1 } && p["visual.ln_pre.bias"]!.data.allSatisfy { $0 == 0 })
        #expect(p["transformer.resblocks.0.mlp.c_fc.bias"]!.data.allSatisfy { abs($0) <= 1 / 8 })
        #expect(p.values.allSatisfy { $0.requiresGrad })
    }

    // MARK: gradients through whole towers

    @Test func visionTowerGradients() {
        let m = smallModel()
        let vit = m.visual as! VisionTransformer
        var g = RandomGenerator(seed: 8)
        let img = Tensor.randn([2, 3, 8, 8], generator: &g, requiresGrad: true)
        GradientCheck.check(vit.conv1Weight) { vit.encode(img) }
        GradientCheck.check(vit.classEmbedding) { vit.encode(img) }
        GradientCheck.check(vit.positionalEmbedding) { vit.encode(img) }
        GradientCheck.check(vit.proj) { vit.encode(img) }
        GradientCheck.check(vit.lnPre.weight) { vit.encode(img) }
        GradientCheck.check(img) { vit.encode(img) }
    }

    @Test func textTowerGradients() {
        let m = smallModel(quickGelu: true)
        let text = m.text as! TextTransformer
        let tokens: [[Int32]] = [[18, 4, 7, 19, 0, 0], [18, 19, 0, 0, 0, 0]]
        // rows 4, 7, 18, 19 and 0 are used; sample every element of the used rows through the table
        // the embeddings are small (std 0.02 and 0.01) and feed a layer norm: a smaller step keeps the
        // central difference in its linear range
        GradientCheck.check(text.tokenEmbedding.weight, samples: 60, eps: 1e-3) { text.encode(tokens) }
        GradientCheck.check(text.positionalEmbedding, samples: 48, eps: 2e-4) { text.encode(tokens) }
        GradientCheck.check(text.transformer.resblocks[0].attn.inProjWeight) { text.encode(tokens) }
        GradientCheck.check(text.lnFinal.bias) { text.encode(tokens) }
        GradientCheck.check(text.textProjection) { text.encode(tokens) }
    }

    @Test func logitScaleGradient() {
        let m = smallModel()
        var g = RandomGenerator(seed: 9)
        let img = Tensor.randn([2, 3, 8, 8], generator: &g)
        let tokens: [[Int32]] = [[18, 4, 19, 0, 0, 0], [18, 5, 6, 19, 0, 0]]
        GradientCheck.check(m.logitScale, eps: 1e-3) {
            m.logits(m.encodeImage(img, normalize: true), m.encodeText(tokens, normalize: true))
        }
    }
}
