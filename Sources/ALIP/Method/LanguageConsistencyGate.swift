import Components
import Tensor

/// The Language Consistency Gate (`lcg`, paper §3.2; deepglint/ALIP `train.py`): weighs each sample by
/// how well its raw text agrees with its synthetic caption, relative to a running mean.
///
///     s_i  = ⟨t_i, c_i⟩
///     m_tc ← momentum·m_tc + (1 − momentum)·mean_i s_i          (m_tc starts at ema_init)
///     r_i  = exp(s_i − m_tc)^γ,    ws_i = min(cap, r_i)
///
/// The defaults reproduce the authors' code; `ema_init: 1.0` makes every early weight ≈ exp(2(s − 1)).
/// The uncapped `r_i` is passed on to the pair gate (`GateOutput.consistency`).
public final class LanguageConsistencyGate: Gate, Component {
    public static let typeName = "lcg"
    public static let summary = "sample weights from raw-text/caption consistency against a running mean (ALIP LCG)"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("momentum", .float, default: .double(0.99), range: 0...1, doc: "EMA decay of the mean raw-text/caption similarity"),
        ParameterSpec("ema_init", .float, default: .double(1.0), range: -1...1,
                      doc: "starting value of the EMA (1.0 as the code: suppresses all weights early in training)"),
        ParameterSpec("gamma", .float, default: .double(2), range: 0...100, doc: "exponent γ of exp(s − m)"),
        ParameterSpec("cap", .float, default: .double(1.0), range: 0...1e6, optional: true,
                      doc: "upper bound of a weight (null: uncapped)"),
        ParameterSpec("text_field", .string, default: .string("raw"), doc: "the raw-text field"),
        ParameterSpec("caption_field", .string, default: .string("caption"), doc: "the synthetic-caption field"),
    ]

    /// γ.
    public let gamma: Double
    /// The cap, nil for none.
    public let cap: Double?
    /// The raw-text field.
    public let textField: String
    /// The caption field.
    public let captionField: String
    /// The running mean of ⟨t_i, c_i⟩.
    public private(set) var ema: GateEMA

    /// An LCG with the given settings (defaults: the authors').
    public init(momentum: Double = 0.99, emaInit: Double = 1.0, gamma: Double = 2, cap: Double? = 1.0,
                textField: String = "raw", captionField: String = "caption") {
        self.gamma = gamma
        self.cap = cap
        self.textField = textField
        self.captionField = captionField
        self.ema = GateEMA(momentum: momentum, initial: emaInit)
    }

    public convenience init(config: ComponentConfig, context: BuildContext) throws {
        self.init(momentum: config.double("momentum"), emaInit: config.double("ema_init"), gamma: config.double("gamma"),
                  cap: config.isNull("cap") ? nil : config.double("cap"),
                  textField: config.string("text_field"), captionField: config.string("caption_field"))
    }

    public var requiredFields: [String] { [textField, captionField] }

    public func weigh(_ input: GateInput) -> GateOutput {
        withoutGradients {
            let s = rowDots(input.batch.texts[textField]!, input.batch.texts[captionField]!)
            let m = ema.update(s)
            let r = gateWeights(s, mean: m, gamma: gamma, cap: nil)
            let w = cap.map { c in r.map { Swift.min(Float(c), $0) } } ?? r
            var stats = ["ema_text_caption": m]
            weightStats(w, prefix: "weight", corrupted: input.batch.corrupted, into: &stats)
            weightStats(s, prefix: "similarity", corrupted: nil, into: &stats)
            return GateOutput(sample: w, consistency: r, stats: stats)
        }
    }

    public var state: [String: Double] {
        get { ["ema_text_caption": ema.value] }
        set { if let v = newValue["ema_text_caption"] { ema.value = v } }
    }
}
