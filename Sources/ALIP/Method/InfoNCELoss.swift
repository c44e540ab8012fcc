import Components
import Tensor

/// CLIP's symmetric InfoNCE (`infonce`; open_clip `ClipLoss`):
/// `L = (CE(logits, arange) + CE(logitsᵀ, arange)) / 2 = mean_i ℓ_i`. Takes no weights.
public final class InfoNCELoss: ContrastiveLoss, Component {
    public static let typeName = "infonce"
    public static let summary = "CLIP's symmetric cross-entropy over image–text logits"
    public static let parameters: [ParameterSpec] = []

    /// The loss.
    public init() {}
    public convenience init(config: ComponentConfig, context: BuildContext) throws { self.init() }

    public var acceptsWeights: Bool { false }

    public func loss(image: Tensor, text: Tensor, logitScale: Tensor, weights: [Float]?) -> PathLoss {
        precondition(weights == nil, "infonce takes no weights; the objective should have refused this combination")
        let per = symmetricContrastiveLosses(image: image, text: text, logitScale: logitScale)
        return PathLoss(loss: per.mean(), perSample: per.data)
    }
}
