import Components
import Foundation
import Tensor

/// A CLIP-style dual encoder: an image tower, ONE text tower (shared by raw text and captions in ALIP),
/// and a learnable temperature `logit_scale` (shape `[]`, init ln(1/0.07)).
///
/// Parameter names follow open_clip's `CLIP.state_dict()`: the image tower under `visual.`, the text
/// tower at the root (`token_embedding.weight`, `positional_embedding`, `transformer.resblocks.0.…`,
/// `ln_final.*`, `text_projection`), and `logit_scale`. Registered as `dual-encoder` (slot `.model`).
public final class DualEncoder: Module, Component {
    public static let typeName = "dual-encoder"
    public static let summary = "CLIP dual encoder: image tower, one shared text tower, learnable logit scale"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("embed_dim", .int, default: .int(512), range: 1...65536, doc: "width of the joint embedding space"),
        ParameterSpec("image", .component(.encoder), default: nil, doc: "the image tower (for example {type: vit})"),
        ParameterSpec("text", .component(.encoder), default: nil, doc: "the text tower (for example {type: text-transformer})"),
        ParameterSpec("quick_gelu", .bool, default: .bool(false), doc: "QuickGELU (OpenAI CLIP) instead of exact GELU in both towers"),
        ParameterSpec("logit_scale_init", .float, default: .double(Foundation.log(1 / 0.07)), range: -100...100,
                      doc: "initial logit_scale (the logits use exp of it); ln(1/0.07) as CLIP"),
    ]

    /// The image tower (`visual.*`).
    public let visual: any ImageEncoder
    /// The text tower (at the root of the names).
    public let text: any TextEncoder
    /// `[]`; the logits are `exp(logit_scale) · V Tᵀ`.
    public let logitScale: Tensor
    public var isTraining = true

    /// Width of the joint embedding.
    public var embedDim: Int { visual.outputDim }

    /// A model from given towers (their output widths must agree).
    public init(visual: any ImageEncoder, text: any TextEncoder, logitScaleInit: Float = Float(Foundation.log(1 / 0.07))) {
        precondition(visual.outputDim == text.outputDim,
                     "DualEncoder: image embedding \(visual.outputDim) != text embedding \(text.outputDim)")
        self.visual = visual
        self.text = text
        logitScale = Tensor(logitScaleInit, requiresGrad: true)
    }

    /// The open_clip `CLIP` model of `config` (a ViT and a text transformer), initialised as open_clip
    /// does, drawing the image tower first, then the text tower, from `generator`.
    public convenience init(config: CLIPConfig, generator: inout RandomGenerator,
                            logitScaleInit: Float = Float(Foundation.log(1 / 0.07))) {
        let act: Activation = config.quickGelu ? .quickGelu : .gelu
        let v = config.vision, t = config.text
        let visual = VisionTransformer(imageSize: v.imageSize, patchSize: v.patchSize, width: v.width, layers: v.layers,
                                       heads: v.heads, mlpRatio: v.mlpRatio, embedDim: config.embedDim,
                                       activation: act, generator: &generator)
        let text = TextTransformer(contextLength: t.contextLength, vocabSize: t.vocabSize, width: t.width, layers: t.layers,
                                   heads: t.heads, mlpRatio: t.mlpRatio, embedDim: config.embedDim,
                                   activation: act, generator: &generator)
        self.init(visual: visual, text: text, logitScaleInit: logitScaleInit)
    }

    /// Builds the model from a recipe: publishes the facts `embed_dim` and `quick_gelu` (0/1), then
    /// builds `image` and `text` from the `.encoder` slot.
    public convenience init(config: ComponentConfig, context: BuildContext) throws {
        let embedDim = config.int("embed_dim")
        context.facts["embed_dim"] = embedDim
        context.facts["quick_gelu"] = config.bool("quick_gelu") ? 1 : 0
        let prefix = config.path.isEmpty ? "" : config.path + "."
        guard let imageValue = config.component("image") else {
            throw ComponentError(path: prefix + "image", "an image tower is required (for example {type: vit})")
        }
        guard let textValue = config.component("text") else {
            throw ComponentError(path: prefix + "text", "a text tower is required (for example {type: text-transformer})")
        }
        let visual = try context.build(.encoder, imageValue, path: prefix + "image", as: (any ImageEncoder).self)
        let text = try context.build(.encoder, textValue, path: prefix + "text", as: (any TextEncoder).self)
        guard visual.outputDim == embedDim else {
            throw ComponentError(path: prefix + "image.embed_dim",
                                 "the image tower outputs \(visual.outputDim) features but the model's embed_dim is \(embedDim)")
        }
        guard text.outputDim == embedDim else {
            throw ComponentError(path: prefix + "text.embed_dim",
                                 "the text tower outputs \(text.outputDim) features but the model's embed_dim is \(embedDim)")
        }
        self.init(visual: visual, text: text, logitScaleInit: config.float("logit_scale_init"))
    }

    public func visit(_ v: ParameterVisitor) {
        v.child("visual", visual)
        v.inline(text)
        v.param("logit_scale", logitScale)
    }

    /// Image embeddings `[B, embed]` of `[B, C, H, W]` images, L2-normalised per row when `normalize`.
    public func encodeImage(_ images: Tensor, normalize: Bool) -> Tensor {
        let f = visual.encode(images)
        return normalize ? f.l2Normalized() : f
    }

    /// Text embeddings `[B, embed]` of token rows (raw text or captions: one shared tower),
    /// L2-normalised per row when `normalize`.
    public func encodeText(_ tokens: [[Int32]], normalize: Bool) -> Tensor {
        let f = text.encode(tokens)
        return normalize ? f.l2Normalized() : f
    }

    /// `exp(logit_scale)`, shape `[]`, in the graph.
    public var logitScaleExp: Tensor { logitScale.exp() }

    /// `exp(logit_scale) · A Bᵀ` for `[N, embed]` and `[M, embed]` features → `[N, M]` (CLIP's
    /// `logits_per_image` for A = images, B = texts).
    public func logits(_ a: Tensor, _ b: Tensor) -> Tensor {
        Tensor.matmul(a, b, transposeB: true) * logitScaleExp
    }
}
