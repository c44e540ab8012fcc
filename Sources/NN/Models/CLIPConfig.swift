/// A CLIP model's shape, as the parity fixtures' `config` attribute spells it (JSON, snake_case):
/// `{"embed_dim":64,"quick_gelu":false,"vision":{…},"text":{…}}`. Unknown keys (`seed`, `batch`) are ignored.
public struct CLIPConfig: Codable, Sendable, Equatable {
    /// The vision tower's shape.
    public struct Vision: Codable, Sendable, Equatable {
        public var imageSize: Int
        public var patchSize: Int
        public var width: Int
        public var layers: Int
        /// Features per head: heads = width / head_width.
        public var headWidth: Int
        public var mlpRatio: Double

        enum CodingKeys: String, CodingKey {
            case imageSize = "image_size", patchSize = "patch_size", width, layers
            case headWidth = "head_width", mlpRatio = "mlp_ratio"
        }

        public init(imageSize: Int, patchSize: Int, width: Int, layers: Int, headWidth: Int = 64, mlpRatio: Double = 4) {
            self.imageSize = imageSize
            self.patchSize = patchSize
            self.width = width
            self.layers = layers
            self.headWidth = headWidth
            self.mlpRatio = mlpRatio
        }

        /// Attention heads (width / head_width).
        public var heads: Int { width / Swift.max(headWidth, 1) }
    }

    /// The text tower's shape.
    public struct Text: Codable, Sendable, Equatable {
        public var contextLength: Int
        public var vocabSize: Int
        public var width: Int
        public var layers: Int
        public var heads: Int
        public var mlpRatio: Double

        enum CodingKeys: String, CodingKey {
            case contextLength = "context_length", vocabSize = "vocab_size", width, layers, heads
            case mlpRatio = "mlp_ratio"
        }

        public init(contextLength: Int, vocabSize: Int, width: Int, layers: Int, heads: Int, mlpRatio: Double = 4) {
            self.contextLength = contextLength
            self.vocabSize = vocabSize
            self.width = width
            self.layers = layers
            self.heads = heads
            self.mlpRatio = mlpRatio
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            contextLength = try c.decode(Int.self, forKey: .contextLength)
            vocabSize = try c.decode(Int.self, forKey: .vocabSize)
            width = try c.decode(Int.self, forKey: .width)
            layers = try c.decode(Int.self, forKey: .layers)
            heads = try c.decode(Int.self, forKey: .heads)
            mlpRatio = try c.decodeIfPresent(Double.self, forKey: .mlpRatio) ?? 4   // open_clip's CLIPTextCfg default
        }
    }

    public var embedDim: Int
    public var quickGelu: Bool
    public var vision: Vision
    public var text: Text

    enum CodingKeys: String, CodingKey {
        case embedDim = "embed_dim", quickGelu = "quick_gelu", vision, text
    }

    public init(embedDim: Int, quickGelu: Bool = false, vision: Vision, text: Text) {
        self.embedDim = embedDim
        self.quickGelu = quickGelu
        self.vision = vision
        self.text = text
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        embedDim = try c.decode(Int.self, forKey: .embedDim)
        quickGelu = try c.decodeIfPresent(Bool.self, forKey: .quickGelu) ?? false
        vision = try c.decode(Vision.self, forKey: .vision)
        text = try c.decode(Text.self, forKey: .text)
    }

    /// Checks what the model constructors would otherwise stop on; the message names the key.
    public func validate() throws {
        func fail(_ key: String, _ why: String) -> CLIPConfigError { CLIPConfigError(key: key, message: why) }
        for (k, v) in [("embed_dim", embedDim), ("vision.image_size", vision.imageSize), ("vision.patch_size", vision.patchSize),
                       ("vision.width", vision.width), ("vision.head_width", vision.headWidth),
                       ("text.context_length", text.contextLength), ("text.vocab_size", text.vocabSize),
                       ("text.width", text.width), ("text.heads", text.heads)] where v <= 0 {
            throw fail(k, "must be positive, got \(v)")
        }
        if vision.layers < 0 { throw fail("vision.layers", "must not be negative") }
        if text.layers < 0 { throw fail("text.layers", "must not be negative") }
        if vision.imageSize % vision.patchSize != 0 {
            throw fail("vision.patch_size", "image_size \(vision.imageSize) is not divisible by patch_size \(vision.patchSize)")
        }
        if vision.width % vision.headWidth != 0 {
            throw fail("vision.head_width", "width \(vision.width) is not divisible by head_width \(vision.headWidth)")
        }
        if text.width % text.heads != 0 {
            throw fail("text.heads", "width \(text.width) is not divisible by heads \(text.heads)")
        }
        if !(vision.mlpRatio > 0) { throw fail("vision.mlp_ratio", "must be positive") }
        if !(text.mlpRatio > 0) { throw fail("text.mlp_ratio", "must be positive") }
    }
}

/// A `CLIPConfig` that cannot build a model: the key and the reason.
public struct CLIPConfigError: Error, CustomStringConvertible, Sendable {
    public let key: String
    public let message: String
    public var description: String { "CLIP config: \(key): \(message)" }
}
