@_exported import Components
import Data
import NN
import Optim

/// The ALIP module's registered components (the method's gates, losses and objectives), one line each.
/// Metatypes of a non-Sendable protocol are not Sendable to the compiler; the table is immutable.
public enum ALIPComponents {
    nonisolated(unsafe) public static let entries: [(Slot, any Component.Type)] = [
        (.gate, NoGate.self),
        (.gate, LanguageConsistencyGate.self),
        (.gate, DescriptionConsistencyGate.self),
        (.loss, InfoNCELoss.self),
        (.loss, AdaptiveInfoNCELoss.self),
        (.objective, CLIPObjective.self),
        (.objective, ALIPObjective.self),
    ]
}

/// The built-in components, one line each: the table a reader follows from a recipe's `type:` to the
/// source file (each type lives in a file named after it). Other modules' tables are merged here.
extension Registry {
    public static let builtin = Registry(origin: "built-in",
        NNComponents.entries + DataComponents.entries + OptimComponents.entries
        + ALIPComponents.entries + EvaluationComponents.entries)
}
