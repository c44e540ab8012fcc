import Components
import Foundation
import Tensor

/// The ALIP objective (`alip`): one adaptive contrastive loss per path, weighted by a sample gate and a
/// pair gate, summed: `L = Σ_p L(P, ws · wp)` — for `paths: [raw, caption]` with LCG and DCG,
/// `L = L(T, ws·wt) + L(C, ws·wc)` (paper Eq. 7, `train.py`).
///
/// The sample gate runs first; its consistency ratio goes to the pair gate. Every weight either gate
/// returns is multiplied in (a `sample` weight into every path, a `pair` weight into its path), so gates
/// combine freely: none / LCG / DCG / both. All weights are computed without gradients.
public final class ALIPObjective: Objective, Component {
    public static let typeName = "alip"
    public static let summary = "ALIP: gated adaptive contrastive losses over raw text and/or caption paths"
    static let noGate = ConfigValue.map(["type": .string("none")])
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("paths", .strings, default: .list([.string("raw"), .string("caption")]),
                      doc: "text fields to train on: [raw], [caption] or [raw, caption] (any manifest field)"),
        ParameterSpec("gates", .section([
            ParameterSpec("sample", .component(.gate), default: noGate, doc: "per-sample gate, applied to every path (lcg)"),
            ParameterSpec("pair", .component(.gate), default: noGate, doc: "per-pair gate, one weight per path (dcg)"),
        ]), default: .map(["sample": noGate, "pair": noGate]), doc: "the gates: {sample: {type: lcg}, pair: {type: dcg}}"),
        ParameterSpec("loss", .component(.loss), default: .map(["type": .string("adaptive-infonce")]),
                      doc: "the per-path contrastive loss (must accept weights when a gate is set)"),
    ]

    /// The text fields trained on, in order.
    public let paths: [String]
    /// The sample gate.
    public let sampleGate: any Gate
    /// The pair gate.
    public let pairGate: any Gate
    /// The loss of each path.
    public let lossFunction: any ContrastiveLoss

    /// An ALIP objective. Throws when `paths` is empty or repeats a field, or when a gate is set and the
    /// loss ignores weights.
    public init(paths: [String] = ["raw", "caption"], sampleGate: any Gate = NoGate(), pairGate: any Gate = NoGate(),
                loss: any ContrastiveLoss = AdaptiveInfoNCELoss()) throws {
        guard !paths.isEmpty, !paths.contains(where: \.isEmpty) else {
            throw ObjectiveError("objective 'alip': paths must name at least one text field, e.g. paths: [raw, caption]")
        }
        guard Set(paths).count == paths.count else {
            throw ObjectiveError("objective 'alip': paths \(paths) repeat a field; list each once")
        }
        if !loss.acceptsWeights && !(sampleGate is NoGate && pairGate is NoGate) {
            throw ObjectiveError("objective 'alip': the loss ignores sample weights but a gate is set; "
                                 + "use loss: {type: adaptive-infonce} or set the gates to {type: none}")
        }
        self.paths = paths
        self.sampleGate = sampleGate
        self.pairGate = pairGate
        self.lossFunction = loss
        sampleGate.prepare(paths: paths)
        pairGate.prepare(paths: paths)
    }

    public convenience init(config: ComponentConfig, context: BuildContext) throws {
        let gates = config.map("gates")
        let sample: any Gate = try context.build(.gate, gates["sample"] ?? ALIPObjective.noGate, path: config.path + ".gates.sample")
        let pair: any Gate = try context.build(.gate, gates["pair"] ?? ALIPObjective.noGate, path: config.path + ".gates.pair")
        let loss: any ContrastiveLoss = try context.build(.loss, config.component("loss") ?? .map(["type": .string("adaptive-infonce")]),
                                                          path: config.path + ".loss")
        do {
            try self.init(paths: config.strings("paths"), sampleGate: sample, pairGate: pair, loss: loss)
        } catch let e as ObjectiveError {
            throw ComponentError(path: config.path, e.message)
        }
    }

    public var textFields: [String] {
        var out: [String] = []
        for f in paths + sampleGate.requiredFields + pairGate.requiredFields where !out.contains(f) { out.append(f) }
        return out
    }

    public func loss(_ batch: EncodedBatch) throws -> ObjectiveResult {
        try checkFields(batch, textFields, objective: ALIPObjective.typeName)
        var stats: [String: Double] = ["logit_scale_exp": Foundation.exp(Double(batch.logitScale.item))]
        // Gates: values only, no graph.
        let (sampleWeights, pathWeights) = withoutGradients { () -> ([Float]?, [String: [Float]?]) in
            let first = sampleGate.weigh(GateInput(batch: batch, paths: paths))
            let second = pairGate.weigh(GateInput(batch: batch, paths: paths, consistency: first.consistency))
            for (k, v) in first.stats { stats["gate.sample." + k] = v }
            for (k, v) in second.stats { stats["gate.pair." + k] = v }
            let shared = multiply(first.sample, second.sample)
            var perPath: [String: [Float]?] = [:]
            for p in paths { perPath[p] = multiply(shared, multiply(first.pair[p], second.pair[p])) }
            return (shared, perPath)
        }
        var total: Tensor? = nil
        var perPath: [String: Float] = [:]
        for p in paths {
            let w = pathWeights[p] ?? nil
            let l = lossFunction.loss(image: batch.image, text: batch.texts[p]!, logitScale: batch.logitScale, weights: w)
            perPath[p] = l.loss.item
            if let w { weightStats(w, prefix: "weight." + p, corrupted: batch.corrupted, into: &stats) }
            total = total.map { $0 + l.loss } ?? l.loss
        }
        return ObjectiveResult(total: total!, perPath: perPath, stats: stats, sampleWeights: sampleWeights)
    }

    /// Elementwise product of optional weight vectors (nil is all ones).
    private func multiply(_ a: [Float]?, _ b: [Float]?) -> [Float]? {
        guard let a else { return b }
        guard let b else { return a }
        return zip(a, b).map { $0 * $1 }
    }

    /// Gate state, prefixed `sample.` and `pair.`.
    public var state: [String: Double] {
        get {
            var s: [String: Double] = [:]
            for (k, v) in sampleGate.state { s["sample." + k] = v }
            for (k, v) in pairGate.state { s["pair." + k] = v }
            return s
        }
        set {
            var a: [String: Double] = [:], b: [String: Double] = [:]
            for (k, v) in newValue {
                if k.hasPrefix("sample.") { a[String(k.dropFirst(7))] = v } else if k.hasPrefix("pair.") { b[String(k.dropFirst(5))] = v }
            }
            sampleGate.state = a
            pairGate.state = b
        }
    }
}
