import Components
import Tensor

/// The adaptive (per-sample weighted) InfoNCE of ALIP (`adaptive-infonce`; paper Eq. 6–7, code `loss.py`):
///
///     L = (1/N) Σ_i w_i ℓ_i              (normalize: mean — the code; gates also shrink the step)
///     L = Σ_i w_i ℓ_i / Σ_i w_i          (normalize: weighted-mean)
///
/// with `ℓ_i` CLIP's symmetric per-sample cross-entropy and `w_i = ws_i · wp_i` (no gradient).
public final class AdaptiveInfoNCELoss: ContrastiveLoss, Component {
    public static let typeName = "adaptive-infonce"
    public static let summary = "per-sample weighted symmetric InfoNCE (ALIP adaptive loss)"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("normalize", .choice(["mean", "weighted-mean"]), default: .string("mean"),
                      doc: "divide the weighted sum by the batch size (the code) or by the sum of the weights"),
    ]

    /// How the weighted sum is normalised.
    public enum Normalization: String, Sendable { case mean, weightedMean = "weighted-mean" }

    /// How the weighted sum is normalised.
    public let normalize: Normalization

    /// The loss (default: divide by N, as the code).
    public init(normalize: Normalization = .mean) { self.normalize = normalize }

    public convenience init(config: ComponentConfig, context: BuildContext) throws {
        guard let n = Normalization(rawValue: config.string("normalize")) else {
            throw ComponentError(path: config.path + ".normalize", "expected mean or weighted-mean, got '\(config.string("normalize"))'")
        }
        self.init(normalize: n)
    }

    public var acceptsWeights: Bool { true }

    public func loss(image: Tensor, text: Tensor, logitScale: Tensor, weights: [Float]?) -> PathLoss {
        let per = symmetricContrastiveLosses(image: image, text: text, logitScale: logitScale)
        let n = per.count
        guard let w = weights else { return PathLoss(loss: per.mean(), perSample: per.data) }
        precondition(w.count == n, "adaptive-infonce: \(w.count) weights for a batch of \(n)")
        let weighted = (per * Tensor(shape: [n], data: w)).sum()
        let denom: Float
        switch normalize {
        case .mean: denom = Float(n)
        case .weightedMean:
            let s = w.reduce(Float(0), +)
            denom = s > 0 ? s : 1   // all weights 0: the loss is 0, not NaN
        }
        return PathLoss(loss: weighted * (1 / denom), perSample: per.data)
    }
}
