/// Which weight (or similarity) becomes a row's `audit_score` (what `--keep-fraction` and `--min-weight` filter on and
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
    /// The image–raw-text similarity `⟨v, t⟩` itself (no gate): on digit scenes it ranks swapped raw
    /// texts better than the capped LCG weight (`Docs/results.md`).
    case imageRaw = "image-raw"
    /// The raw-text–caption similarity `⟨t, c⟩` itself (what LCG compares with its mean, uncapped).
    case rawCaption = "raw-caption"

    /// The column the score is read from, as the report names it.
    public var formula: String {
        switch self {
        case .sample: return "weight_sample"
        case .raw: return "weight_raw"
        case .caption: return "weight_caption"
        case .rawPath: return "weight_sample · weight_raw"
        case .captionPath: return "weight_sample · weight_caption"
        case .imageRaw: return "sim_image_raw"
        case .rawCaption: return "sim_raw_caption"
        }
    }

    /// The score of one row from its gate weights and similarities.
    public func value(sample: Float, raw: Float, caption: Float, imageRaw: Float = .nan, rawCaption: Float = .nan) -> Float {
        switch self {
        case .sample: return sample
        case .raw: return raw
        case .caption: return caption
        case .rawPath: return sample * raw
        case .captionPath: return sample * caption
        case .imageRaw: return imageRaw
        case .rawCaption: return rawCaption
        }
    }
}
