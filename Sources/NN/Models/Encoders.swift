import Components
import Tensor

/// An image tower: images `[B, C, H, W]` → unnormalised embeddings `[B, outputDim]`.
/// Registered image encoders (slot `.encoder`, e.g. `vit`) conform to it.
public protocol ImageEncoder: Module {
    /// Width of the embedding.
    var outputDim: Int { get }
    /// The unnormalised embeddings of a batch of images.
    func encode(_ images: Tensor) -> Tensor
}

/// A text tower: token rows `[B][T]` → unnormalised embeddings `[B, outputDim]`.
/// Registered text encoders (slot `.encoder`, e.g. `text-transformer`) conform to it.
public protocol TextEncoder: Module {
    /// Width of the embedding.
    var outputDim: Int { get }
    /// The longest row the encoder takes.
    var contextLength: Int { get }
    /// Token ids must lie in `0..<vocabSize`.
    var vocabSize: Int { get }
    /// The unnormalised embeddings of a batch of token rows (all of one length ≤ `contextLength`).
    func encode(_ tokens: [[Int32]]) -> Tensor
}

/// Helpers the registered encoders share when they are built from a recipe.
enum EncoderBuild {
    /// A generator for one component, derived from the run's seed and the component's dotted recipe key,
    /// so the image and text towers draw different, reproducible streams. (FNV-1a, not `Hasher`, whose
    /// seed changes per process.)
    static func generator(seed: UInt64, path: String) -> RandomGenerator {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in path.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return RandomGenerator(seed: seed ^ h)
    }

    /// The recipe's value of `key`, else the fact `fact` another component published, else an error
    /// naming the key and how to provide it.
    static func intOrFact(_ config: ComponentConfig, _ key: String, fact: String, context: BuildContext,
                          setBy: String) throws -> Int {
        if let v = config.optionalInt(key) { return v }
        if let v = context.facts[fact] { return v }
        throw ComponentError(path: config.path.isEmpty ? key : "\(config.path).\(key)",
                             "no value for '\(key)': set it here, or use a \(setBy) that provides '\(fact)'")
    }

    /// `quick_gelu` from the recipe, else the dual encoder's fact, else false (exact GELU).
    static func activation(_ config: ComponentConfig, context: BuildContext) -> Activation {
        if !config.isNull("quick_gelu") { return config.bool("quick_gelu") ? .quickGelu : .gelu }
        return (context.facts["quick_gelu"] ?? 0) != 0 ? .quickGelu : .gelu
    }

    /// A `ComponentError` at `config.path.key`.
    static func error(_ config: ComponentConfig, _ key: String, _ message: String) -> ComponentError {
        ComponentError(path: config.path.isEmpty ? key : "\(config.path).\(key)", message)
    }
}
