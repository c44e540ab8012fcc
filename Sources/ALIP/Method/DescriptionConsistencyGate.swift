import Components
import Tensor

/// The Description Consistency Gate (`dcg`, paper §3.2; deepglint/ALIP `train.py`): a weight for each
/// image–text pair of each path (raw text `t`, caption `c`), relative to a running mean per path.
///
///     m_vp ← momentum·m_vp + (1 − momentum)·mean_i ⟨p_i, v_i⟩       (one EMA per path p, from ema_init)
///     wp_i  = exp(⟨p_i, v_i⟩ − m_vp)^γ   where the condition holds, else 1;   capped only if `cap` is set
///
/// `condition: text-below-mean` (the code) acts only where raw text and caption disagree, r_i < 1 with
/// r_i = exp(s_i − m_tc)^γ the LCG ratio; `always` acts on every sample. As in the code the weights are
/// uncapped by default, so a pair can weigh more than 1.
///
/// Where r_i comes from: the sample gate's ratio when it computed one (LCG), else this gate's own
/// raw-text/caption EMA (`ema_text_caption`, same momentum and start), so DCG also works alone. The own
/// EMA is updated on every batch either way, so the state keys do not depend on the other gate.
public final class DescriptionConsistencyGate: Gate, Component {
    public static let typeName = "dcg"
    public static let summary = "pair weights for image–text and image–caption against running means (ALIP DCG)"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("momentum", .float, default: .double(0.99), range: 0...1, doc: "EMA decay of each mean image–text similarity"),
        ParameterSpec("ema_init", .float, default: .double(1.0), range: -1...1,
                      doc: "starting value of the EMAs (1.0 as the code: suppresses all weights early in training)"),
        ParameterSpec("gamma", .float, default: .double(2), range: 0...100, doc: "exponent γ of exp(⟨p, v⟩ − m)"),
        ParameterSpec("cap", .float, default: .null, range: 0...1e6, optional: true,
                      doc: "upper bound of a weight (null as the code: uncapped, a pair can weigh more than 1)"),
        ParameterSpec("condition", .choice(["text-below-mean", "always"]), default: .string("text-below-mean"),
                      doc: "where the weights act: only where raw text and caption disagree (r_i < 1, the code), or always"),
        ParameterSpec("text_field", .string, default: .string("raw"), doc: "the raw-text field (for the condition)"),
        ParameterSpec("caption_field", .string, default: .string("caption"), doc: "the caption field (for the condition)"),
    ]

    /// Where the weights act.
    public enum Condition: String, Sendable { case textBelowMean = "text-below-mean", always }

    /// The EMA decay.
    public let momentum: Double
    /// The EMAs' start.
    public let emaInit: Double
    /// γ.
    public let gamma: Double
    /// The cap, nil for none.
    public let cap: Double?
    /// Where the weights act.
    public let condition: Condition
    /// The raw-text field.
    public let textField: String
    /// The caption field.
    public let captionField: String
    /// Running means of ⟨p_i, v_i⟩ by path.
    public private(set) var pathEMAs: [String: GateEMA] = [:]
    /// The own running mean of ⟨t_i, c_i⟩ (used when no sample gate gives a ratio).
    public private(set) var textCaptionEMA: GateEMA

    /// A DCG with the given settings (defaults: the authors').
    public init(momentum: Double = 0.99, emaInit: Double = 1.0, gamma: Double = 2, cap: Double? = nil,
                condition: Condition = .textBelowMean, textField: String = "raw", captionField: String = "caption") {
        self.momentum = momentum
        self.emaInit = emaInit
        self.gamma = gamma
        self.cap = cap
        self.condition = condition
        self.textField = textField
        self.captionField = captionField
        self.textCaptionEMA = GateEMA(momentum: momentum, initial: emaInit)
    }

    public convenience init(config: ComponentConfig, context: BuildContext) throws {
        guard let c = Condition(rawValue: config.string("condition")) else {
            throw ComponentError(path: config.path + ".condition", "expected text-below-mean or always, got '\(config.string("condition"))'")
        }
        self.init(momentum: config.double("momentum"), emaInit: config.double("ema_init"), gamma: config.double("gamma"),
                  cap: config.isNull("cap") ? nil : config.double("cap"), condition: c,
                  textField: config.string("text_field"), captionField: config.string("caption_field"))
    }

    public var requiredFields: [String] { condition == .textBelowMean ? [textField, captionField] : [] }

    public func prepare(paths: [String]) {
        for p in paths where pathEMAs[p] == nil { pathEMAs[p] = GateEMA(momentum: momentum, initial: emaInit) }
    }

    /// The EMA key of a path.
    static func key(_ path: String) -> String { "ema_image_" + path }

    public func weigh(_ input: GateInput) -> GateOutput {
        withoutGradients {
            let batch = input.batch
            var stats: [String: Double] = [:]
            var active = [Bool](repeating: true, count: batch.count)
            if condition == .textBelowMean {
                let s = rowDots(batch.texts[textField]!, batch.texts[captionField]!)
                let m = textCaptionEMA.update(s)
                stats["ema_text_caption"] = m
                let r = input.consistency ?? gateWeights(s, mean: m, gamma: gamma, cap: nil)
                active = r.map { $0 < 1 }
                stats["active_fraction"] = Double(active.filter { $0 }.count) / Double(Swift.max(1, active.count))
            }
            prepare(paths: input.paths)
            var pair: [String: [Float]] = [:]
            for p in input.paths {
                let sim = rowDots(batch.texts[p]!, batch.image)
                let m = pathEMAs[p]!.update(sim)
                let w = gateWeights(sim, mean: m, gamma: gamma, cap: cap)
                pair[p] = zip(w, active).map { $1 ? $0 : 1 }
                stats[DescriptionConsistencyGate.key(p)] = m
                weightStats(pair[p]!, prefix: "weight." + p, corrupted: batch.corrupted, into: &stats)
            }
            return GateOutput(pair: pair, stats: stats)
        }
    }

    public var state: [String: Double] {
        get {
            var s: [String: Double] = [:]
            for (p, e) in pathEMAs { s[DescriptionConsistencyGate.key(p)] = e.value }
            if condition == .textBelowMean { s["ema_text_caption"] = textCaptionEMA.value }
            return s
        }
        set {
            if let v = newValue["ema_text_caption"] { textCaptionEMA.value = v }
            for (k, v) in newValue where k.hasPrefix("ema_image_") {
                let p = String(k.dropFirst("ema_image_".count))
                var e = pathEMAs[p] ?? GateEMA(momentum: momentum, initial: emaInit)
                e.value = v
                pathEMAs[p] = e
            }
        }
    }
}
