import Tensor

/// A contrastive loss over one path (slot `loss`): image embeddings against one text field's.
public protocol ContrastiveLoss: AnyObject {
    /// Whether the loss uses per-sample weights (an objective with gates refuses a loss that would
    /// silently ignore them).
    var acceptsWeights: Bool { get }
    /// The loss of one path. `image`, `text`: `[B, D]` normalised embeddings; `logitScale`: the scalar
    /// parameter (logits use its exp); `weights`: `[B]` per-sample weights without gradient, nil for all 1.
    func loss(image: Tensor, text: Tensor, logitScale: Tensor, weights: [Float]?) -> PathLoss
}

/// The loss of one path.
public struct PathLoss {
    /// The scalar loss, attached to the graph.
    public var loss: Tensor
    /// The unweighted per-sample losses ℓ_i (values, for logging and tests).
    public var perSample: [Float]

    /// Creates a path loss.
    public init(loss: Tensor, perSample: [Float]) {
        self.loss = loss
        self.perSample = perSample
    }
}

/// CLIP's symmetric per-sample cross-entropy (paper Eq. 1; open_clip `ClipLoss`, ALIP `loss.py`):
/// `logits = exp(s)·V Pᵀ`, `ℓ_i = (CE(logits_i·, i) + CE(logitsᵀ_i·, i)) / 2`, as a `[B]` tensor on the graph.
public func symmetricContrastiveLosses(image: Tensor, text: Tensor, logitScale: Tensor) -> Tensor {
    precondition(image.rank == 2 && image.shape == text.shape,
                 "contrastive loss: image \(image.shape) and text \(text.shape) embeddings must share one [B, D] shape")
    precondition(logitScale.count == 1, "contrastive loss: logit_scale must be a scalar, got \(logitScale.shape)")
    let scale = logitScale.exp()
    let perImage = Tensor.matmul(image, text, transposeB: true) * scale
    let perText = Tensor.matmul(text, image, transposeB: true) * scale
    let targets = Array(0..<image.shape[0])
    let a = Tensor.crossEntropy(perImage, targets: targets, reduction: .none)
    let b = Tensor.crossEntropy(perText, targets: targets, reduction: .none)
    return (a + b) * 0.5
}
