import Foundation
import Tensor

/// A registered evaluator (slot `.evaluator`): computes flat metrics keyed `<name>.<metric>`
/// (`retrieval.i2t.r1`, `zero-shot.top1`, …) from whatever an ``EvaluationContext`` encodes.
///
/// The trainer (periodically and at the end of a run) and `alip eval CHECKPOINT` call the same
/// `evaluate(_:)`; only the context differs. Evaluators never record gradients.
public protocol Evaluator {
    /// The metric prefix: the recipe's `name:` parameter, else the registered type name.
    var name: String { get }
    /// Computes this evaluator's metrics. An evaluator that does not apply (for example noise detection
    /// on a run without injected noise) calls `context.note(_:)` and returns an empty dictionary.
    func evaluate(_ context: any EvaluationContext) throws -> [String: Double]
}

/// The images of one manifest, encoded by the model under evaluation: one row per manifest row.
///
/// Several captions per image (COCO / Flickr style) are several rows with the same `imageIDs` entry;
/// retrieval groups rows by image ID.
public struct EncodedManifest {
    /// `[N, D]` image features, L2-normalised, one row per manifest row.
    public var features: Tensor
    /// The `label` column, when the manifest has one.
    public var labels: [Int]?
    /// Text columns by field name (`caption`, `raw`, …), one string per row.
    public var texts: [String: [String]]
    /// The image of each row (its path in the manifest); equal IDs mean the same image.
    public var imageIDs: [String]

    /// Bundles the encoded rows of a manifest.
    public init(features: Tensor, labels: [Int]?, texts: [String: [String]], imageIDs: [String]) {
        self.features = features
        self.labels = labels
        self.texts = texts
        self.imageIDs = imageIDs
    }

    /// Number of rows.
    public var count: Int { imageIDs.count }
}

/// The gate weights and corruption flags of the training samples, collected during training for the
/// `noise-detection` evaluator (low weight ⇒ the gate thinks the sample is corrupted).
public struct NoiseRecord: Sendable, Equatable {
    /// One gate weight per recorded sample.
    public private(set) var weights: [Float]
    /// Whether noise injection corrupted each recorded sample.
    public private(set) var corrupted: [Bool]

    /// A record of the given samples; the two arrays must have equal lengths.
    public init(weights: [Float] = [], corrupted: [Bool] = []) throws {
        guard weights.count == corrupted.count else {
            throw EvaluationError("noise record: \(weights.count) weights but \(corrupted.count) corruption flags; record one flag per weight")
        }
        self.weights = weights
        self.corrupted = corrupted
    }

    /// Adds one batch of samples (what the trainer calls after computing the gates).
    public mutating func append(weights w: [Float], corrupted c: [Bool]) throws {
        guard w.count == c.count else {
            throw EvaluationError("noise record: a batch with \(w.count) weights but \(c.count) corruption flags; record one flag per weight")
        }
        weights += w
        corrupted += c
    }

    /// Number of recorded samples.
    public var count: Int { weights.count }
}

/// What an evaluator may ask of the model and data under evaluation.
///
/// Implementations run the encoders inside `withoutGradients` and return L2-normalised features.
/// ``CachedEvaluationContext`` is the ready implementation over two encoding closures.
public protocol EvaluationContext: AnyObject {
    /// The folder relative paths resolve against (the recipe's folder).
    var baseDirectory: URL { get }
    /// Loads and encodes every row of a manifest.
    func encodeImages(manifest: URL) throws -> EncodedManifest
    /// Encodes strings with the text encoder: `[texts.count, D]`, L2-normalised.
    func encodeTexts(_ texts: [String]) throws -> Tensor
    /// Gate weights and corruption flags collected during training; nil when none were recorded.
    var noiseRecord: NoiseRecord? { get }
    /// Reports something the reader should know (a skipped evaluator, a clipped `k`).
    func note(_ message: String)
}

/// An evaluation failure caused by the data (a missing column, mismatched sizes): the message says
/// what is wrong and what to do.
public struct EvaluationError: Error, CustomStringConvertible, Sendable {
    /// What went wrong and how to fix it.
    public let message: String
    /// An error with the given message.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Parameters and checks the built-in evaluators share.
enum EvaluatorParameters {
    /// The optional metric prefix every evaluator takes.
    static let name = ParameterSpec("name", .string, default: nil, optional: true,
                                    doc: "metric prefix (default: the registered type name)")

    /// The prefix from a recipe's `name:` (nil or empty: the type name).
    static func prefix(_ config: ComponentConfig, default typeName: String) -> String {
        let n = config.optionalString("name") ?? ""
        return n.isEmpty ? typeName : n
    }

    /// Checks a list of `k` values (non-empty, each ≥ 1) and returns them sorted without duplicates.
    static func ks(_ ks: [Int], key: String, owner: String) throws -> [Int] {
        guard !ks.isEmpty else { throw ComponentError(path: key, "\(owner): give at least one k (for example [1, 5, 10])") }
        if let bad = ks.first(where: { $0 < 1 }) { throw ComponentError(path: key, "\(owner): k = \(bad) must be ≥ 1") }
        return Array(Set(ks)).sorted()
    }

    /// Throws when features hold NaN or infinity (a diverged model), naming the manifest.
    static func checkFinite(_ t: Tensor, _ what: String) throws {
        if t.data.contains(where: { !$0.isFinite }) {
            throw EvaluationError("\(what): the features contain NaN or infinity; the model has diverged (check the learning rate and the loss in metrics.jsonl)")
        }
    }
}
