import Tensor

/// A training objective (slot `objective`): turns an encoded batch into the scalar loss, computing any
/// gate weights without gradients. Gate EMAs are its `state`, saved in checkpoints and restored on
/// resume.
public protocol Objective: AnyObject {
    /// The text fields the trainer must encode for each batch (the paths and whatever the gates read).
    var textFields: [String] { get }
    /// The loss of one batch (and its statistics); updates the gate EMAs. Throws when the batch lacks a
    /// field the objective needs or its sizes disagree.
    func loss(_ batch: EncodedBatch) throws -> ObjectiveResult
    /// Gate state (EMAs) by key, e.g. `sample.ema_text_caption`; setting assigns the keys given.
    var state: [String: Double] { get set }
}

/// What an objective returns for one batch.
public struct ObjectiveResult {
    /// The scalar loss, attached to the graph (call `backward()` on it).
    public var total: Tensor
    /// The loss value of each path (`raw`, `caption`), for logging.
    public var perPath: [String: Float]
    /// Gate statistics for metrics logging: mean/min/max of each weight, the EMAs, and (when the batch
    /// marks corrupted samples) the mean weight of corrupted and clean samples.
    public var stats: [String: Double]
    /// The per-sample weight shared by all paths (the sample gate's), nil without one.
    public var sampleWeights: [Float]?

    /// Creates a result.
    public init(total: Tensor, perPath: [String: Float], stats: [String: Double], sampleWeights: [Float]?) {
        self.total = total
        self.perPath = perPath
        self.stats = stats
        self.sampleWeights = sampleWeights
    }
}

/// A batch or a saved state that does not fit the objective.
public struct ObjectiveError: Error, CustomStringConvertible, Sendable {
    /// The message, naming the field or key and what to do.
    public let message: String
    /// Creates the error.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension Objective {
    /// Restores state saved from `state`, requiring exactly the keys this objective has (a checkpoint
    /// of another gate configuration is an error listing the differences, not a silent partial load).
    public func restoreState(_ saved: [String: Double]) throws {
        let have = Set(state.keys), got = Set(saved.keys)
        guard have == got else {
            var parts: [String] = []
            let missing = have.subtracting(got).sorted(), unknown = got.subtracting(have).sorted()
            if !missing.isEmpty { parts.append("missing \(missing.joined(separator: ", "))") }
            if !unknown.isEmpty { parts.append("unexpected \(unknown.joined(separator: ", "))") }
            throw ObjectiveError("objective state does not match the recipe's gates (\(parts.joined(separator: "; "))); "
                                 + "resume with the recipe the checkpoint was trained with")
        }
        state = saved
    }
}

/// Checks that `batch` has every field in `fields` with the image's batch size and width.
func checkFields(_ batch: EncodedBatch, _ fields: [String], objective: String) throws {
    let b = batch.image.shape
    guard b.count == 2 else { throw ObjectiveError("objective '\(objective)': image embeddings have shape \(b), expected [B, D]") }
    for f in fields {
        guard let t = batch.texts[f] else {
            let have = batch.texts.keys.sorted().joined(separator: ", ")
            throw ObjectiveError("objective '\(objective)': the batch has no text field '\(f)' (it has: \(have)); "
                                 + "add a '\(f)' column to the manifest or remove '\(f)' from the objective's paths/gates")
        }
        guard t.shape == b else {
            throw ObjectiveError("objective '\(objective)': text field '\(f)' has shape \(t.shape) but the images \(b)")
        }
    }
    if let c = batch.corrupted, c.count != b[0] {
        throw ObjectiveError("objective '\(objective)': \(c.count) corruption flags for a batch of \(b[0])")
    }
}

/// mean/min/max of `w` under `prefix` (`prefix.mean`, …), and the mean over corrupted and clean samples.
func weightStats(_ w: [Float], prefix: String, corrupted: [Bool]?, into stats: inout [String: Double]) {
    guard !w.isEmpty else { return }
    stats[prefix + ".mean"] = w.reduce(0.0) { $0 + Double($1) } / Double(w.count)
    stats[prefix + ".min"] = Double(w.min()!)
    stats[prefix + ".max"] = Double(w.max()!)
    guard let c = corrupted, c.count == w.count else { return }
    let bad = zip(w, c).filter { $0.1 }.map(\.0), good = zip(w, c).filter { !$0.1 }.map(\.0)
    if !bad.isEmpty { stats[prefix + ".corrupted_mean"] = bad.reduce(0.0) { $0 + Double($1) } / Double(bad.count) }
    if !good.isEmpty { stats[prefix + ".clean_mean"] = good.reduce(0.0) { $0 + Double($1) } / Double(good.count) }
}
