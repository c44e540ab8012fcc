import Components
import Foundation
import Tensor

/// The CLIP baseline (`clip`): one path (raw text by default), no gates, `L = mean_i ℓ_i`.
public final class CLIPObjective: Objective, Component {
    public static let typeName = "clip"
    public static let summary = "CLIP baseline: symmetric InfoNCE on one text field, no gates"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("path", .string, default: .string("raw"), doc: "the text field to train on (raw, caption, …)"),
        ParameterSpec("loss", .component(.loss), default: .map(["type": .string("infonce")]), doc: "the contrastive loss"),
    ]

    /// The text field trained on.
    public let path: String
    /// The loss.
    public let lossFunction: any ContrastiveLoss

    /// A CLIP objective on `path`.
    public init(path: String = "raw", loss: any ContrastiveLoss = InfoNCELoss()) {
        self.path = path
        self.lossFunction = loss
    }

    public convenience init(config: ComponentConfig, context: BuildContext) throws {
        let p = config.string("path")
        guard !p.isEmpty else { throw ComponentError(path: config.path + ".path", "the path must name a text field, e.g. path: raw") }
        let loss: any ContrastiveLoss = try context.build(.loss, config.component("loss") ?? .map(["type": .string("infonce")]),
                                                          path: config.path + ".loss")
        self.init(path: p, loss: loss)
    }

    public var textFields: [String] { [path] }

    public func loss(_ batch: EncodedBatch) throws -> ObjectiveResult {
        try checkFields(batch, [path], objective: CLIPObjective.typeName)
        let l = lossFunction.loss(image: batch.image, text: batch.texts[path]!, logitScale: batch.logitScale, weights: nil)
        return ObjectiveResult(total: l.loss, perPath: [path: l.loss.item],
                               stats: ["logit_scale_exp": Foundation.exp(Double(batch.logitScale.item))], sampleWeights: nil)
    }

    public var state: [String: Double] {
        get { [:] }
        set {}
    }
}
