import Foundation

/// The gate settings and running means an audit scores with: what the trained objective's LCG and DCG
/// would give each pair, without updating any mean.
///
/// With the checkpoint's EMAs (`/state/objective/sample.ema_text_caption`, `pair.ema_image_raw`,
/// `pair.ema_image_caption`, `pair.ema_text_caption`) the weights are those of the gates' formulas
/// (``LanguageConsistencyGate``, ``DescriptionConsistencyGate``; paper Eq. 3–5):
///
///     ws_i = min(cap_s, r_i),   r_i = exp(⟨t_i, c_i⟩ − m_tc)^γ_s
///     wt_i = exp(⟨t_i, v_i⟩ − m_vt)^γ_p   where r_i < 1 (condition text-below-mean), else 1
///     wc_i = exp(⟨c_i, v_i⟩ − m_vc)^γ_p   likewise; capped at cap_p only when the DCG sets a cap
///
/// A mean the checkpoint lacks (a CLIP run, a gate set to `none`, a path the objective did not train)
/// falls back to the mean over the audited rows ("the batch mean", the whole manifest as one batch),
/// and a missing gate to the authors' defaults (γ = 2, LCG cap 1, DCG uncapped, text-below-mean).
public struct AuditGates: Sendable, Equatable {
    /// γ of the sample gate (LCG).
    public var sampleGamma: Double
    /// The LCG cap (nil: uncapped).
    public var sampleCap: Double?
    /// γ of the pair gate (DCG).
    public var pairGamma: Double
    /// The DCG cap (nil: uncapped, as the authors' code).
    public var pairCap: Double?
    /// Where the pair weights act.
    public var pairCondition: DescriptionConsistencyGate.Condition
    /// Whether the LCG's ratio drives the DCG condition (LCG is the objective's sample gate, as in ALIP);
    /// otherwise the DCG's own raw-text/caption mean does.
    public var conditionFromSampleGate: Bool
    /// `m_tc` of the LCG (nil: the rows' mean).
    public var textCaptionMean: Double?
    /// The DCG's own `m_tc` (nil: the rows' mean).
    public var pairTextCaptionMean: Double?
    /// `m_vt` (nil: the rows' mean).
    public var imageRawMean: Double?
    /// `m_vc` (nil: the rows' mean).
    public var imageCaptionMean: Double?
    /// The state key each mean came from, by mean (`m_tc` → `sample.ema_text_caption`).
    public var sources: [String: String]

    /// Settings given directly; every mean nil (the rows' means) unless set.
    public init(sampleGamma: Double = 2, sampleCap: Double? = 1, pairGamma: Double = 2, pairCap: Double? = nil,
                pairCondition: DescriptionConsistencyGate.Condition = .textBelowMean, conditionFromSampleGate: Bool = true,
                textCaptionMean: Double? = nil, pairTextCaptionMean: Double? = nil,
                imageRawMean: Double? = nil, imageCaptionMean: Double? = nil, sources: [String: String] = [:]) {
        self.sampleGamma = sampleGamma
        self.sampleCap = sampleCap
        self.pairGamma = pairGamma
        self.pairCap = pairCap
        self.pairCondition = pairCondition
        self.conditionFromSampleGate = conditionFromSampleGate
        self.textCaptionMean = textCaptionMean
        self.pairTextCaptionMean = pairTextCaptionMean
        self.imageRawMean = imageRawMean
        self.imageCaptionMean = imageCaptionMean
        self.sources = sources
    }

    /// The settings of `objective`'s gates with the means of `state` (the checkpoint's
    /// `/state/objective/…` values, keys as `Objective.state`: `sample.ema_text_caption`, …). An
    /// objective without gates (CLIP) gives the defaults and no means.
    public init(objective: any Objective, state: [String: Double]) {
        self.init()
        guard let alip = objective as? ALIPObjective else { return }
        for (prefix, gate) in [("sample.", alip.sampleGate), ("pair.", alip.pairGate)] {
            func mean(_ key: String, _ name: String) -> Double? {
                guard let v = state[prefix + key] else { return nil }
                sources[name] = prefix + key
                return v
            }
            if let lcg = gate as? LanguageConsistencyGate {
                sampleGamma = lcg.gamma
                sampleCap = lcg.cap
                textCaptionMean = mean("ema_text_caption", "m_tc")
                conditionFromSampleGate = prefix == "sample."
            } else if let dcg = gate as? DescriptionConsistencyGate {
                pairGamma = dcg.gamma
                pairCap = dcg.cap
                pairCondition = dcg.condition
                pairTextCaptionMean = mean("ema_text_caption", "dcg m_tc")
                imageRawMean = mean(DescriptionConsistencyGate.key("raw"), "m_vt")
                imageCaptionMean = mean(DescriptionConsistencyGate.key("caption"), "m_vc")
            }
        }
        // The objective passes the LCG ratio to the DCG only when the LCG runs first (the sample slot).
        if !(alip.sampleGate is LanguageConsistencyGate) { conditionFromSampleGate = false }
    }

    /// The weights of rows with similarities `s_tc = ⟨t, c⟩`, `s_vt = ⟨v, t⟩`, `s_vc = ⟨v, c⟩` (one value per
    /// row each), and the means used.
    public func weights(textCaption: [Float], imageRaw: [Float], imageCaption: [Float]) -> AuditWeights {
        precondition(textCaption.count == imageRaw.count && imageRaw.count == imageCaption.count,
                     "AuditGates.weights: \(textCaption.count), \(imageRaw.count) and \(imageCaption.count) similarities")
        func rowMean(_ x: [Float]) -> Double { x.isEmpty ? 0 : x.reduce(0.0) { $0 + Double($1) } / Double(x.count) }
        let mtc = textCaptionMean ?? rowMean(textCaption)
        let r = gateWeights(textCaption, mean: mtc, gamma: sampleGamma, cap: nil)
        let sample = sampleCap.map { c in r.map { Swift.min(Float(c), $0) } } ?? r
        let pairMTC = pairTextCaptionMean ?? rowMean(textCaption)
        let ratio = conditionFromSampleGate ? r : gateWeights(textCaption, mean: pairMTC, gamma: pairGamma, cap: nil)
        let active = pairCondition == .always ? [Bool](repeating: true, count: r.count) : ratio.map { $0 < 1 }
        let mvt = imageRawMean ?? rowMean(imageRaw), mvc = imageCaptionMean ?? rowMean(imageCaption)
        let raw = zip(gateWeights(imageRaw, mean: mvt, gamma: pairGamma, cap: pairCap), active).map { $1 ? $0 : 1 }
        let caption = zip(gateWeights(imageCaption, mean: mvc, gamma: pairGamma, cap: pairCap), active).map { $1 ? $0 : 1 }
        var means = ["m_tc": mtc, "m_vt": mvt, "m_vc": mvc]
        if !conditionFromSampleGate && pairCondition == .textBelowMean { means["dcg m_tc"] = pairMTC }
        return AuditWeights(sample: sample, raw: raw, caption: caption, means: means)
    }
}

/// The weights an audit computed, one per row, and the means they used (`m_tc`, `m_vt`, `m_vc`).
public struct AuditWeights: Sendable, Equatable {
    /// LCG sample weights `ws`.
    public var sample: [Float]
    /// DCG raw-text pair weights `wt`.
    public var raw: [Float]
    /// DCG caption pair weights `wc`.
    public var caption: [Float]
    /// The means used, by name.
    public var means: [String: Double]
}
