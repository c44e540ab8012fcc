import Components

/// The NN module's registered components, one line each; the lead merges this table into the
/// built-in registry.
public enum NNComponents {
    // Immutable table of metatypes; metatypes are not `Sendable` in Swift 6, hence `nonisolated(unsafe)`.
    nonisolated(unsafe) public static let entries: [(Slot, any Component.Type)] = [
        (.encoder, VisionTransformer.self),
        (.encoder, TextTransformer.self),
        (.model, DualEncoder.self),
    ]
}
