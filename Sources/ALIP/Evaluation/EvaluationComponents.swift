/// The registered evaluators (slot `.evaluator`), one line each; the lead merges this table into the
/// built-in registry. (`nonisolated(unsafe)`: metatype tuples are not `Sendable`, the table is immutable.)
public enum EvaluationComponents {
    nonisolated(unsafe) public static let entries: [(Slot, any Component.Type)] = [
        (.evaluator, RetrievalEvaluator.self),
        (.evaluator, ZeroShotEvaluator.self),
        (.evaluator, LinearProbeEvaluator.self),
        (.evaluator, NoiseDetectionEvaluator.self),
    ]
}
