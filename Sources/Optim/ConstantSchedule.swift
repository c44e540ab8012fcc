import Components

/// The configured learning rate at every step, after an optional linear warm-up.
public struct ConstantSchedule: LearningRateSchedule, Component {
    public static let typeName = "constant"
    public static let summary = "constant learning rate (optional linear warm-up)"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("warmup_steps", .int, default: .int(0), range: 0...1e12, doc: "steps of linear warm-up from lr/w to lr"),
    ]

    /// Warm-up steps.
    public let warmupSteps: Int

    /// A constant schedule.
    public init(warmupSteps: Int = 0) { self.warmupSteps = warmupSteps }

    public init(config: ComponentConfig, context: BuildContext) throws {
        self.init(warmupSteps: config.int("warmup_steps"))
    }

    public func value(step: Int, totalSteps: Int, baseLearningRate: Double) -> ScheduleValue {
        let s = clampStep(step, totalSteps)
        return ScheduleValue(learningRate: s < warmupSteps ? warmupLearningRate(baseLearningRate, step: s, warmup: warmupSteps) : baseLearningRate)
    }
}
