import Tensor

/// One batch after the encoders, as objectives see it. With data parallelism this is the batch gathered
/// over ranks, so gates average over the global batch as the authors' code does.
public struct EncodedBatch {
    /// Image embeddings `v`, `[B, D]`, L2-normalised, still attached to the graph.
    public var image: Tensor
    /// Text embeddings by field name (`raw`, `caption`, any other manifest field), each `[B, D]`,
    /// L2-normalised and attached to the graph (one shared text encoder).
    public var texts: [String: Tensor]
    /// The learned `logit_scale` parameter (scalar, `requiresGrad`); logits use `exp(logitScale)`.
    public var logitScale: Tensor
    /// Whether noise injection corrupted each sample's raw text (for gate statistics), when known.
    public var corrupted: [Bool]?

    /// Creates a batch.
    public init(image: Tensor, texts: [String: Tensor], logitScale: Tensor, corrupted: [Bool]? = nil) {
        self.image = image
        self.texts = texts
        self.logitScale = logitScale
        self.corrupted = corrupted
    }

    /// Number of samples.
    public var count: Int { image.shape.first ?? 0 }
}
