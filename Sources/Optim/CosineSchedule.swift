import Components
import Foundation

/// Linear warm-up then cosine decay to `min_lr` (open_clip's `cosine_lr`, with a floor):
///
///     step < w:  lr = lr₀ · (step + 1) / w
///     else:      lr = min_lr + ½ (1 + cos(π (step − w)/(N − w))) (lr₀ − min_lr)
public struct CosineSchedule: WarmupDecaySchedule, Component {
    public static let typeName = "cosine"
    public static let summary = "linear warm-up, then cosine decay to min_lr (open_clip cosine_lr)"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("warmup_steps", .int, default: .int(0), range: 0...1e12, doc: "steps of linear warm-up from lr/w to lr"),
        ParameterSpec("min_lr", .float, default: .double(0), range: 0...10, doc: "learning rate at the last step"),
    ]

    /// Warm-up steps.
    public let warmupSteps: Int
    /// The floor reached at the end.
    public let minLearningRate: Double

    /// A cosine schedule.
    public init(warmupSteps: Int = 0, minLearningRate: Double = 0) {
        self.warmupSteps = warmupSteps
        self.minLearningRate = minLearningRate
    }

    public init(config: ComponentConfig, context: BuildContext) throws {
        self.init(warmupSteps: config.int("warmup_steps"), minLearningRate: config.double("min_lr"))
    }

    /// ½ (1 + cos(π p)).
    public func decay(progress p: Double) -> Double { 0.5 * (1 + Foundation.cos(Double.pi * p)) }
}
