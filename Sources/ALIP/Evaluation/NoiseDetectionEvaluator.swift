import Foundation

/// How well the gate weights flag the samples that noise injection corrupted (`type: noise-detection`).
///
/// From the (weight, corrupted) pairs the trainer records: low weight ⇒ flagged as corrupted.
/// Metrics: `<name>.auc` (ROC-AUC, ties one half), `<name>.precision` and `<name>.recall` when the
/// lowest-weighted samples are flagged at the true noise rate (ties at the cut shared out
/// fractionally), `<name>.noise_rate`, `<name>.mean_weight_clean`, `<name>.mean_weight_corrupted`.
/// Without recorded weights or without corrupted samples it returns nothing and notes why.
public struct NoiseDetectionEvaluator: Evaluator, Component {
    public static let typeName = "noise-detection"
    public static let summary = "ROC-AUC and precision/recall of gate weights for flagging the corrupted training samples"
    public static let parameters: [ParameterSpec] = [EvaluatorParameters.name]

    /// The metric prefix (`name:`, else the type name).
    public let name: String

    /// A noise-detection evaluator.
    public init(name: String? = nil) {
        self.name = (name?.isEmpty ?? true) ? Self.typeName : name!
    }

    public init(config: ComponentConfig, context: BuildContext) throws {
        self.init(name: EvaluatorParameters.prefix(config, default: Self.typeName))
    }

    public func evaluate(_ context: any EvaluationContext) throws -> [String: Double] {
        guard let record = context.noiseRecord, record.count > 0 else {
            context.note("\(name): skipped, no gate weights were recorded (the run has no noise injection or no gates)")
            return [:]
        }
        let corrupted = record.corrupted.reduce(0) { $0 + ($1 ? 1 : 0) }
        guard corrupted > 0 else {
            context.note("\(name): skipped, the training set has no injected noise (no corrupted samples recorded)")
            return [:]
        }
        guard corrupted < record.count else {
            context.note("\(name): skipped, every recorded sample is corrupted (noise rate 1), so there is nothing to separate")
            return [:]
        }
        if let i = record.weights.firstIndex(where: { !$0.isFinite }) {
            throw EvaluationError("\(name): recorded gate weight \(i) is \(record.weights[i]); the gates diverged (check the loss and logit scale in metrics.jsonl)")
        }
        let scores = record.weights.map { -Double($0) }
        let auc = DetectionMetrics.rocAUC(scores: scores, positives: record.corrupted) ?? .nan
        let pr = DetectionMetrics.precisionRecall(scores: scores, positives: record.corrupted, flagged: corrupted)
        var clean = 0.0, noisy = 0.0
        for (w, c) in zip(record.weights, record.corrupted) { if c { noisy += Double(w) } else { clean += Double(w) } }
        return [
            "\(name).auc": auc,
            "\(name).precision": pr.precision,
            "\(name).recall": pr.recall,
            "\(name).noise_rate": Double(corrupted) / Double(record.count),
            "\(name).mean_weight_clean": clean / Double(record.count - corrupted),
            "\(name).mean_weight_corrupted": noisy / Double(corrupted),
        ]
    }
}
