import Tensor

/// Parameters as optimizers, clipping and checkpoints see them: dotted open_clip name and tensor, in the
/// model's order. `tensor.grad` holds the gradient of the step (nil: the parameter is skipped).
public typealias NamedParameters = [(name: String, tensor: Tensor)]

/// An optimizer (slot `optimizer`): updates parameters in place from their `grad`, keeping per-parameter
/// state keyed by parameter name so it can be saved as named tensors and restored.
///
/// The trainer sets `learningRate` (and, for cycled momentum, `beta1`) from the schedule before each
/// `step`; `baseLearningRate` is the configured `lr`, the peak value schedules scale.
public protocol Optimizer: AnyObject {
    /// The `lr` the recipe configured (the schedule's maximum).
    var baseLearningRate: Double { get }
    /// The learning rate the next `step` uses.
    var learningRate: Double { get set }
    /// The first-moment coefficient the next `step` uses: AdamW's β1, SGD's momentum.
    var beta1: Double { get set }
    /// Applies one update to every parameter that has a gradient (inside `withoutGradients`).
    func step(_ parameters: NamedParameters)
    /// The state as named tensors, `"<parameter>/<slot>"` (for example `visual.proj/exp_avg`,
    /// `visual.proj/step`); written under `/optimizer/` in checkpoints.
    func stateTensors() -> [String: Tensor]
    /// Restores state saved by `stateTensors()`, checked against `parameters` (names and shapes); every
    /// problem is reported in one error. An empty dictionary resets the state.
    func loadStateTensors(_ tensors: [String: Tensor], parameters: NamedParameters) throws
}

/// A saved optimizer state that does not fit the model it is loaded for.
public struct OptimizerStateError: Error, CustomStringConvertible, Sendable {
    /// Each problem on one line (unknown parameter, missing slot, shape mismatch).
    public let problems: [String]
    /// Creates the error from its problems.
    public init(_ problems: [String]) { self.problems = problems }
    public var description: String {
        "optimizer state does not match the model (\(problems.count) problem\(problems.count == 1 ? "" : "s")); "
            + "resume from a checkpoint of the same model and optimizer, or start without --resume:\n  "
            + problems.joined(separator: "\n  ")
    }
}

/// Shared validation of saved per-parameter state: every key is `"<parameter>/<slot>"` with a known
/// parameter and slot and the expected shape (`[]` for `step`, else the parameter's shape).
func validateState(_ tensors: [String: Tensor], parameters: NamedParameters, slots: [String]) throws -> [String: [String: Tensor]] {
    var shapes: [String: [Int]] = [:]
    for p in parameters { shapes[p.name] = p.tensor.shape }
    var problems: [String] = []
    var grouped: [String: [String: Tensor]] = [:]
    for key in tensors.keys.sorted() {
        guard let slash = key.lastIndex(of: "/") else { problems.append("'\(key)': expected '<parameter>/<slot>'"); continue }
        let name = String(key[..<slash]), slot = String(key[key.index(after: slash)...])
        guard let shape = shapes[name] else { problems.append("'\(key)': the model has no parameter '\(name)'"); continue }
        guard slots.contains(slot) else {
            problems.append("'\(key)': unknown slot '\(slot)' (expected \(slots.joined(separator: ", ")))"); continue
        }
        let t = tensors[key]!
        let want = slot == "step" ? [] : shape
        if t.shape != want && !(slot == "step" && t.count == 1) {
            problems.append("'\(key)': shape \(t.shape), expected \(want)")
        }
        grouped[name, default: [:]][slot] = t
    }
    for (name, g) in grouped.sorted(by: { $0.key < $1.key }) {
        for s in slots where g[s] == nil { problems.append("'\(name)/\(s)': missing") }
    }
    if !problems.isEmpty { throw OptimizerStateError(problems) }
    return grouped
}

extension Optimizer {
    /// The state grouped by parameter (`["visual.proj": ["exp_avg": …, "exp_avg_sq": …, "step": …]]`), the
    /// shape of a checkpoint's `/optimizer/<name>/<slot>` groups.
    public func stateByParameter() -> [String: [String: Tensor]] {
        var out: [String: [String: Tensor]] = [:]
        for (key, t) in stateTensors() {
            guard let slash = key.lastIndex(of: "/") else { continue }
            out[String(key[..<slash]), default: [:]][String(key[key.index(after: slash)...])] = t
        }
        return out
    }

    /// Restores state grouped by parameter (see `stateByParameter()`), checked as `loadStateTensors`.
    public func loadState(byParameter grouped: [String: [String: Tensor]], parameters: NamedParameters) throws {
        var flat: [String: Tensor] = [:]
        for (name, slots) in grouped { for (slot, t) in slots { flat[name + "/" + slot] = t } }
        try loadStateTensors(flat, parameters: parameters)
    }
}
