import Components

/// Linear warm-up then linear decay to `min_lr` at the last step:
///
///     step < w:  lr = lr₀ · (step + 1) / w
///     else:      lr = lr₀ + (min_lr − lr₀) · (step − w)/(N − w)
public struct LinearSchedule: WarmupDecaySchedule, Component {
    public static let typeName = "linear"
    public static let summary = "linear warm-up, then linear decay to min_lr"
    /// Warm-up steps.
    public let warmupSteps: Int
    /// The value reached at the end.
    public let minLearningRate: Double

    /// A linear schedule.
    public init(warmupSteps: Int = 0, minLearningRate: Double = 0) {
        self.warmupSteps = warmupSteps
        self.minLearningRate = minLearningRate
    }

    /// 1 − p.
    public func decay(progress p: Double) -> Double { 1 - p }
}
