/// Which weight becomes a row's `audit_score` (what `--keep-fraction` and `--min-weight` filter on and
/// what the truth metrics rank by; a low score means "likely noisy").
public enum AuditScore: String, Sendable, CaseIterable {
    /// The LCG sample weight `ws` (the default: raw text vs caption).
    case sample
    /// The DCG raw-text pair weight `wt`.
    case raw
    /// The DCG caption pair weight `wc`.
    case caption
    /// `ws · wt`: the weight the raw-text loss term gets in the ALIP objective.
    case rawPath = "raw-path"
    /// `ws · wc`: the weight the caption loss term gets.
    case captionPath = "caption-path"

    /// The column the score is read from, as the report names it.
    public var formula: String {
        switch self {
        case .sample: return "weight_sample"
        case .raw: return "weight_raw"
        case .caption: return "weight_caption"
        case .rawPath: return "weight_sample · weight_raw"
        case .captionPath: return "weight_sample · weight_caption"
        }
    }

    /// The score of one row.
    public func value(sample: Float, raw: Float, caption: Float) -> Float {
        switch self {
        case .sample: return sample
        case .raw: return raw
        case .caption: return caption
        case .rawPath: return sample * raw
        case .captionPath: return sample * caption
        }
    }
}
