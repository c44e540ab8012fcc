import Components

/// Linear warm-up then linear decay to `min_lr` at the last step:
///
///     step < w:  lr = lr₀ · (step + 1) / w
///     else:      lr = lr₀ + (min_lr − lr₀) · (step − w)/(N − w)
public struct LinearSchedule: WarmupDecaySchedule, Component {
    public static let typeName = "linear"
    public static let summary = "linear warm-up, then linear decay to min_lr"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("warmup_steps", .int, default: .int(0), range: 0...1e12, doc: "steps of linear warm-up from lr/w to lr"),
        ParameterSpec("min_lr", .float, default: .double(0), range: 0...10, doc: "learning rate at the last step"),
    ]

    /// Warm-up steps.
    public let warmupSteps: Int
    /// The value reached at the end.
    public let minLearningRate: Double

    /// A linear schedule.
    public init(warmupSteps: Int = 0, minLearningRate: Double = 0) {
        self.warmupSteps = warmupSteps
        self.minLearningRate = minLearningRate
    }

    public init(config: ComponentConfig, context: BuildContext) throws {
        self.init(warmupSteps: config.int("warmup_steps"), minLearningRate: config.double("min_lr"))
    }

    /// 1 − p.
    public func decay(progress p: Double) -> Double { 1 - p }
}
