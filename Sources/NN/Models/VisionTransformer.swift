import Components
import Tensor

/// The image tower of CLIP as open_clip's `VisionTransformer` (`pool_type='tok'`, learnable positions):
/// `conv1` patch embedding (no bias), `class_embedding` prepended, `positional_embedding` added,
/// `ln_pre`, the transformer, `ln_post` on the class token, then `x @ proj` (`proj` is `[width, embed]`).
///
/// Registered as `vit` (slot `.encoder`). Any image size divisible by the patch size works; the
/// positional table is sized for the image size given at construction.
public final class VisionTransformer: ImageEncoder, Component {
    public static let typeName = "vit"
    public static let summary = "Vision transformer image tower (open_clip VisionTransformer, class-token pooling)"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("image_size", .int, default: nil, range: 1...65536, optional: true,
                      doc: "input image side in pixels; null = the dataset's image_size"),
        ParameterSpec("patch_size", .int, default: .int(16), range: 1...1024, doc: "side of the square patches (conv1 kernel and stride)"),
        ParameterSpec("width", .int, default: .int(768), range: 1...65536, doc: "transformer width (token features)"),
        ParameterSpec("layers", .int, default: .int(12), range: 0...1024, doc: "number of residual attention blocks"),
        ParameterSpec("heads", .int, default: nil, range: 1...1024, optional: true,
                      doc: "attention heads; null = width / head_width"),
        ParameterSpec("head_width", .int, default: .int(64), range: 1...65536, doc: "features per head when heads is null"),
        ParameterSpec("mlp_ratio", .float, default: .double(4), range: 0.01...64, doc: "MLP hidden width / width"),
        ParameterSpec("embed_dim", .int, default: nil, range: 1...65536, optional: true,
                      doc: "output embedding width; null = the dual encoder's embed_dim"),
        ParameterSpec("quick_gelu", .bool, default: nil, optional: true,
                      doc: "QuickGELU instead of exact GELU; null = the dual encoder's quick_gelu"),
    ]

    /// `conv1.weight`, `[width, 3, P, P]`.
    public let conv1Weight: Tensor
    /// `[width]`.
    public let classEmbedding: Tensor
    /// `[grid² + 1, width]`.
    public let positionalEmbedding: Tensor
    /// Norm before the transformer.
    public let lnPre: LayerNorm
    /// The blocks.
    public let transformer: Transformer
    /// Norm of the pooled class token.
    public let lnPost: LayerNorm
    /// `[width, embed]`, used as `x @ proj`.
    public let proj: Tensor
    public var isTraining = true

    /// Image side in pixels (square images).
    public let imageSize: Int
    /// Patch side in pixels.
    public let patchSize: Int
    /// Transformer width.
    public var width: Int { classEmbedding.count }
    public var outputDim: Int { proj.shape[1] }

    /// A tower with open_clip's init: `class_embedding`, `positional_embedding` and `proj` from
    /// N(0, width⁻¹) (scale = width^-0.5), `conv1` and the blocks with PyTorch's defaults (open_clip's
    /// `VisionTransformer.init_parameters` leaves them), layer norms 1/0.
    public init(imageSize: Int, patchSize: Int, width: Int, layers: Int, heads: Int, mlpRatio: Double = 4,
                embedDim: Int, activation: Activation = .gelu, channels: Int = 3, generator: inout RandomGenerator) {
        precondition(patchSize > 0 && imageSize % patchSize == 0,
                     "VisionTransformer: image size \(imageSize) is not divisible by patch size \(patchSize)")
        precondition(heads > 0 && width % heads == 0, "VisionTransformer: width \(width) is not divisible by \(heads) heads")
        self.imageSize = imageSize
        self.patchSize = patchSize
        let grid = imageSize / patchSize
        let scale = 1 / Float(width).squareRoot()
        conv1Weight = Initialization.uniform([width, channels, patchSize, patchSize],
                                             bound: Initialization.defaultBound(fanIn: channels * patchSize * patchSize),
                                             generator: &generator)
        classEmbedding = Initialization.normal([width], std: scale, generator: &generator)
        positionalEmbedding = Initialization.normal([grid * grid + 1, width], std: scale, generator: &generator)
        lnPre = LayerNorm(width)
        transformer = Transformer(width: width, layers: layers, heads: heads, mlpRatio: mlpRatio,
                                  activation: activation, generator: &generator)
        lnPost = LayerNorm(width)
        proj = Initialization.normal([width, embedDim], std: scale, generator: &generator)
    }

    /// Builds the tower from a recipe: `image_size` and `embed_dim` default to the facts the dataset and
    /// the dual encoder publish; a missing fact or a width not divisible by the heads is a `ComponentError`.
    public convenience init(config: ComponentConfig, context: BuildContext) throws {
        let imageSize = try EncoderBuild.intOrFact(config, "image_size", fact: "image_size", context: context,
                                                   setBy: "dataset")
        let embedDim = try EncoderBuild.intOrFact(config, "embed_dim", fact: "embed_dim", context: context,
                                                  setBy: "dual-encoder model")
        let patch = config.int("patch_size"), width = config.int("width")
        guard patch > 0, imageSize % patch == 0 else {
            throw EncoderBuild.error(config, "patch_size", "image size \(imageSize) is not divisible by patch_size \(patch); "
                                     + "choose a patch size that divides it")
        }
        let heads: Int
        if let h = config.optionalInt("heads") {
            guard h > 0, width % h == 0 else {
                throw EncoderBuild.error(config, "heads", "width \(width) is not divisible by heads \(h)")
            }
            heads = h
        } else {
            let hw = config.int("head_width")
            guard hw > 0, width % hw == 0 else {
                throw EncoderBuild.error(config, "head_width", "width \(width) is not divisible by head_width \(hw); "
                                         + "set heads or a head_width that divides width")
            }
            heads = width / hw
        }
        var g = EncoderBuild.generator(seed: context.seed, path: config.path)
        self.init(imageSize: imageSize, patchSize: patch, width: width, layers: config.int("layers"), heads: heads,
                  mlpRatio: config.double("mlp_ratio"), embedDim: embedDim,
                  activation: EncoderBuild.activation(config, context: context), generator: &g)
    }

    public func visit(_ v: ParameterVisitor) {
        v.param("class_embedding", classEmbedding)
        v.param("positional_embedding", positionalEmbedding)
        v.param("proj", proj)
        v.param("conv1.weight", conv1Weight)
        v.child("ln_pre", lnPre)
        v.child("transformer", transformer)
        v.child("ln_post", lnPost)
    }

    /// Whether the last block computes only the class-token row (`Transformer.pooled`; default true).
    /// Exact: no other row of the last block's output reaches the embedding.
    public var computesPooledRowsOnly = true

    /// `[B, C, H, W]` (H = W = `imageSize`, already normalised) → `[B, embed]`, not L2-normalised.
    public func encode(_ images: Tensor) -> Tensor {
        precondition(images.rank == 4 && images.shape[1] == conv1Weight.shape[1]
                     && images.shape[2] == imageSize && images.shape[3] == imageSize,
                     "VisionTransformer: images \(images.shape) must be [B, \(conv1Weight.shape[1]), \(imageSize), \(imageSize)]")
        let b = images.shape[0], w = width
        let patches = Tensor.patchEmbed(images, weight: conv1Weight)                          // [B, L, W]
        let cls = classEmbedding.reshaped([1, 1, w]) + Tensor.zeros([b, 1, w])                // [B, 1, W]
        var x = Tensor.concat([cls, patches], axis: 1) + positionalEmbedding                  // [B, L+1, W]
        x = lnPre(x)
        // ln_post is per token, so applying it to the class token alone equals open_clip's order.
        let classToken = [Int](repeating: 0, count: b)
        let pooled = computesPooledRowsOnly ? transformer.pooled(x, at: classToken)
            : Transformer.rows(transformer(x), at: classToken)
        return Tensor.matmul(lnPost(pooled), proj)
    }

    /// `encode(images)`.
    public func callAsFunction(_ images: Tensor) -> Tensor { encode(images) }
}
