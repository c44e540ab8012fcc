import Components

/// The Optim module's registered components, one line each (merged into the built-in registry). Metatypes of a
/// non-Sendable protocol are not Sendable to the compiler; the table is immutable, hence `nonisolated(unsafe)`.
public enum OptimComponents {
    nonisolated(unsafe) public static let entries: [(Slot, any Component.Type)] = [
        (.optimizer, AdamW.self),
        (.optimizer, SGD.self),
        (.schedule, OneCycleSchedule.self),
        (.schedule, CosineSchedule.self),
        (.schedule, LinearSchedule.self),
        (.schedule, ConstantSchedule.self),
    ]
}
