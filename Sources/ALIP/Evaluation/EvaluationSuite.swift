import Foundation
import Tensor

/// The evaluators of a recipe run together: what the trainer calls at the end of a run (and every
/// `eval_every` steps) and `alip eval CHECKPOINT` calls, with the same context type.
public struct EvaluationSuite {
    /// The evaluators, in recipe order.
    public let evaluators: [any Evaluator]

    /// A suite of evaluators whose names (metric prefixes) must differ.
    public init(_ evaluators: [any Evaluator]) throws {
        var seen: Set<String> = []
        for e in evaluators where !seen.insert(e.name).inserted {
            throw EvaluationError("two evaluators are named '\(e.name)'; give one of them a different name: (for example name: \(e.name)-2)")
        }
        self.evaluators = evaluators
    }

    /// Builds the evaluators of a recipe's `data.eval` list (`path` is that list's dotted key).
    public init(configs: [ConfigValue], path: String = "data.eval", context: BuildContext) throws {
        try self.init(configs.enumerated().map { i, v in
            try context.build(.evaluator, v, path: "\(path)[\(i)]", as: (any Evaluator).self)
        })
    }

    /// Runs every evaluator without gradients and merges their metrics (keys are prefixed, so they
    /// cannot collide).
    public func run(_ context: any EvaluationContext) throws -> [String: Double] {
        var out: [String: Double] = [:]
        for e in evaluators {
            let m = try withoutGradients { try e.evaluate(context) }
            out.merge(m) { a, _ in a }
        }
        return out
    }
}
