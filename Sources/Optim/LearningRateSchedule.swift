import Components

/// What a schedule sets before one optimizer step: the learning rate and, for schedules that cycle
/// momentum, β1 (AdamW) / momentum (SGD).
public struct ScheduleValue: Equatable, Sendable {
    /// The learning rate of the step.
    public var learningRate: Double
    /// β1 / momentum of the step, or nil to leave the optimizer's as it is.
    public var beta1: Double?

    /// Creates a value.
    public init(learningRate: Double, beta1: Double? = nil) {
        self.learningRate = learningRate
        self.beta1 = beta1
    }
}

/// A learning-rate schedule (slot `schedule`): a pure function of the step, so resuming needs no state
/// beyond the step counter.
public protocol LearningRateSchedule: Sendable {
    /// The values for optimizer step `step` (0-based; the first update is step 0) of `totalSteps`, given
    /// the optimizer's configured `lr` as `baseLearningRate`. Steps outside `0...totalSteps` are clamped
    /// into it.
    func value(step: Int, totalSteps: Int, baseLearningRate: Double) -> ScheduleValue
}

extension LearningRateSchedule {
    /// Sets `optimizer`'s learning rate (and β1 where the schedule cycles it) for step `step`; returns
    /// the values set.
    @discardableResult
    public func apply(to optimizer: any Optimizer, step: Int, totalSteps: Int) -> ScheduleValue {
        let v = value(step: step, totalSteps: totalSteps, baseLearningRate: optimizer.baseLearningRate)
        optimizer.learningRate = v.learningRate
        if let b = v.beta1 { optimizer.beta1 = b }
        return v
    }
}

/// Linear warm-up factor shared by the warm-up schedules (open_clip's `_warmup_lr`):
/// `base · (step + 1) / warmup` for `step < warmup`.
func warmupLearningRate(_ base: Double, step: Int, warmup: Int) -> Double {
    base * Double(step + 1) / Double(warmup)
}

/// `step` clamped into `0...totalSteps`.
func clampStep(_ step: Int, _ totalSteps: Int) -> Int { Swift.min(Swift.max(step, 0), Swift.max(totalSteps, 0)) }

/// A schedule of linear warm-up over `warmupSteps`, then a decay from the base rate to `minLearningRate`
/// at the last step whose shape `decay(progress:)` gives (1 at the start of the decay, 0 at the end).
public protocol WarmupDecaySchedule: LearningRateSchedule {
    /// Warm-up steps.
    var warmupSteps: Int { get }
    /// The learning rate at the last step.
    var minLearningRate: Double { get }
    /// The remaining fraction of (base − min) at `progress` ∈ [0, 1] of the decay.
    func decay(progress: Double) -> Double
    /// A schedule with these settings.
    init(warmupSteps: Int, minLearningRate: Double)
}

extension WarmupDecaySchedule {
    /// The recipe parameters every warm-up-then-decay schedule takes.
    public static var parameters: [ParameterSpec] {
        [ParameterSpec("warmup_steps", .int, default: .int(0), range: 0...1e12, doc: "steps of linear warm-up from lr/w to lr"),
         ParameterSpec("min_lr", .float, default: .double(0), range: 0...10, doc: "learning rate at the last step")]
    }

    /// Builds the schedule from its validated recipe parameters.
    public init(config: ComponentConfig, context: BuildContext) throws {
        self.init(warmupSteps: config.int("warmup_steps"), minLearningRate: config.double("min_lr"))
    }

    public func value(step: Int, totalSteps: Int, baseLearningRate: Double) -> ScheduleValue {
        let s = clampStep(step, totalSteps)
        if s < warmupSteps { return ScheduleValue(learningRate: warmupLearningRate(baseLearningRate, step: s, warmup: warmupSteps)) }
        let span = totalSteps - warmupSteps
        guard span > 0 else { return ScheduleValue(learningRate: baseLearningRate) }
        let p = Double(s - warmupSteps) / Double(span)
        return ScheduleValue(learningRate: minLearningRate + decay(progress: p) * (baseLearningRate - minLearningRate))
    }
}
