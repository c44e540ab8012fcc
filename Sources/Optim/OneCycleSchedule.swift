import Components
import Foundation

/// PyTorch's `OneCycleLR` (two phases, `anneal_strategy='cos'`), the schedule the authors' runs use.
///
/// With `initial = max/div_factor`, `min = initial/final_div_factor` and phase ends
/// `e₁ = warmup_fraction·N − 1`, `e₂ = N − 1` (torch's `_schedule_phases`):
///
///     step ≤ e₁:  lr = cos_anneal(initial → max, step/e₁),      β1 = cos_anneal(max_m → base_m, ·)
///     else:       lr = cos_anneal(max → min, (step−e₁)/(e₂−e₁)), β1 = cos_anneal(base_m → max_m, ·)
///     cos_anneal(a → b, p) = b + (a − b)/2 · (1 + cos(π p))
///
/// `max` is the optimizer's `lr`. With `cycle_momentum` (torch's default) β1 is cycled too.
public struct OneCycleSchedule: LearningRateSchedule, Component {
    public static let typeName = "one-cycle"
    public static let summary = "torch OneCycleLR: cosine warm-up to lr, cosine decay to lr/div/final_div; cycles β1"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("warmup_fraction", .float, default: .double(0.1), range: 0...1,
                      doc: "fraction of the steps spent rising to the peak (torch pct_start; the authors use 0.1)"),
        ParameterSpec("div_factor", .float, default: .double(25), range: 1...1e9, doc: "start lr = lr / div_factor"),
        ParameterSpec("final_div_factor", .float, default: .double(1e4), range: 1...1e12,
                      doc: "final lr = start lr / final_div_factor"),
        ParameterSpec("cycle_momentum", .bool, default: .bool(true),
                      doc: "also cycle β1 (AdamW) / momentum (SGD) inversely to the lr, as torch's default"),
        ParameterSpec("base_momentum", .float, default: .double(0.85), range: 0...1, doc: "β1 at the peak lr"),
        ParameterSpec("max_momentum", .float, default: .double(0.95), range: 0...1, doc: "β1 at the start and the end"),
    ]

    /// torch `pct_start`.
    public let warmupFraction: Double
    /// torch `div_factor`.
    public let divFactor: Double
    /// torch `final_div_factor`.
    public let finalDivFactor: Double
    /// Whether β1 is cycled.
    public let cycleMomentum: Bool
    /// β1 at the peak.
    public let baseMomentum: Double
    /// β1 at both ends.
    public let maxMomentum: Double

    /// A one-cycle schedule (defaults: the authors' settings).
    public init(warmupFraction: Double = 0.1, divFactor: Double = 25, finalDivFactor: Double = 1e4,
                cycleMomentum: Bool = true, baseMomentum: Double = 0.85, maxMomentum: Double = 0.95) {
        self.warmupFraction = warmupFraction
        self.divFactor = divFactor
        self.finalDivFactor = finalDivFactor
        self.cycleMomentum = cycleMomentum
        self.baseMomentum = baseMomentum
        self.maxMomentum = maxMomentum
    }

    public init(config: ComponentConfig, context: BuildContext) throws {
        self.init(warmupFraction: config.double("warmup_fraction"), divFactor: config.double("div_factor"),
                  finalDivFactor: config.double("final_div_factor"), cycleMomentum: config.bool("cycle_momentum"),
                  baseMomentum: config.double("base_momentum"), maxMomentum: config.double("max_momentum"))
    }

    /// torch's `_annealing_cos`.
    static func cosAnneal(_ start: Double, _ end: Double, _ pct: Double) -> Double {
        end + (start - end) / 2 * (Foundation.cos(Double.pi * pct) + 1)
    }

    public func value(step: Int, totalSteps: Int, baseLearningRate: Double) -> ScheduleValue {
        let s = Double(clampStep(step, totalSteps))
        let maxLR = baseLearningRate, initial = maxLR / divFactor, minLR = initial / finalDivFactor
        let end1 = warmupFraction * Double(totalSteps) - 1, end2 = Double(totalSteps - 1)
        // Phases as torch walks them: the first whose end is not passed, else the last.
        let (from, to, mFrom, mTo, start, end) = s <= end1
            ? (initial, maxLR, maxMomentum, baseMomentum, 0.0, end1)
            : (maxLR, minLR, baseMomentum, maxMomentum, end1, end2)
        // A zero-length phase (e.g. N = 10 with warm-up 0.1: e₁ = 0) makes torch divide by zero; here
        // it takes its start value, so step 0 still starts at `initial`.
        let pct = end > start ? (s - start) / (end - start) : 0
        return ScheduleValue(learningRate: OneCycleSchedule.cosAnneal(from, to, pct),
                             beta1: cycleMomentum ? OneCycleSchedule.cosAnneal(mFrom, mTo, pct) : nil)
    }
}
