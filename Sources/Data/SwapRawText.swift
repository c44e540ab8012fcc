import Components
import Tensor

/// `swap-raw-text`: a fraction `rate` of the samples get another sample's raw text (mismatched
/// image–text pairs, the usual web noise). The chosen samples pass their texts round in a cycle, so the
/// set of texts is unchanged; a sample counts as corrupted only when its text actually changed.
public struct SwapRawText: TextNoise, Component {
    public static let typeName = "swap-raw-text"
    public static let summary = "give a fraction `rate` of training samples another sample's raw text"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("rate", .float, default: .double(0.2), range: 0...1, doc: "fraction of training samples whose raw text is swapped"),
        ParameterSpec("seed", .int, default: nil, range: 0...Double(Int.max), optional: true, doc: "noise seed (default: the run's seed)"),
    ]

    public let rate: Double
    public let seed: UInt64?

    /// Swap noise at `rate`.
    public init(rate: Double, seed: UInt64? = nil) {
        precondition((0...1).contains(rate), "SwapRawText: rate must be in [0, 1]")
        self.rate = rate
        self.seed = seed
    }

    public init(config: ComponentConfig, context: BuildContext) throws {
        self.init(rate: config.double("rate"), seed: config.optionalInt("seed").map { UInt64($0) })
    }

    public func corrupt(_ texts: [String], seed: UInt64) -> (texts: [String], corrupted: [Bool]) {
        var rng = NoiseSupport.generator(seed, salt: 0x5157)
        let chosen = NoiseSupport.chosen(count: texts.count, rate: rate, rng: &rng)
        var out = texts
        if chosen.count >= 2 {
            for (k, i) in chosen.enumerated() { out[i] = texts[chosen[(k + 1) % chosen.count]] }
        } else if let i = chosen.first, texts.count > 1 {
            var j = rng.nextInt(below: texts.count - 1)
            if j >= i { j += 1 }
            out[i] = texts[j]
        }
        return (out, zip(out, texts).map { $0 != $1 })
    }
}
