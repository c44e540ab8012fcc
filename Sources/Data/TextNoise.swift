import Tensor

/// Noise injection (slot `.noise`): corrupts the raw-text field of the TRAINING set, deterministically
/// from a seed, and says which samples it corrupted (so evaluators can measure how well gates find
/// them). Applied once per dataset (the same samples stay corrupted every epoch), never to evaluation.
public protocol TextNoise: Sendable {
    /// The corrupted texts and, per sample, whether its text changed.
    func corrupt(_ texts: [String], seed: UInt64) -> (texts: [String], corrupted: [Bool])
    /// The seed the recipe fixed for this noise, if any (else the run's seed is used).
    var seed: UInt64? { get }
}

enum NoiseSupport {
    /// The samples to corrupt: exactly `round(rate · n)` of them, chosen by a seeded permutation, in
    /// permutation order.
    static func chosen(count n: Int, rate: Double, rng: inout RandomGenerator) -> [Int] {
        let k = min(n, Int((rate * Double(n)).rounded()))
        return Array(rng.permutation(n).prefix(k))
    }

    /// Mixes the seed with a per-type constant so two noise types with one seed pick different samples.
    static func generator(_ seed: UInt64, salt: UInt64) -> RandomGenerator {
        RandomGenerator(seed: seed ^ (salt &* 0x9E37_79B9_7F4A_7C15))
    }
}
