import Components
import Foundation

/// Linear warm-up then cosine decay to `min_lr` (open_clip's `cosine_lr`, with a floor):
///
///     step < w:  lr = lr₀ · (step + 1) / w
///     else:      lr = min_lr + ½ (1 + cos(π (step − w)/(N − w))) (lr₀ − min_lr)
public struct CosineSchedule: WarmupDecaySchedule, Component {
    public static let typeName = "cosine"
    public static let summary = "linear warm-up, then cosine decay to min_lr (open_clip cosine_lr)"
    /// Warm-up steps.
    public let warmupSteps: Int
    /// The floor reached at the end.
    public let minLearningRate: Double

    /// A cosine schedule.
    public init(warmupSteps: Int = 0, minLearningRate: Double = 0) {
        self.warmupSteps = warmupSteps
        self.minLearningRate = minLearningRate
    }

    /// ½ (1 + cos(π p)).
    public func decay(progress p: Double) -> Double { 0.5 * (1 + Foundation.cos(Double.pi * p)) }
}
